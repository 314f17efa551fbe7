"""Every report to the responsible unit and officer at once, through the public API."""

import io
import json
import random
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, text
from sqlmodel import select

from service.areas.models import Area
from service.demo.catalogue import PROVINCE_CATEGORY_UNITS, WARD_GROUP_UNITS
from service.identity.models import User
from service.reports.models import Complaint
from service.routing.models import OfficerCategory
from service.units.models import Unit, UnitArea
from tests.conftest import register_citizen

_buffer = io.BytesIO()
Image.new("RGB", (32, 24), (90, 90, 90)).save(_buffer, format="PNG")
PNG = _buffer.getvalue()


def send(client, headers, *, category: str, lat: float, lon: float, visibility: str = "public") -> dict:
    part = {
        "category_code": category,
        "description": "Kiểm tra điều phối",
        "lat": lat,
        "lon": lon,
        "visibility": visibility,
    }
    response = client.post(
        "/api/v1/complaints",
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        data={"complaint": json.dumps(part)},
        files=[("photos", ("p.png", PNG, "image/png"))],
    )
    assert response.status_code == 201, response.text
    return response.json()


def expected_unit(ward: str, category: str, group: str) -> str:
    if category in PROVINCE_CATEGORY_UNITS:
        return PROVINCE_CATEGORY_UNITS[category]
    if group in WARD_GROUP_UNITS:
        return f"{ward}-{WARD_GROUP_UNITS[group]}"
    return f"{ward}-KTHT"


def random_points(db, per_ward: int, seed: int) -> list[tuple[str, float, float]]:
    rows = db.exec(
        text(
            "SELECT a.code, ST_Y(p.geom), ST_X(p.geom) FROM areas a, "
            "LATERAL ST_Dump(ST_GeneratePoints(a.geom, :n, :seed)) p WHERE a.province_code = '19' ORDER BY a.code"
        ),
        params={"n": per_ward, "seed": seed},
    ).all()
    return [(code, float(lat), float(lon)) for code, lat, lon in rows]


def test_random_points_in_every_ward_reach_the_unit_covering_it_for_each_category(client, db):
    """Every one of the 92 wards, a random point in it, for every category."""
    citizen = register_citizen(client)
    categories = client.get("/api/v1/categories").json()
    covers = {
        (unit_code, area_code)
        for unit_code, area_code in db.exec(
            select(Unit.code, Area.code)
            .join(UnitArea, UnitArea.unit_id == Unit.id)
            .join(Area, Area.id == UnitArea.area_id)
        ).all()
    }
    points = random_points(db, per_ward=2, seed=20261121)
    assert len({code for code, _, _ in points}) == 92
    rng = random.Random(5)
    checked = 0
    for ward, lat, lon in points:
        # Each category in turn over the wards, plus one at random, so every category is
        # routed in many wards and every ward sees several categories.
        for category in (categories[checked % len(categories)], rng.choice(categories)):
            report = send(client, citizen, category=category["code"], lat=lat, lon=lon)
            assert report["area"]["code"] == ward
            want = expected_unit(ward, category["code"], category["group"]["code"])
            assert report["unit"]["code"] == want, (ward, category["code"])
            assert (want, ward) in covers
            assert report["status"] == "assigned"
            checked += 1
    assert checked == 368


