"""The demo organisation of Thái Nguyên: category groups, categories and unit templates.

Plain data, so the seed code stays short and a reader can check the Vietnamese.
"""

from service.categories.models import Priority
from service.units.models import UnitKind

# (code, name, name_en)
GROUPS: list[tuple[str, str, str]] = [
    ("roads", "Giao thông, đường và vỉa hè", "Roads and pavements"),
    ("drainage", "Thoát nước, ngập úng", "Drainage and flooding"),
    ("environment", "Rác thải và môi trường", "Waste and environment"),
    ("urban_order", "Trật tự đô thị", "Urban order"),
    ("lighting", "Chiếu sáng công cộng", "Street lighting"),
    ("trees", "Cây xanh", "Trees"),
    ("public_order", "An ninh trật tự", "Public order"),
    ("other", "Khác", "Other"),
]

# (code, group, name, name_en, default priority)
CATEGORIES: list[tuple[str, str, str, str, Priority]] = [
    ("pothole", "roads", "Ổ gà, hư hỏng mặt đường", "Pothole or damaged road surface", Priority.high),
    ("damaged_pavement", "roads", "Hư hỏng vỉa hè", "Damaged pavement", Priority.normal),
    ("provincial_road", "roads", "Hư hỏng đường tỉnh, cầu", "Damaged provincial road or bridge", Priority.high),
    ("traffic_sign", "roads", "Biển báo, đèn tín hiệu giao thông hỏng", "Broken traffic sign or signal", Priority.high),
    ("flooding", "drainage", "Ngập úng", "Flooded road", Priority.urgent),
    ("blocked_drain", "drainage", "Tắc cống, hố ga", "Blocked drain or manhole", Priority.high),
    ("missing_manhole_cover", "drainage", "Mất nắp hố ga", "Missing manhole cover", Priority.urgent),
    ("waste", "environment", "Rác thải, đổ trộm rác", "Rubbish or fly-tipping", Priority.normal),
    ("wastewater", "environment", "Nước thải", "Wastewater discharge", Priority.high),
    ("pollution", "environment", "Ô nhiễm khói, bụi, tiếng ồn", "Smoke, dust or noise pollution", Priority.normal),
    (
        "pavement_encroachment",
        "urban_order",
        "Lấn chiếm vỉa hè, lòng đường",
        "Pavement or roadway taken over",
        Priority.normal,
    ),
    ("illegal_construction", "urban_order", "Xây dựng trái phép", "Illegal construction", Priority.normal),
    (
        "illegal_advertising",
        "urban_order",
        "Quảng cáo, rao vặt sai quy định",
        "Illegal posters or advertising",
        Priority.low,
    ),
    ("street_light", "lighting", "Đèn chiếu sáng hỏng", "Street light out", Priority.normal),
    ("dangerous_tree", "trees", "Cây xanh nguy hiểm", "Dangerous tree", Priority.high),
    ("fallen_tree", "trees", "Cây đổ, gãy cành", "Fallen tree or branch", Priority.urgent),
    ("public_order", "public_order", "An ninh trật tự", "Public order and security", Priority.high),
    ("other", "other", "Khác", "Other", Priority.normal),
]

# Per ward: (code suffix, kind, Vietnamese name for a phường, for a xã, English name).
WARD_UNITS: list[tuple[str, UnitKind, str, str, str]] = [
    (
        "KTHT",
        UnitKind.ward_infrastructure,
        "Phòng Kinh tế, Hạ tầng và Đô thị {full}",
        "Phòng Kinh tế {full}",
        "Economic, Infrastructure and Urban Affairs Office, {full_en}",
    ),
    (
        "DVTH",
        UnitKind.ward_public_services,
        "Trung tâm Dịch vụ tổng hợp {full}",
        "Trung tâm Dịch vụ tổng hợp {full}",
        "General Public Services Centre, {full_en}",
    ),
    ("CA", UnitKind.ward_police, "Công an {full}", "Công an {full}", "Police of {full_en}"),
]

# Province-wide units: (code, kind, name, name_en); they cover every ward.
PROVINCE_UNITS: list[tuple[str, UnitKind, str, str]] = [
    ("EVN-TN", UnitKind.utility, "Công ty Điện lực Thái Nguyên", "Thai Nguyen Power Company"),
    (
        "SXD-TN",
        UnitKind.provincial_department,
        "Sở Xây dựng tỉnh Thái Nguyên",
        "Thai Nguyen Department of Construction",
    ),
]

# Metres within which an open report of the same group is probably the same problem
# (categories not listed: 100 m).
DUPLICATE_RADIUS_M: dict[str, int] = {
    "pothole": 50,
    "damaged_pavement": 50,
    "blocked_drain": 50,
    "missing_manhole_cover": 30,
    "street_light": 30,
    "flooding": 200,
    "pollution": 300,
    "wastewater": 200,
    "public_order": 200,
    "fallen_tree": 50,
}

# Routing, as rules (service/routing/rules.py). In every ward: anything not said below goes
# to the ward's KTHT office (the catch-all), these groups to another ward unit:
WARD_GROUP_UNITS: dict[str, str] = {"environment": "DVTH", "trees": "DVTH", "public_order": "CA"}
# Province-wide, whatever the ward: these categories go to a provincial unit.
PROVINCE_CATEGORY_UNITS: dict[str, str] = {"street_light": "EVN-TN", "provincial_road": "SXD-TN"}

BACH_QUANG = "05528"
PHAN_DINH_PHUNG = "05443"

# (username, full name, role, unit code or None, phone or None)
ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("+84912345678", "Nguyễn Văn An", "citizen", None, "+84912345678"),
    ("+84987654321", "Trần Thị Bình", "citizen", None, "+84987654321"),
    ("canbo.bachquang", "Lê Minh Cường", "officer", f"{BACH_QUANG}-KTHT", None),
    ("canbo2.bachquang", "Vũ Thị Hoa", "officer", f"{BACH_QUANG}-KTHT", None),
    ("lanhdao.bachquang", "Phạm Thu Dung", "unit_lead", f"{BACH_QUANG}-KTHT", None),
    ("canbo.phandinhphung", "Đỗ Quang Huy", "officer", f"{PHAN_DINH_PHUNG}-KTHT", None),
    ("canbo.dienluc", "Ngô Văn Khánh", "officer", "EVN-TN", None),
    ("dieuphoi", "Hoàng Văn Em", "dispatcher", None, None),
    ("quantri", "Quản trị hệ thống", "admin", None, None),
]
