"""The IOC's figures against a brute-force recount over a seeded history of 12,000 reports
with known timings; the exports carry the same figures; hotspots; who may see what."""

import csv
import io
import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import select

from service.categories.models import Category
from service.core.settings import LOCAL_TZ
from service.core.timeutil import to_local, utcnow
from service.identity.models import User
from service.sla import service as sla
from tests.conftest import DEMO_USERS
from tests.workflow.test_handling_dispatch import actions, new_report, row
from tests.workflow.test_handling_workflow import holder_of, resolve

REPORTS = 12_000
FINISHED = ("resolved", "closed")
IN_HAND = ("assigned", "acknowledged", "in_progress", "reopened")


@dataclass
class Seeded:
    id: uuid.UUID
    code: str
    officer_id: int | None
    unit_id: int | None
    category_id: int
    area_id: int
    status: str
    submitted_at: datetime
    resolved_at: datetime | None = None
    resolve_due_at: datetime | None = None
    due_at: datetime | None = None
    minutes: int | None = None
    reopened: int = 0
    rating: int | None = None
    closed_at: datetime | None = None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ)


def seed(db, *, now: datetime) -> list[Seeded]:
    """Only the seeded history counts: the committed reports of other tests are deleted in
    this test's transaction (and come back when it rolls back)."""
    db.exec(text("DELETE FROM complaints"))
    rng = random.Random(20261121)
    holders = list(db.exec(text("SELECT id, unit_id FROM users WHERE role = 'officer' AND unit_id IS NOT NULL")))
    categories = list(db.exec(text("SELECT id FROM categories ORDER BY id")).scalars())
    areas = list(db.exec(text("SELECT id FROM areas ORDER BY id LIMIT 40")).scalars())
    citizen = db.exec(select(User.id).where(User.username == DEMO_USERS["citizen"])).one()
    today = midnight(to_local(now).date())
    history: list[Seeded] = []
    for i in range(REPORTS):
        officer, unit = rng.choice(holders)
        # Some today, most over the last 120 days; every time at least a minute from "now".
        if i % 50 == 0:
            submitted = today + timedelta(minutes=rng.randint(0, max(1, int((now - today).total_seconds() // 60) - 2)))
        else:
            submitted = now - timedelta(minutes=rng.randint(60 * 24, 60 * 24 * 120))
        status = rng.choices(
            ["resolved", "closed", *IN_HAND, "awaiting_info", "submitted", "rejected"],
            weights=[15, 40, 10, 8, 6, 2, 3, 10, 6],
        )[0]
        item = Seeded(uuid.uuid4(), f"IOC-{i:06d}", officer, unit, rng.choice(categories), rng.choice(areas),
                      status, submitted)  # fmt: skip
        if status in FINISHED:
            item.resolved_at = min(submitted + timedelta(minutes=rng.randint(30, 60 * 24 * 20)), now - timedelta(1))
            item.resolve_due_at = submitted + timedelta(minutes=rng.randint(60 * 8, 60 * 24 * 10))
            item.minutes = rng.randint(20, 6000)
            item.reopened = rng.choices([0, 1, 2], weights=[88, 10, 2])[0]
            item.rating = rng.choice([None, 1, 2, 3, 4, 5]) if status == "closed" else None
        elif status in IN_HAND:
            # Overdue or not, never within a minute of now.
            item.due_at = now + timedelta(minutes=rng.choice([-1, 1]) * rng.randint(2, 60 * 24 * 15))
            item.resolve_due_at = item.due_at
        elif status in ("submitted", "rejected"):
            item.officer_id = item.unit_id = None
        if status == "rejected":
            # Set aside some time after it arrived; the row itself is written now (its
            # ``updated_at``), as a later change to it would leave it.
            item.closed_at = min(submitted + timedelta(minutes=rng.randint(10, 60 * 24 * 5)), now - timedelta(1))
        history.append(item)
    db.exec(
        text(
            """
            INSERT INTO complaints (id, code, citizen_id, category_id, description, location, area_id, submitted_at,
                channel, visibility, priority, status, idempotency_key, request_hash, location_mismatch,
                reused_photo, current_officer_id, current_unit_id, resolved_at, resolve_due_at, due_at,
                resolve_working_minutes, reopened_count, rating, closed_at)
            SELECT x.id, x.code, :citizen, x.category_id, 'seeded', ST_SetSRID(ST_MakePoint(105.84, 21.59), 4326),
                x.area_id, x.submitted_at, 'mobile', 'public', 'normal', x.status, x.code, x.code, false, false,
                x.officer_id, x.unit_id, x.resolved_at, x.resolve_due_at, x.due_at, x.minutes, x.reopened, x.rating,
                x.closed_at
            FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(id uuid, code text, category_id int, area_id int,
                submitted_at timestamptz, status text, officer_id int, unit_id int, resolved_at timestamptz,
                resolve_due_at timestamptz, due_at timestamptz, minutes int, reopened int, rating int,
                closed_at timestamptz)
            """
        ),
        params={"citizen": citizen, "rows": _json(history)},
    )
    return history


def _json(history: list[Seeded]) -> str:
    import json

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return json.dumps(
        [
            {
                "id": str(s.id),
                "code": s.code,
                "category_id": s.category_id,
                "area_id": s.area_id,
                "submitted_at": iso(s.submitted_at),
                "status": s.status,
                "officer_id": s.officer_id,
                "unit_id": s.unit_id,
                "resolved_at": iso(s.resolved_at),
                "resolve_due_at": iso(s.resolve_due_at),
                "due_at": iso(s.due_at),
                "minutes": s.minutes,
                "reopened": s.reopened,
                "rating": s.rating,
                "closed_at": iso(s.closed_at),
            }
            for s in history
        ]
    )


# --- the brute-force recount -------------------------------------------------------------


def percentile(values: list[int], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    if low + 1 >= len(ordered):
        return float(ordered[low])
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (position - low)


def recount(history: list[Seeded], key: str, *, start: datetime, end: datetime, now: datetime) -> dict:
    handled: dict[int, list[Seeded]] = defaultdict(list)
    overdue: Counter = Counter()
    for s in history:
        group = getattr(s, key)
        if group is None:
            continue
        if s.status in FINISHED and start <= s.resolved_at < end:
            handled[group].append(s)
        if s.due_at is not None and s.due_at < now:
            overdue[group] += 1
    figures = {}
    for group in set(handled) | set(overdue):
        done = handled.get(group, [])
        minutes = [s.minutes for s in done]
        ratings = [s.rating for s in done if s.rating is not None]
        on_time = sum(1 for s in done if s.resolved_at <= s.resolve_due_at)
        reopened = sum(1 for s in done if s.reopened > 0)
        figures[group] = {
            "handled": len(done),
            "on_time": on_time,
            "on_time_rate": round(on_time / len(done), 4) if done else None,
            "median_hours": round(percentile(minutes, 0.5) / 60, 2) if minutes else None,
            "p90_hours": round(percentile(minutes, 0.9) / 60, 2) if minutes else None,
            "overdue": overdue[group],
            "reopened": reopened,
            "reopen_rate": round(reopened / len(done), 4) if done else None,
            "rated": len(ratings),
            "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        }
    return figures


GROUPS = {"officer": ("officer_id", "users", "username"), "unit": ("unit_id", "units", "code"),
          "category": ("category_id", "categories", "code"), "area": ("area_id", "areas", "code")}  # fmt: skip


def codes(db, table: str, column: str) -> dict[int, str]:
    return dict(db.exec(text(f"SELECT id, {column} FROM {table}")).all())  # noqa: S608


@pytest.fixture
def history(db):
    return seed(db, now=utcnow())


@pytest.mark.parametrize("group_by", list(GROUPS))
def test_performance_equals_a_brute_force_recount(client, db, auth, history, group_by):
    key, table, column = GROUPS[group_by]
    today = to_local(utcnow()).date()
    first = today - timedelta(days=60)
    response = client.get(
        f"/api/v1/ioc/performance?group_by={group_by}&from={first}&to={today}", headers=auth("dispatcher")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    now = utcnow()
    expected = recount(history, key, start=midnight(first), end=midnight(today + timedelta(days=1)), now=now)
    names = codes(db, table, column)
    got = {row["code"]: {k: v for k, v in row.items() if k not in ("code", "name")} for row in body["rows"]}
    assert got == {names[group]: figures for group, figures in expected.items()}
    assert sum(r["handled"] for r in body["rows"]) > 3000  # the recount compares something substantial
    assert body["period_from"].startswith(first.isoformat()) and body["period_from"].endswith("+07:00")


def test_summary_equals_a_brute_force_recount(client, auth, history):
    now = utcnow()
    today = midnight(to_local(now).date())
    month = midnight(to_local(now).date().replace(day=1))
    body = client.get("/api/v1/ioc/summary", headers=auth("admin")).json()
    assert body["by_status"] == dict(Counter(s.status for s in history))
    assert body["intake_today"] == sum(1 for s in history if s.submitted_at >= today) > 0
    assert body["overdue_now"] == sum(1 for s in history if s.due_at is not None and s.due_at < now) > 0
    handled = [s for s in history if s.status in FINISHED and s.resolved_at >= month]
    assert body["handled_this_month"] == len(handled)
    on_time = sum(1 for s in handled if s.resolved_at <= s.resolve_due_at)
    assert body["on_time_this_month"] == on_time
    assert body["backlog"] == sum(1 for s in history if s.status in (*IN_HAND, "awaiting_info", "submitted"))


def test_a_lead_sees_their_own_unit_only(client, db, auth, history):
    lead_unit = db.exec(select(User.unit_id).where(User.username == DEMO_USERS["unit_lead"])).one()
    body = client.get("/api/v1/ioc/performance?group_by=officer", headers=auth("unit_lead")).json()
    officers = {u.username: u.unit_id for u in db.exec(select(User))}
    assert body["rows"] and all(officers[row["code"]] == lead_unit for row in body["rows"])
    summary = client.get("/api/v1/ioc/summary", headers=auth("unit_lead")).json()
    assert summary["by_status"] == dict(Counter(s.status for s in history if s.unit_id == lead_unit))


def test_the_overdue_list_is_the_longest_overdue_first_with_working_hours(client, db, auth, history):
    now = utcnow()
    late = sorted((s for s in history if s.due_at is not None and s.due_at < now), key=lambda s: (s.due_at, s.id))
    body = client.get("/api/v1/ioc/overdue?limit=20", headers=auth("dispatcher")).json()
    assert body["total"] == len(late)
    assert [item["code"] for item in body["items"]] == [s.code for s in late[:20]]
    assert body["items"][0]["overdue_working_hours"] >= body["items"][-1]["overdue_working_hours"] > 0
    # Each category by name in both languages, as the wall shows it in the page's language.
    names = {c.code: (c.name, c.name_en) for c in db.exec(select(Category))}
    assert [(i["category_name"], i["category_name_en"]) for i in body["items"]] == [
        names[i["category_code"]] for i in body["items"]
    ]


def test_the_exports_carry_the_same_figures(client, auth, history):
    headers = auth("dispatcher")
    table = client.get("/api/v1/ioc/performance?group_by=unit", headers=headers).json()["rows"]
    as_csv = client.get("/api/v1/ioc/performance/export?group_by=unit&format=csv", headers=headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0][0] == "Mã / Code" and len(lines) == len(table) + 1
    assert [line[0] for line in lines[1:]] == [r["code"] for r in table]
    assert [int(line[2]) for line in lines[1:]] == [r["handled"] for r in table]

    as_xlsx = client.get("/api/v1/ioc/performance/export?group_by=unit&format=xlsx", headers=headers)
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [r["code"] for r in table]
    assert [r[4] for r in rows[1:]] == [r["on_time_rate"] for r in table]

    overdue = client.get("/api/v1/ioc/overdue/export?format=csv", headers=headers)
    lines = list(csv.reader(io.StringIO(overdue.content.decode("utf-8-sig"))))
    first = client.get("/api/v1/ioc/overdue?limit=1", headers=headers).json()["items"][0]
    assert lines[1][0] == first["code"]
    assert lines[1][7] == to_local(datetime.fromisoformat(first["due_at"])).strftime("%d/%m/%Y %H:%M")


def test_a_period_that_ends_before_it_starts_is_refused(client, auth):
    refused = client.get("/api/v1/ioc/performance?from=2026-11-10&to=2026-11-01", headers=auth("dispatcher"))
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_period"
    assert refused.json()["field"] == "from"


# --- hotspots ----------------------------------------------------------------------------


def test_hotspots_are_clusters_of_open_reports_per_category(client, db, auth):
    db.exec(text("DELETE FROM complaints"))
    citizen = db.exec(select(User.id).where(User.username == DEMO_USERS["citizen"])).one()
    category = dict(db.exec(text("SELECT code, id FROM categories")).all())
    area = db.exec(text("SELECT id FROM areas LIMIT 1")).scalar_one()
    rng = random.Random(7)
    points = (
        # Six potholes within about 60 m, four dead street lights within about 40 m elsewhere,
        # two lone potholes kilometres away, and a fixed pothole next to the first group.
        [("pothole", 21.5920 + rng.uniform(-0.0003, 0.0003), 105.8480 + rng.uniform(-0.0003, 0.0003), "assigned")
         for _ in range(6)]
        + [("street_light", 21.6000 + rng.uniform(-0.0002, 0.0002), 105.8200 + rng.uniform(-0.0002, 0.0002),
            "in_progress") for _ in range(4)]
        + [("pothole", 21.50, 105.70, "assigned"), ("pothole", 21.70, 105.95, "submitted")]
        + [("pothole", 21.5920, 105.8480, "closed")]
    )  # fmt: skip
    for i, (code, lat, lon, status) in enumerate(points):
        db.exec(
            text(
                "INSERT INTO complaints (id, code, citizen_id, category_id, description, location, area_id, channel, "
                "visibility, priority, status, idempotency_key, request_hash, location_mismatch, reused_photo) "
                "VALUES (:id, :code, :citizen, :category, 'x', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :area, "
                "'mobile', 'public', 'normal', :status, :code, :code, false, false)"
            ),
            params={
                "id": uuid.uuid4(),
                "code": f"HOT-{i}",
                "citizen": citizen,
                "category": category[code],
                "lon": lon,
                "lat": lat,
                "area": area,
                "status": status,
            },
        )
    body = client.get("/api/v1/ioc/hotspots?eps_m=150&min_reports=3", headers=auth("dispatcher")).json()
    found = sorted((f["properties"]["category"], f["properties"]["reports"]) for f in body["features"])
    assert found == [("pothole", 6), ("street_light", 4)]
    pothole = next(f for f in body["features"] if f["properties"]["category"] == "pothole")
    lon, lat = pothole["geometry"]["coordinates"]
    assert abs(lat - 21.592) < 0.001 and abs(lon - 105.848) < 0.001
    assert pothole["properties"]["outline"]["type"] == "Polygon"
    only = client.get("/api/v1/ioc/hotspots?eps_m=150&category=street_light", headers=auth("dispatcher")).json()
    assert [f["properties"]["category"] for f in only["features"]] == ["street_light"]
    unknown = client.get("/api/v1/ioc/hotspots?category=nope", headers=auth("dispatcher"))
    assert unknown.status_code == 422 and unknown.json()["field"] == "category"


# --- the workflow keeps the columns the figures read -------------------------------------


def test_resolving_stores_the_processing_time_and_reopening_counts(client, db):
    report = new_report(client)
    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    assert resolve(client, report, holder).status_code == 200
    complaint = row(db, report)
    expected = sla.working_minutes(session=db, complaint=complaint, until=complaint.resolved_at)
    assert complaint.resolve_working_minutes == expected
    assert complaint.reopened_count == 0
    reopened = client.post(actions(report["id"], "reopen"), headers=report["headers"], json={"reason": "Vẫn còn"})
    assert reopened.status_code == 200
    assert row(db, report).reopened_count == 1


# --- who may see the figures ---------------------------------------------------------------

IOC_ROUTES = [
    "/api/v1/ioc/summary",
    "/api/v1/ioc/performance",
    "/api/v1/ioc/performance/export",
    "/api/v1/ioc/overdue",
    "/api/v1/ioc/overdue/export",
    "/api/v1/ioc/hotspots",
    "/api/v1/ioc/trends",
    "/api/v1/ioc/wards",
]


@pytest.mark.parametrize("path", IOC_ROUTES)
def test_the_ioc_figures_are_for_the_ioc_and_unit_leads(client, auth, path):
    assert client.get(path).status_code == 401
    for role in DEMO_USERS:
        status = client.get(path, headers=auth(role)).status_code
        assert status == (403 if role in ("citizen", "officer") else 200), role


# --- trends and the wards map ------------------------------------------------------------


def bucket_of(moment: datetime, bucket: str) -> date:
    day = to_local(moment).date()
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_trends_equal_a_brute_force_recount(client, db, auth, history, bucket):
    today = to_local(utcnow()).date()
    first = today - timedelta(days=75)
    response = client.get(f"/api/v1/ioc/trends?bucket={bucket}&from={first}&to={today}", headers=auth("dispatcher"))
    assert response.status_code == 200, response.text
    start, end = midnight(first), midnight(today + timedelta(days=1))
    points: dict[date, dict] = {}
    cursor = bucket_of(start, bucket)
    while cursor <= today:
        points[cursor] = {"intake": 0, "handled": 0, "on_time": 0, "minutes": []}
        cursor = (
            cursor + timedelta(days=1 if bucket == "day" else 7)
            if bucket != "month"
            else (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
    for s in history:
        if start <= s.submitted_at < end:
            points[bucket_of(s.submitted_at, bucket)]["intake"] += 1
        if s.status in FINISHED and start <= s.resolved_at < end:
            point = points[bucket_of(s.resolved_at, bucket)]
            point["handled"] += 1
            point["on_time"] += s.resolved_at <= s.resolve_due_at
            point["minutes"].append(s.minutes)
    # The backlog: open at each bucket's end (the last one's: the period's). A report leaves
    # it when resolved; a rejected one when set aside (not when its row last changed: now).
    left = {s.id: s.resolved_at if s.status in FINISHED else s.closed_at for s in history}
    days = list(points)
    for day, following in zip(days, [*days[1:], None], strict=True):
        until = min(midnight(following), end) if following else end
        # Arrived minus left, as the query counts: the seed resolves some of today's reports a
        # day before they arrived, which a count of "arrived and not yet left" would not see.
        arrived = sum(1 for s in history if s.submitted_at < until)
        gone = sum(1 for s in history if left[s.id] is not None and left[s.id] < until)
        points[day]["backlog"] = arrived - gone
    expected = [
        {
            "start": day.isoformat(),
            "intake": p["intake"],
            "handled": p["handled"],
            "on_time": p["on_time"],
            "median_hours": round(percentile(p["minutes"], 0.5) / 60, 2) if p["minutes"] else None,
            "backlog": p["backlog"],
        }
        for day, p in points.items()
    ]
    assert response.json()["points"] == expected
    assert sum(p["handled"] for p in expected) > 1000
    # Not all zero, and it moves: reports arrive and leave within the period.
    assert len({p["backlog"] for p in expected}) > 1


def test_the_wards_map_has_every_ward_outline_with_its_open_and_overdue_reports(client, db, auth, history):
    now = utcnow()
    body = client.get("/api/v1/ioc/wards", headers=auth("dispatcher")).json()
    assert len(body["features"]) == 92
    code_of = codes(db, "areas", "code")
    open_ = Counter(code_of[s.area_id] for s in history if s.status in (*IN_HAND, "awaiting_info", "submitted"))
    late = Counter(code_of[s.area_id] for s in history if s.due_at is not None and s.due_at < now)
    for feature in body["features"]:
        props = feature["properties"]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert (props["open"], props["overdue"]) == (open_[props["code"]], late[props["code"]]), props["code"]
    assert sum(f["properties"]["open"] for f in body["features"]) == sum(open_.values()) > 0