def _rule(client, admin, **body):
    response = client.post("/api/v1/admin/routing-rules", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def _unit_id(db, code: str) -> int:
    return db.exec(select(Unit.id).where(Unit.code == code)).one()


def test_a_ward_rule_beats_the_province_wide_rule_which_beats_the_ward_default(client, db, auth):
    citizen, admin = register_citizen(client), auth("admin")
    bach_quang, phan_dinh_phung = (21.5063, 105.8680), (21.5937, 105.8418)
    # Province-wide: provincial roads go to the construction department in every ward,
    # ahead of the ward's own catch-all rule.
    assert (
        send(client, citizen, category="provincial_road", lat=bach_quang[0], lon=bach_quang[1])["unit"]["code"]
        == "SXD-TN"
    )
    rule = _rule(client, admin, category_code="provincial_road", area_code="05528", unit_id=_unit_id(db, "05528-KTHT"))
    assert rule["unit_code"] == "05528-KTHT"
    assert (
        send(client, citizen, category="provincial_road", lat=bach_quang[0], lon=bach_quang[1])["unit"]["code"]
        == "05528-KTHT"
    )
    elsewhere = send(client, citizen, category="provincial_road", lat=phan_dinh_phung[0], lon=phan_dinh_phung[1])
    assert elsewhere["area"]["code"] == "05443" and elsewhere["unit"]["code"] == "SXD-TN"
    # Switched off through the API: back to the province-wide rule, no deploy.
    client.patch(f"/api/v1/admin/routing-rules/{rule['id']}", json={"is_active": False}, headers=admin)
    read = client.get(f"/api/v1/admin/routing-rules/{rule['id']}", headers=admin).json()
    assert read["is_active"] is False and read["area_code"] == "05528"
    assert client.get("/api/v1/admin/routing-rules/2147483647", headers=admin).status_code == 404
    assert client.get(f"/api/v1/admin/routing-rules/{rule['id']}", headers=auth("dispatcher")).status_code == 403
    assert (
        send(client, citizen, category="provincial_road", lat=bach_quang[0], lon=bach_quang[1])["unit"]["code"]
        == "SXD-TN"
    )
    recorded = db.exec(select(Complaint.routed_by_rule_id).where(Complaint.code == elsewhere["code"])).one()
    assert recorded is not None


def test_rule_errors(client, db, auth):
    admin = auth("admin")
    unit = _unit_id(db, "05528-KTHT")
    both = client.post(
        "/api/v1/admin/routing-rules",
        json={"category_code": "pothole", "group_code": "roads", "unit_id": unit},
        headers=admin,
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_rule" and both.json()["field"] == "group_code"
    ward = client.post("/api/v1/admin/routing-rules", json={"area_code": "99999", "unit_id": unit}, headers=admin)
    assert ward.json()["field"] == "area_code"
    assert (
        client.post("/api/v1/admin/routing-rules", json={"unit_id": 2**31 - 1}, headers=admin).json()["field"]
        == "unit_id"
    )


def _officers(db, unit_code: str) -> list[User]:
    return list(
        db.exec(
            select(User).join(Unit, Unit.id == User.unit_id).where(Unit.code == unit_code, User.role == "officer")
        ).all()
    )


def test_the_least_loaded_officer_gets_it_and_ties_go_round_robin(client, db):
    citizen = register_citizen(client)
    officers = _officers(db, "05528-KTHT")
    assert len(officers) == 3
    # No officer holds anything in this test's transaction yet: six reports, two each.
    reports = [send(client, citizen, category="pothole", lat=21.5063, lon=105.868) for _ in range(6)]
    holders = [db.exec(select(Complaint.current_officer_id).where(Complaint.code == r["code"])).one() for r in reports]
    assert sorted(holders.count(o.id) for o in officers) == [2, 2, 2]
    # Round robin: the first three went to three different officers.
    assert len(set(holders[:3])) == 3


def test_officers_off_duty_or_for_other_categories_are_skipped(client, db):
    citizen = register_citizen(client)
    first, second, third = _officers(db, "05528-KTHT")
    first.on_duty = False
    pothole_id = db.exec(text("SELECT id FROM categories WHERE code = 'flooding'")).scalar_one()
    db.add(OfficerCategory(user_id=second.id, category_id=pothole_id))  # second only does flooding
    db.add(first)
    db.flush()
    holders = {
        db.exec(
            select(Complaint.current_officer_id).where(
                Complaint.code == send(client, citizen, category="pothole", lat=21.5063, lon=105.868)["code"]
            )
        ).one()
        for _ in range(3)
    }
    assert holders == {third.id}


def test_a_unit_may_route_everything_to_its_lead(client, db):
    citizen = register_citizen(client)
    unit = db.exec(select(Unit).where(Unit.code == "05528-KTHT")).one()
    unit.routes_to_lead = True
    db.add(unit)
    db.flush()
    report = send(client, citizen, category="pothole", lat=21.5063, lon=105.868)
    holder = db.exec(select(Complaint.current_officer_id).where(Complaint.code == report["code"])).one()
    assert db.get(User, holder).username == "lanhdao.bachquang"


@pytest.mark.parametrize("reason", ["no_rule", "no_officer"])
def test_what_cannot_be_routed_goes_to_the_dispatcher(client, db, auth, reason):
    citizen = register_citizen(client)
    if reason == "no_rule":
        # The ward's catch-all switched off: nothing covers "other" reports there any more.
        db.exec(
            text(
                "UPDATE routing_rules SET is_active = false WHERE area_id = (SELECT id FROM areas WHERE code = '05528') "
                "AND category_id IS NULL AND group_code IS NULL"
            )
        )
    else:
        db.exec(
            text("UPDATE users SET on_duty = false WHERE unit_id = (SELECT id FROM units WHERE code = '05528-KTHT')")
        )
        db.exec(text("UPDATE users SET is_active = false WHERE username = 'lanhdao.bachquang'"))
    report = send(client, citizen, category="other", lat=21.5063, lon=105.868)
    assert report["status"] == "submitted"
    staff = client.get(f"/api/v1/complaints/{report['id']}", headers=auth("dispatcher")).json()
    assert staff["dispatch_reason"] == reason
    assert staff["officer"] is None
    assert (staff["unit"] is None) == (reason == "no_rule")
    assert "sent_to_dispatcher" in [entry["action"] for entry in staff["timeline"]]
    # The citizen's timeline does not show the internal step.
    mine = client.get(f"/api/v1/complaints/{report['id']}", headers=citizen).json()
    assert "sent_to_dispatcher" not in [entry["action"] for entry in mine["timeline"]]
    assert db.exec(select(func.count()).select_from(Complaint).where(Complaint.code == report["code"])).one() == 1
