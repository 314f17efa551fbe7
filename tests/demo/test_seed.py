"""The demo data: the real wards of Thái Nguyên, their units, categories, one account per role."""

from sqlalchemy import func, text
from sqlmodel import select

from service.areas.models import Area
from service.demo.seed import seed_demo
from service.identity.models import Role, User
from service.units.models import Unit, UnitArea
from tests.conftest import DEMO_USERS, login


def test_the_92_wards_of_thai_nguyen_are_loaded(db):
    assert db.exec(select(func.count()).select_from(Area).where(Area.province_code == "19")).one() == 92
    invalid = db.exec(select(func.count()).select_from(Area).where(~func.ST_IsValid(Area.geom))).one()
    assert invalid == 0
    names = dict(db.exec(select(Area.code, Area.full_name)).all())
    assert names["05528"] == "Phường Bách Quang"
    assert names["05443"] == "Phường Phan Đình Phùng"


def test_every_ward_has_its_three_units_and_the_province_units_cover_all(db):
    per_area = db.exec(
        text(
            "SELECT a.code, count(*) FROM areas a JOIN unit_areas ua ON ua.area_id = a.id "
            "WHERE a.province_code = '19' GROUP BY a.code"
        )
    ).all()
    assert len(per_area) == 92
    assert {count for _, count in per_area} == {5}  # KTHT, DVTH, police + power company + construction dept
    power = db.exec(select(Unit).where(Unit.code == "EVN-TN")).one()
    covered = db.exec(select(func.count()).select_from(UnitArea).where(UnitArea.unit_id == power.id)).one()
    assert covered == 92
    commune = db.exec(select(Unit.name).where(Unit.code.like("%-KTHT"), Unit.name.like("%Xã%"))).first()  # type: ignore[attr-defined]
    assert commune is not None and commune.startswith("Phòng Kinh tế Xã")


def test_there_is_a_demo_account_for_every_role(client, db):
    roles = set(db.exec(select(User.role)).all())
    assert roles == {r.value for r in Role}
    for username in DEMO_USERS.values():
        login(client, username)


def test_seeding_again_changes_nothing(db):
    counts = lambda: [db.exec(select(func.count()).select_from(m)).one() for m in (Area, Unit, UnitArea, User)]  # noqa: E731
    before = counts()
    report = seed_demo(db)
    assert report.accounts_created == 0
    assert counts() == before
