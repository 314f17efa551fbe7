"""The 34 provinces and centrally-run cities in force since 1 July 2025.

Boundary files name a ward's province by slug (``19_thai_nguyen``); this table gives the
official name. An unknown code still imports, named from its slug.
"""

PROVINCES: dict[str, tuple[str, str]] = {
    "01": ("Thành phố Hà Nội", "Ha Noi City"),
    "04": ("Tỉnh Cao Bằng", "Cao Bang Province"),
    "08": ("Tỉnh Tuyên Quang", "Tuyen Quang Province"),
    "11": ("Tỉnh Điện Biên", "Dien Bien Province"),
    "12": ("Tỉnh Lai Châu", "Lai Chau Province"),
    "14": ("Tỉnh Sơn La", "Son La Province"),
    "15": ("Tỉnh Lào Cai", "Lao Cai Province"),
    "19": ("Tỉnh Thái Nguyên", "Thai Nguyen Province"),
    "20": ("Tỉnh Lạng Sơn", "Lang Son Province"),
    "22": ("Tỉnh Quảng Ninh", "Quang Ninh Province"),
    "24": ("Tỉnh Bắc Ninh", "Bac Ninh Province"),
    "25": ("Tỉnh Phú Thọ", "Phu Tho Province"),
    "31": ("Thành phố Hải Phòng", "Hai Phong City"),
    "33": ("Tỉnh Hưng Yên", "Hung Yen Province"),
    "37": ("Tỉnh Ninh Bình", "Ninh Binh Province"),
    "38": ("Tỉnh Thanh Hóa", "Thanh Hoa Province"),
    "40": ("Tỉnh Nghệ An", "Nghe An Province"),
    "42": ("Tỉnh Hà Tĩnh", "Ha Tinh Province"),
    "44": ("Tỉnh Quảng Trị", "Quang Tri Province"),
    "46": ("Thành phố Huế", "Hue City"),
    "48": ("Thành phố Đà Nẵng", "Da Nang City"),
    "51": ("Tỉnh Quảng Ngãi", "Quang Ngai Province"),
    "52": ("Tỉnh Gia Lai", "Gia Lai Province"),
    "56": ("Tỉnh Khánh Hòa", "Khanh Hoa Province"),
    "66": ("Tỉnh Đắk Lắk", "Dak Lak Province"),
    "68": ("Tỉnh Lâm Đồng", "Lam Dong Province"),
    "75": ("Tỉnh Đồng Nai", "Dong Nai Province"),
    "79": ("Thành phố Hồ Chí Minh", "Ho Chi Minh City"),
    "80": ("Tỉnh Tây Ninh", "Tay Ninh Province"),
    "82": ("Tỉnh Đồng Tháp", "Dong Thap Province"),
    "86": ("Tỉnh Vĩnh Long", "Vinh Long Province"),
    "91": ("Tỉnh An Giang", "An Giang Province"),
    "92": ("Thành phố Cần Thơ", "Can Tho City"),
    "96": ("Tỉnh Cà Mau", "Ca Mau Province"),
}


def province_from_slug(slug: str) -> tuple[str, str, str]:
    """``19_thai_nguyen`` -> (``19``, Vietnamese name, English name)."""
    code, _, rest = slug.partition("_")
    if code in PROVINCES:
        return code, *PROVINCES[code]
    fallback = rest.replace("_", " ").title() or code
    return code, fallback, fallback
