"""The queue as people work it, through ``GET /api/v1/queue``: search by words with or without
Vietnamese marks, by code, by address and by the reporter's phone (only where the caller may
know the reporter); filters, deadline bands and their counts, sorts and paging; saved views."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from service.identity.models import User
from service.reports import views
from service.reports.models import Complaint
from service.reports.policies import Audience
from service.sla import service as sla
from service.workflow import queue
from service.workflow.repository import Bands
from service.workflow.schemas import DeadlineBand
from tests.conftest import register_citizen
from tests.routing.test_routing import PNG
from tests.workflow.test_handling_dispatch import BACH_QUANG, row, staff, username
from tests.workflow.test_handling_workflow import set_status

LEAD = "lanhdao.bachquang"
DISPATCHER = "dieuphoi"
OTHER_WARD_OFFICER = "canbo.phandinhphung"


def submit(client, citizen, description: str, *, address: str | None = None, category: str = "pothole") -> dict:
    part = {
        "category_code": category,
        "description": description,
        "lat": BACH_QUANG[0],
        "lon": BACH_QUANG[1],
        "visibility": "public",
        **({"address": address} if address else {}),
    }
    response = client.post(
        "/api/v1/complaints",
        headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
        data={"complaint": json.dumps(part)},
        files=[("photos", ("p.png", PNG, "image/png"))],
    )
    assert response.status_code == 201, response.text
    return response.json()


def codes(client, headers, **params) -> list[str]:
    response = client.get("/api/v1/queue", headers=headers, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


@pytest.fixture
def pothole(client):
    citizen = register_citizen(client)
    return submit(
        client,
        citizen,
        "Ổ gà sâu trước cổng chợ Đồng Quang, xe máy dễ ngã",
        address="Số 12 đường Lương Ngọc Quyến, tổ 5",
    )


# ---------------------------------------------------------------- words, codes, addresses


@pytest.mark.parametrize(
    "typed",
    ["o ga", "ổ gà", "Ổ GÀ", "ga o", "dong quang", "Đồng Quang", "truoc cong cho", "o g", "xe may de nga"],
)
def test_words_with_or_without_marks_find_the_report(client, pothole, typed):
    assert pothole["code"] in codes(client, staff(client, LEAD), q=typed)


@pytest.mark.parametrize("typed", ["o gach", "quangx", "ga sau truoc cong cho dong quang tan", "ong ga"])
def test_words_that_are_not_there_find_nothing(client, pothole, typed):
    assert pothole["code"] not in codes(client, staff(client, LEAD), q=typed)


def test_the_address_the_code_and_its_number_find_the_report(client, pothole):
    lead = staff(client, LEAD)
    number = str(int(pothole["code"].rsplit("-", 1)[1]))
    for typed in ("luong ngoc quyen", "Số 12", pothole["code"], pothole["code"].lower(), number):
        assert pothole["code"] in codes(client, lead, q=typed), typed


def test_the_search_is_within_the_callers_queue(client, db, pothole):
    holder = staff(client, username(db, row(db, pothole).current_officer_id))
    assert codes(client, holder, q="o ga") == [pothole["code"]]
    assert pothole["code"] not in codes(client, staff(client, OTHER_WARD_OFFICER), q="o ga")
    assert pothole["code"] in codes(client, staff(client, DISPATCHER), q="o ga")


def test_the_sql_fold_takes_off_every_vietnamese_mark(db):
    folded = db.exec(  # type: ignore[call-overload]
        text("SELECT phananh_fold(:a), phananh_fold(normalize(:a, NFD))"),
        params={"a": "Đường Ổ Gà — ngập úng, Phường Phan Đình Phùng!"},
    ).one()
    # Decomposed marks (as some phones send them) fold the same.
    assert folded == ("duong o ga ngap ung phuong phan dinh phung",) * 2


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("o ga", True),
        ("ga o", True),
        ("Ổ GÀ ngập", True),
        ("duong", True),
        ("PA-2026-000007", True),
        ("7", True),
        ("000007", True),
        ("2026 o", True),
        ("uong", False),  # the start of a word, not its middle
        ("d ga", False),  # a word of one letter: that word alone, not every word it starts
        ("o g", True),  # ... but the last, still being typed
        ("d", True),
        ("o gach", False),
        ("8", False),
        ("", None),
        ("— !", None),
    ],
)
def test_the_query_asks_for_each_word_as_the_start_of_a_word(db, typed, found):
    matched = db.exec(  # type: ignore[call-overload]
        text(
            "SELECT phananh_queue_document('PA-2026-000007', :d, 'Số 12 Lương Ngọc Quyến') @@ phananh_queue_query(:q)"
        ),
        params={"d": "Đường có ổ gà, ngập úng", "q": typed},
    ).one()[0]
    assert matched is found


def test_the_dispatchers_search_reads_the_words_index(db):
    """A province's open reports, one of them about a pothole: the words are looked up in
    ix_complaints_queue_search, not read report by report."""
    db.exec(  # type: ignore[call-overload]
        text(
            "INSERT INTO complaints (id, code, citizen_id, category_id, description, location, area_id, "
            "channel, visibility, priority, status, idempotency_key, request_hash, location_mismatch, reused_photo) "
            "SELECT gen_random_uuid(), 'PT-' || g, (SELECT min(id) FROM users), (SELECT min(id) FROM categories), "
            "CASE WHEN g = 77 THEN 'Ổ gà hiếm thấy' ELSE 'Rác thải chưa thu gom, điểm ' || g END, "
            "ST_SetSRID(ST_MakePoint(105.868, 21.5063), 4326), (SELECT min(id) FROM areas), 'mobile', 'public', "
            "'normal', 'assigned', 'pt-' || g, 'x', false, false FROM generate_series(1, 3000) g"
        )
    )
    db.exec(text("ANALYZE complaints"))  # type: ignore[call-overload]
    options = db.exec(text("SELECT reloptions FROM pg_class WHERE relname = 'ix_complaints_queue_search'")).one()[0]  # type: ignore[call-overload]
    assert options == ["fastupdate=off"]
    search = (
        "SELECT code FROM complaints WHERE status IN ('assigned', 'in_progress') "
        "AND phananh_queue_document(code, description, address) @@ phananh_queue_query(:q)"
    )
    plan = "\n".join(line[0] for line in db.exec(text(f"EXPLAIN {search}"), params={"q": "o ga hiem"}).all())  # type: ignore[call-overload]
    assert "ix_complaints_queue_search" in plan, plan
    assert db.exec(text(search), params={"q": "o ga hiem"}).all() == [("PT-77",)]  # type: ignore[call-overload]


# ---------------------------------------------------------------- the reporter's phone


def test_the_phone_finds_the_report_only_for_who_may_know_the_reporter(client, db):
    phone = f"09{uuid.uuid4().int % 90_000_000 + 10_000_000}"
    citizen = register_citizen(client, phone)
    report = submit(client, citizen, "Đèn đường hỏng cả tuần", category="street_light")
    complaint = row(db, report)
    holder = db.get(User, complaint.current_officer_id)
    holder_headers = staff(client, holder.username)
    local = "0" + phone[1:] if phone.startswith("0") else phone
    spaced = f"{local[:4]} {local[4:7]} {local[7:]}"

    seen = {}
    for name, headers in {
        "holder": holder_headers,
        "lead": staff(client, LEAD) if holder.unit_id == _unit_of(db, LEAD) else None,
        "dispatcher": staff(client, DISPATCHER),
        "other ward": staff(client, OTHER_WARD_OFFICER),
    }.items():
        if headers is not None:
            seen[name] = report["code"] in codes(client, headers, q=spaced)
    assert seen["holder"] and seen["dispatcher"] and not seen["other ward"]
    # Every report a phone search shows is one whose reporter the caller may see.
    for who in (holder, db.exec(text("SELECT * FROM users WHERE username = :u"), params={"u": DISPATCHER}).one()):
        user = db.get(User, who.id)
        for code in codes(client, staff(client, user.username), q=phone):
            found = db.exec(text("SELECT id FROM complaints WHERE code = :c"), params={"c": code}).one()[0]
            assert views.audience(db, user, db.get(Complaint, found)) == Audience.staff
    # Part of a phone is no search by phone.
    assert report["code"] not in codes(client, holder_headers, q=local[-6:])

    # The report moves to a ward of another province: the dispatcher may no longer know its
    # reporter, so the phone no longer finds it; its words still do.
    db.exec(text("INSERT INTO provinces (code, name, name_en) VALUES ('98', 'Tỉnh Thử', 'Test Province')"))  # type: ignore[call-overload]
    db.exec(  # type: ignore[call-overload]
        text(
            "INSERT INTO areas (code, name, name_en, full_name, full_name_en, province_code, geom) "
            "SELECT '98001', name, name_en, full_name, full_name_en, '98', geom FROM areas WHERE code = '05528'"
        )
    )
    db.exec(  # type: ignore[call-overload]
        text("UPDATE complaints SET area_id = (SELECT id FROM areas WHERE code = '98001') WHERE code = :c"),
        params={"c": report["code"]},
    )
    db.commit()
    db.expire_all()  # the app's requests share this session: they must read the report anew
    dispatcher = staff(client, DISPATCHER)
    assert report["code"] not in codes(client, dispatcher, q=phone)
    assert report["code"] in codes(client, dispatcher, q="den duong hong")
    # Nor does the dispatcher see who holds it: that too is for those who need to know.
    items = client.get("/api/v1/queue", headers=dispatcher, params={"q": "den duong hong"}).json()["items"]
    assert [i["officer_name"] for i in items if i["code"] == report["code"]] == [None]


def _unit_of(db, name: str) -> int | None:
    return db.exec(text("SELECT unit_id FROM users WHERE username = :u"), params={"u": name}).one()[0]  # type: ignore[call-overload]


# ---------------------------------------------------------------- filters, bands, counts


def test_filters_bands_and_their_counts(client, db):
    citizen = register_citizen(client)
    reports = [submit(client, citizen, f"Cống tắc số {n}", category="blocked_drain") for n in range(4)]
    reports.append(submit(client, citizen, "Ổ gà ở ngõ 7"))
    lead = staff(client, LEAD)
    now = datetime.now(UTC)
    soon_until = sla.calendar(session=db).add(now, timedelta(hours=4))
    set_status(db, reports[0], "assigned", due_at=now - timedelta(hours=1))
    set_status(db, reports[1], "acknowledged", due_at=soon_until - timedelta(minutes=5))
    set_status(db, reports[2], "in_progress", due_at=soon_until + timedelta(days=2), priority="urgent")
    set_status(db, reports[3], "awaiting_info", due_at=None, paused_at=now)
    mine = {r["code"] for r in reports}

    def ours(**params) -> list[str]:
        return [c for c in codes(client, lead, **params) if c in mine]

    assert ours(band="overdue") == [reports[0]["code"]]
    assert ours(overdue="true") == [reports[0]["code"]]
    assert ours(band="soon") == [reports[1]["code"]]
    assert reports[2]["code"] in ours(band="later") and reports[0]["code"] not in ours(band="later")
    assert ours(band="paused") == [reports[3]["code"]]
    assert set(ours(category_code="blocked_drain")) == {r["code"] for r in reports[:4]}
    assert ours(priority="urgent") == [reports[2]["code"]]
    assert ours(status="awaiting_info") == [reports[3]["code"]]
    assert set(ours(status=["assigned", "acknowledged"])) <= {r["code"] for r in reports} - {reports[2]["code"]}
    assert ours(area_code="05443") == []

    # Counts per tab, for the same filters, match what each tab lists.
    for params in ({}, {"category_code": "blocked_drain"}, {"q": "cong tac"}):
        counts = client.get("/api/v1/queue/counts", headers=lead, params=params).json()
        assert counts["all"] == len(codes(client, lead, **params))
        for band in DeadlineBand:
            assert counts[band.value] == len(codes(client, lead, band=band.value, **params)), (band, params)
    assert client.get("/api/v1/queue/counts", headers=lead, params={"q": "cong tac"}).json()["all"] >= 4

    # A lead's officer filter: one officer's reports of the unit.
    holder_id = row(db, reports[4]).current_officer_id
    assert all(
        i["officer_id"] == holder_id
        for i in client.get("/api/v1/queue", headers=lead, params={"officer_id": holder_id}).json()["items"]
    )
    items = {i["code"]: i for i in client.get("/api/v1/queue", headers=lead, params={"limit": 100}).json()["items"]}
    assert items[reports[0]["code"]]["band"] == "overdue" and items[reports[3]["code"]]["band"] == "paused"
    assert items[reports[4]["code"]]["officer_name"]


def test_soon_counts_working_hours_over_a_weekend(db):
    # Friday 4 December 2026, 16:00 in Vietnam: one working hour left that day, then Monday.
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    at = queue.bands(session=db, now=friday)
    assert at.soon_until == datetime(2026, 12, 7, 3, 30, tzinfo=UTC)  # Monday 10:30 in Vietnam
    due_monday_9 = Complaint(status="acknowledged", due_at=datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    due_monday_11 = Complaint(status="acknowledged", due_at=datetime(2026, 12, 7, 4, 0, tzinfo=UTC))
    assert queue.band_of(due_monday_9, at) == DeadlineBand.soon
    assert queue.band_of(due_monday_11, at) == DeadlineBand.later
    assert queue.band_of(Complaint(status="submitted", due_at=None), at) is None
    assert queue.band_of(Complaint(status="awaiting_info"), Bands(now=friday, soon_until=friday)) == DeadlineBand.paused


# ---------------------------------------------------------------- sorts and paging


@pytest.mark.parametrize("sort", ["deadline", "submitted", "priority"])
def test_every_sort_pages_through_the_whole_view_once(client, db, sort):
    citizen = register_citizen(client)
    reports = [submit(client, citizen, f"Rác thải ùn ứ điểm {n}", category="blocked_drain") for n in range(5)]
    for index, report in enumerate(reports):
        set_status(db, report, "assigned", priority=["low", "urgent", "normal", "high", "urgent"][index])
    lead = staff(client, LEAD)
    whole = codes(client, lead, sort=sort, q="rac thai un u")
    assert set(whole) == {r["code"] for r in reports}
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": sort, "q": "rac thai un u", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/queue", headers=lead, params=params).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    if sort == "priority":
        order = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
        ranks = [order[row(db, {"code": c}).priority] for c in whole]
        assert ranks == sorted(ranks)
    if sort == "submitted":
        assert whole == [r["code"] for r in reversed(reports)]


def test_a_cursor_of_another_sort_is_refused(client, pothole):
    lead = staff(client, LEAD)
    submit(client, register_citizen(client), "Ổ gà thứ hai")
    cursor = client.get("/api/v1/queue", headers=lead, params={"limit": 1}).json()["next_cursor"]
    refused = client.get("/api/v1/queue", headers=lead, params={"cursor": cursor, "sort": "submitted"})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_cursor"


# ---------------------------------------------------------------- saved filters


def test_saved_filters_are_each_persons_own(client, db):
    lead = staff(client, LEAD)
    body = {"name": "Quá hạn, ổ gà", "filters": {"q": "o ga", "band": "overdue", "category_code": "pothole"}}
    saved = client.post("/api/v1/queue/filters", headers=lead, json=body)
    assert saved.status_code == 201, saved.text
    assert saved.json()["filters"]["q"] == "o ga" and saved.json()["filters"]["band"] == "overdue"
    again = client.post("/api/v1/queue/filters", headers=lead, json={**body, "filters": {"band": "soon"}})
    assert again.json()["id"] == saved.json()["id"] and again.json()["filters"]["band"] == "soon"
    listed = client.get("/api/v1/queue/filters", headers=lead).json()
    assert [f["name"] for f in listed] == ["Quá hạn, ổ gà"]
    dispatcher = staff(client, DISPATCHER)
    assert client.get("/api/v1/queue/filters", headers=dispatcher).json() == []
    assert client.delete(f"/api/v1/queue/filters/{saved.json()['id']}", headers=dispatcher).status_code == 404
    unknown = client.post(
        "/api/v1/queue/filters", headers=lead, json={"name": "x", "filters": {"category_code": "nope"}}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_category"
    assert client.delete(f"/api/v1/queue/filters/{saved.json()['id']}", headers=lead).status_code == 204
    assert client.get("/api/v1/queue/filters", headers=lead).json() == []


def test_roles_without_a_queue_cannot_save_a_view_of_it(client, auth):
    refused = client.post("/api/v1/queue/filters", headers=auth("admin"), json={"name": "x", "filters": {}})
    assert refused.status_code == 403
