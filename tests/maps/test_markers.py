"""The IOC map's markers: who may ask (every role), what they hold (the open reports in the
caller's scope, each band as the queue tells it, nobody's name or phone), the filters, the
popup, and the size of the compact format."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from service.core.timeutil import utcnow
from service.identity.models import User
from service.maps.schemas import MarkerSet
from service.reports.models import OPEN_SQL, Complaint
from service.workflow import queue
from tests.conftest import DEMO_USERS
from tests.workflow.test_handling_dispatch import new_report

MARKERS = "/api/v1/ioc/map/markers"


def codes_of(body: dict) -> list[str]:
    return [f"PA-{body['years'][y]}-{n:06d}" for y, n in zip(body["year"], body["number"], strict=True)]


def open_codes(db, unit_id: int | None = None, status: str | None = None) -> list[str]:
    where = "" if unit_id is None else " AND current_unit_id = :unit"
    where += "" if status is None else " AND status = :status"
    return list(
        db.exec(
            text(f"SELECT code FROM complaints WHERE {OPEN_SQL}{where} ORDER BY code"),  # noqa: S608
            params={"unit": unit_id, "status": status},
        ).scalars()
    )


def user(db, role: str) -> User:
    return db.exec(select(User).where(User.username == DEMO_USERS[role])).one()


@pytest.fixture
def reports(client, db):
    """Three open reports in Bách Quang (routed to its office) and one moved to another unit."""
    made = [new_report(client) for _ in range(4)]
    lead = user(db, "unit_lead")
    other = db.exec(
        text("SELECT id FROM units WHERE id <> :unit ORDER BY id LIMIT 1"), params={"unit": lead.unit_id}
    ).scalar_one()
    db.exec(
        text("UPDATE complaints SET current_unit_id = :unit WHERE code = :code"),
        params={"unit": other, "code": made[3]["code"]},
    )
    db.exec(
        text("UPDATE complaints SET current_unit_id = :unit WHERE code = ANY(:codes)"),
        params={"unit": lead.unit_id, "codes": [m["code"] for m in made[:3]]},
    )
    db.flush()
    return made


@pytest.mark.parametrize("role", ["officer", "citizen"])
def test_officers_and_citizens_are_refused_the_map(client, auth, reports, role):
    for path in (MARKERS, f"{MARKERS}/{reports[0]['code']}"):
        refused = client.get(path, headers=auth(role))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "forbidden"


def test_without_a_login_the_map_answers_401(client, reports):
    assert client.get(MARKERS).status_code == 401


@pytest.mark.parametrize("role", ["dispatcher", "admin"])
def test_dispatchers_and_admins_see_every_open_report_of_the_province(client, auth, db, reports, role):
    body = client.get(MARKERS, headers=auth(role)).json()
    assert codes_of(body) == open_codes(db)
    assert body["count"] == len(open_codes(db)) >= 4
    assert {r["code"] for r in reports} <= set(codes_of(body))


def test_a_lead_sees_only_their_units_open_reports(client, auth, db, reports):
    lead = user(db, "unit_lead")
    body = client.get(MARKERS, headers=auth("unit_lead")).json()
    assert codes_of(body) == open_codes(db, lead.unit_id)
    assert reports[3]["code"] not in codes_of(body)
    assert {r["code"] for r in reports[:3]} <= set(codes_of(body))
    # Nor opens the popup of another unit's report: it reads as absent.
    hidden = client.get(f"{MARKERS}/{reports[3]['code']}", headers=auth("unit_lead"))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_markers_carry_no_personal_data_and_each_band_is_the_queues(client, auth, db, reports):
    response = client.get(MARKERS, headers=auth("dispatcher"))
    body = response.json()
    assert set(body) == {"as_of", "count", "bands", "statuses", "categories", "years", "lat", "lon", "band",
                         "status", "category", "year", "number"}  # fmt: skip
    reporters = db.exec(
        text("SELECT DISTINCT u.full_name, u.phone FROM complaints c JOIN users u ON u.id = c.citizen_id")
    ).all()
    for name, phone in reporters:
        for value in (name, phone):
            if value:
                assert value not in response.text
    at = queue.bands(session=db, now=utcnow())
    for i, code in enumerate(codes_of(body)):
        complaint = db.exec(select(Complaint).where(Complaint.code == code)).one()
        expected = queue.band_of(complaint, at)
        assert body["bands"][body["band"][i]] == (expected.value if expected else "none"), code
        assert body["statuses"][body["status"][i]] == complaint.status
    # The popup neither.
    popup = client.get(f"{MARKERS}/{reports[0]['code']}", headers=auth("dispatcher"))
    assert popup.status_code == 200
    assert set(popup.json()) == {"code", "status", "band", "category", "submitted_at", "thumbnail", "url"}
    assert popup.json()["url"] == f"/web/reports/{reports[0]['id']}"
    assert popup.json()["category"]["code"] == "pothole"


def test_the_filters_narrow_the_markers(client, auth, db, reports):
    headers = auth("dispatcher")
    other = db.exec(text("SELECT id FROM categories WHERE code <> 'pothole' ORDER BY id LIMIT 1")).scalar_one()
    db.exec(
        text("UPDATE complaints SET category_id = :c WHERE code = :code"),
        params={"c": other, "code": reports[2]["code"]},
    )
    db.flush()
    everything = codes_of(client.get(MARKERS, headers=headers).json())
    potholes = codes_of(client.get(MARKERS, params={"category": "pothole"}, headers=headers).json())
    pothole_id = db.exec(text("SELECT id FROM categories WHERE code = 'pothole'")).scalar_one()
    expected = [
        c
        for c in open_codes(db)
        if db.exec(select(Complaint.category_id).where(Complaint.code == c)).one() == pothole_id
    ]
    assert potholes == expected
    assert reports[2]["code"] in everything and reports[2]["code"] not in potholes
    db.exec(
        text("UPDATE complaints SET status = 'in_progress' WHERE code = :code"), params={"code": reports[0]["code"]}
    )
    db.flush()
    in_progress = codes_of(client.get(MARKERS, params={"state": "in_progress"}, headers=headers).json())
    assert in_progress == open_codes(db, status="in_progress")
    assert reports[0]["code"] in in_progress and reports[1]["code"] not in in_progress
    # Received long ago: out of the last day, still in the list of all.
    db.exec(
        text("UPDATE complaints SET submitted_at = :at WHERE code = :code"),
        params={"at": utcnow() - timedelta(days=3), "code": reports[0]["code"]},
    )
    db.flush()
    today = codes_of(client.get(MARKERS, params={"period": "day"}, headers=headers).json())
    week = codes_of(client.get(MARKERS, params={"period": "week"}, headers=headers).json())
    assert reports[0]["code"] not in today and reports[0]["code"] in week and reports[1]["code"] in today


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [({"state": "closed"}, "invalid_status", "state"), ({"category": "nope"}, "unknown_category", "category"),
     ({"period": "year"}, "validation_error", None), ({"state": "x"}, "validation_error", None)],
)  # fmt: skip
def test_a_filter_the_map_cannot_apply_is_refused_with_its_code(client, auth, reports, params, code, field):
    refused = client.get(MARKERS, params=params, headers=auth("dispatcher"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code
    if field:
        assert refused.json()["field"] == field


def test_an_unknown_code_is_404(client, auth):
    missing = client.get(f"{MARKERS}/PA-1999-999999", headers=auth("dispatcher"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_compact_format_stays_under_2_mb_for_50000_reports(client, auth, reports):
    """The answer for this database, then the same shape for 50,000 open reports at their
    widest (six-digit numbers, five decimals, two-digit category indexes) as the route
    serialises it."""
    body = client.get(MARKERS, headers=auth("dispatcher")).json()
    widest = MarkerSet.model_validate(body).model_copy(
        update={
            "count": 50_000,
            "years": [2025, 2026],
            "lat": [round(21.12345 + i * 1e-5, 5) for i in range(50_000)],
            "lon": [round(105.12345 + i * 1e-5, 5) for i in range(50_000)],
            "band": [i % 5 for i in range(50_000)],
            "status": [i % 6 for i in range(50_000)],
            "category": [10 + i % 9 for i in range(50_000)],
            "year": [i % 2 for i in range(50_000)],
            "number": [100_000 + i for i in range(50_000)],
        }
    )
    size = len(widest.model_dump_json().encode())
    print(f"markers: 50,000 open reports = {size:,} bytes ({size / 50_000:.1f} B each)")
    assert size < 2_000_000
