"""Reports staff take for someone who phoned the hotline or came to the office: who may file
one, every refusal (and that it leaves nothing behind), the audit trail and the first line
naming the staff member, routing like any other report, the SMS with the code, the caller
logging in later with that phone, and the lookup by code that answers a caller."""

import json
import random
import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from service.areas import repository as areas
from service.audit.models import AuditEvent
from service.core.settings import get_settings
from service.identity.models import User
from service.notifications import relay
from service.notifications.models import Notification, Outbox, OutboxStatus
from service.reports import repository as reports
from service.reports.models import Complaint, ComplaintEvent, Photo
from tests.conftest import DEMO_USERS, login, register_citizen
from tests.intake.test_intake import JPEG, media_files
from tests.support.peers import HttpPeer, running_http_peer

BACH_QUANG = "05528"
BACH_QUANG_PIN = {"lat": 21.5063, "lon": 105.8680}
PATH = "/api/v1/complaints/for-caller"
TAKERS = ("officer", "unit_lead", "dispatcher")


def new_phone() -> str:
    return f"09{random.randint(10_000_000, 99_999_999)}"


def e164(phone: str) -> str:
    return "+84" + phone.replace(" ", "")[1:]


def caller_json(**overrides) -> str:
    body = {
        "channel": "hotline",
        "caller_phone": new_phone(),
        "caller_name": "Trần Thị Gọi",
        "category_code": "pothole",
        "description": "Người dân gọi báo: ổ gà sâu trước cổng chợ, xe máy tránh không kịp.",
        "area_code": BACH_QUANG,
        "address": "Cổng chợ Túc Duyên, tổ 5",
        **overrides,
    }
    return json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False)


def post(http, headers, *, complaint=None, photos=(), key=None):
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    extra = {"Idempotency-Key": key or str(uuid.uuid4())} if key is not False else {}
    return http.post(
        PATH,
        headers={**headers, **extra},
        data={"complaint": complaint if complaint is not None else caller_json()},
        files=files or None,
    )


def staff_id(db, role: str) -> int:
    return db.exec(select(User.id).where(User.username == DEMO_USERS[role])).one()


def trail(db, object_type: str, object_id) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
    return list(db.exec(statement.order_by(col(AuditEvent.id))))


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# --- who may file one --------------------------------------------------------------------------


@pytest.mark.parametrize("role", TAKERS)
def test_officers_leads_and_dispatchers_take_a_callers_report_and_the_trail_names_them(client, auth, db, role):
    phone = new_phone()
    response = post(client, auth(role), complaint=caller_json(caller_phone=phone))
    assert response.status_code == 201, response.text
    body = response.json()
    taker = staff_id(db, role)
    complaint = db.get(Complaint, uuid.UUID(body["id"]))
    caller = db.exec(select(User).where(User.phone == e164(phone))).one()

    # The report is the caller's; the staff member is recorded as who took it.
    assert (complaint.citizen_id, complaint.taken_by_id, complaint.channel) == (caller.id, taker, "hotline")
    assert (caller.role, caller.full_name, caller.username) == ("citizen", "Trần Thị Gọi", e164(phone))
    assert body["reporter"] == {"id": caller.id, "full_name": "Trần Thị Gọi", "phone": e164(phone)}
    assert body["caller_registered"] is False and body["code_sent_by_sms"] is False
    assert body["photos"] == []

    # The timeline's first line: submitted by the staff member, saying how it came in.
    first = db.exec(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id).order_by(col(ComplaintEvent.id))
    ).first()
    assert (first.action, first.actor_id, first.actor_role) == ("submitted", taker, role)
    assert first.data == {
        "code": body["code"],
        "photos": 0,
        "area": BACH_QUANG,
        "channel": "hotline",
        "taken_by_id": taker,
        "placed": "ward",
    }
    assert body["timeline"][0]["actor"]["id"] == taker

    # The audit trail: the report's lines and the caller's new account, all by the staff member.
    lines = trail(db, "complaint", complaint.id)
    assert [e.action for e in lines][:2] == ["complaint.submitted", "complaint.assigned"]
    assert (lines[0].actor_id, lines[0].actor_role) == (taker, role)
    assert lines[0].after["data"]["taken_by_id"] == taker  # type: ignore[index]
    opened = trail(db, "user", caller.id)
    assert [(e.action, e.actor_id, e.actor_role) for e in opened] == [
        ("user.created_for_caller", taker, role),
        ("user.claim_code_issued", taker, role),
    ]
    assert opened[0].after["password_hash"] == "[redacted]"  # type: ignore[index]


@pytest.mark.parametrize(("role", "status", "code"), [("citizen", 403, "forbidden"), ("admin", 403, "forbidden")])
def test_citizens_and_admins_may_not_take_a_report_for_a_caller(client, auth, db, role, status, code):
    before = count(db, Complaint), count(db, User)
    response = post(client, auth(role))
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert (count(db, Complaint), count(db, User)) == before


def test_nobody_anonymous_takes_a_report(client, db):
    response = post(client, {})
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


# --- routed, placed and timed like any other ------------------------------------------------------


def test_a_hotline_pothole_in_bach_quang_goes_to_its_infrastructure_office_and_an_officer(client, auth, db):
    response = post(client, auth("dispatcher"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "assigned"
    assert body["unit"]["code"] == "05528-KTHT"
    assert body["area"]["code"] == BACH_QUANG
    assert body["ack_due_at"] and body["due_at"]
    assert [line["action"] for line in body["timeline"]] == ["submitted", "assigned"]
    complaint = db.get(Complaint, uuid.UUID(body["id"]))
    officer = db.get(User, complaint.current_officer_id)
    assert officer.unit.code == "05528-KTHT"
    # Only a ward was given: the report sits at a point inside it, and the address says where.
    assert areas.area_containing(db, lat=body["lat"], lon=body["lon"]).code == BACH_QUANG
    assert body["address"] == "Cổng chợ Túc Duyên, tổ 5"
    # The officer finds it in their queue, with the new work in their inbox.
    queue = client.get("/api/v1/queue", headers=login(client, officer.username))
    assert queue.status_code == 200, queue.text
    assert body["code"] in {item["code"] for item in queue.json()["items"]}
    assert (
        db.exec(
            select(Notification).where(Notification.user_id == officer.id, Notification.complaint_id == complaint.id)
        )
        .one()
        .event
        == "new_work"
    )


def test_a_point_from_the_map_is_used_as_it_is_and_may_come_with_its_ward(client, auth):
    point = caller_json(channel="walk_in", area_code=None, address=None, **BACH_QUANG_PIN)
    body = post(client, auth("officer"), complaint=point).json()
    assert (body["lat"], body["lon"]) == (BACH_QUANG_PIN["lat"], BACH_QUANG_PIN["lon"])
    assert body["area"]["code"] == BACH_QUANG
    assert body["timeline"][0]["details"]["placed"] == "map"
    assert body["timeline"][0]["details"]["channel"] == "walk_in"
    both = post(client, auth("officer"), complaint=caller_json(**BACH_QUANG_PIN))
    assert both.status_code == 201 and both.json()["area"]["code"] == BACH_QUANG


def test_photos_are_optional_but_taken_when_given(client, auth, db):
    before = media_files()
    response = post(client, auth("unit_lead"), photos=[("hien-truong.jpg", JPEG)])
    assert response.status_code == 201, response.text
    assert [p["status"] for p in response.json()["photos"]] == ["pending"]
    assert response.json()["timeline"][0]["details"]["photos"] == 1
    assert len(media_files() - before) == 1


def test_the_same_key_and_form_is_one_report_and_other_content_is_refused(client, auth, db):
    key, form = str(uuid.uuid4()), caller_json()
    first = post(client, auth("dispatcher"), complaint=form, key=key)
    again = post(client, auth("dispatcher"), complaint=form, key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert db.exec(select(func.count()).select_from(Complaint).where(Complaint.idempotency_key == key)).one() == 1
    other = post(client, auth("dispatcher"), complaint=form.replace("ổ gà sâu", "ổ gà nông"), key=key)
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


# --- refusals: a clean 4xx, a stable code, the field, and nothing left behind --------------------

BAD = [
    pytest.param({"complaint": caller_json(caller_phone="12345")}, 422, "invalid_phone", "complaint.caller_phone",
                 id="not-a-mobile-number"),
    pytest.param({"complaint": caller_json(caller_phone="024 3825 2222")}, 422, "invalid_phone",
                 "complaint.caller_phone", id="a-landline"),
    pytest.param({"complaint": caller_json(area_code=None, address=None)}, 422, "location_required",
                 "complaint.area_code", id="neither-point-nor-ward"),
    pytest.param({"complaint": caller_json(area_code=None, lat=21.5063)}, 422, "location_required",
                 "complaint.lon", id="half-a-point"),
    pytest.param({"complaint": caller_json(area_code="99999")}, 422, "unknown_area", "complaint.area_code",
                 id="unknown-ward"),
    pytest.param({"complaint": caller_json(address=None)}, 422, "address_required", "complaint.address",
                 id="ward-without-address"),
    pytest.param({"complaint": caller_json(area_code="05443", **BACH_QUANG_PIN)}, 422, "point_outside_ward",
                 "complaint.lat", id="point-in-another-ward"),
    pytest.param({"complaint": caller_json(area_code=None, lat=20.3, lon=107.2)}, 422, "outside_service_area",
                 "complaint.lat", id="point-outside-every-ward"),
    pytest.param({"complaint": caller_json(category_code="unicorns")}, 422, "unknown_category",
                 "complaint.category_code", id="unknown-category"),
    pytest.param({"photos": [("p.jpg", JPEG)] * 7}, 422, "too_many_photos", "photos", id="too-many-photos"),
    pytest.param({"photos": [("notes.jpg", b"%PDF-1.7 not a photo")]}, 422, "unsupported_photo_type", "photos[0]",
                 id="not-a-photo"),
    pytest.param({"complaint": caller_json(channel="mobile")}, 422, "validation_error", "complaint.channel",
                 id="not-a-staff-channel"),
    pytest.param({"complaint": caller_json(description="x" * 4001)}, 422, "validation_error",
                 "complaint.description", id="description-too-long"),
    pytest.param({"complaint": "{not json"}, 422, "invalid_json", "complaint", id="not-json"),
    pytest.param({"key": False}, 400, "idempotency_key_required", "Idempotency-Key", id="no-idempotency-key"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "status", "code", "field"), BAD)
def test_a_refused_report_is_refused_clearly_and_leaves_no_row_or_file(client, auth, db, kwargs, status, code, field):
    headers = auth("dispatcher")
    before = (count(db, Complaint), count(db, Photo), count(db, User), count(db, AuditEvent), media_files())
    response = post(client, headers, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["message"] and body["message_en"]
    assert (count(db, Complaint), count(db, Photo), count(db, User), count(db, AuditEvent), media_files()) == before


def test_a_staff_members_phone_is_not_a_callers(client, auth, db):
    officer = db.exec(select(User).where(User.username == DEMO_USERS["officer"])).one()
    phone = new_phone()
    officer.phone = e164(phone)
    db.add(officer)
    db.flush()
    before = count(db, Complaint)
    response = post(client, auth("dispatcher"), complaint=caller_json(caller_phone=phone))
    assert (response.status_code, response.json()["code"]) == (409, "caller_is_staff")
    assert response.json()["field"] == "complaint.caller_phone"
    assert count(db, Complaint) == before


# --- the caller's account: found, or opened and later theirs -------------------------------------


def test_a_caller_who_uses_the_app_gets_the_report_in_their_own_account(client, auth, db):
    phone = new_phone()
    citizen = register_citizen(client, phone)
    users = count(db, User)
    body = post(client, auth("officer"), complaint=caller_json(caller_phone=f"+84 {phone[1:]}")).json()
    assert body["caller_registered"] is True
    assert count(db, User) == users  # no second account
    mine = client.get("/api/v1/complaints/mine", headers=citizen).json()
    assert body["code"] in [item["code"] for item in mine["items"]]
    # Their own name stays: what staff typed is only for an account opened now.
    assert db.exec(select(User.full_name).where(User.phone == e164(phone))).one() == "Người dân thử nghiệm"


def test_the_caller_logs_in_later_with_that_phone_and_follows_the_report(client, auth, db):
    phone = new_phone()
    body = post(client, auth("dispatcher"), complaint=caller_json(caller_phone=phone)).json()
    # Nobody logs in to an account opened for a caller, whatever password they try.
    for password in ("", "!", "mat-khau-bat-ky"):
        refused = client.post("/api/v1/auth/token", data={"username": phone, "password": password})
        assert refused.status_code in (401, 422)
    # The phone alone does not claim it: whoever knows a caller's number would read their reports.
    code = body["claim_code"]
    assert re.fullmatch(r"\d{6}", code)
    wrong = "000000" if code != "000000" else "111111"
    for guess in (None, wrong):
        taken = client.post(
            "/api/v1/auth/register",
            json={"phone": phone, "password": "ke-gia-mao-123", "full_name": "Kẻ giả mạo", "claim_code": guess},
        )
        assert (taken.status_code, taken.json()["code"], taken.json()["field"]) == (
            409,
            "claim_code_refused",
            "claim_code",
        )
    # The caller registers in the app with the phone and the code staff read to them.
    registered = client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": "mat-khau-nguoi-goi", "full_name": "Trần Thị Gọi", "claim_code": code},
    )
    assert registered.status_code == 201, registered.text
    caller_id = registered.json()["id"]
    assert caller_id == body["reporter"]["id"]
    headers = login(client, phone, "mat-khau-nguoi-goi")
    mine = client.get("/api/v1/complaints/mine", headers=headers).json()
    assert [item["code"] for item in mine["items"]] == [body["code"]]
    seen = client.get(f"/api/v1/complaints/{body['id']}", headers=headers).json()
    assert seen["is_mine"] is True and seen["status"] == "assigned"
    changes = [e for e in trail(db, "user", caller_id) if e.action.startswith("user.")]
    assert [(e.action, e.actor_id, e.actor_role) for e in changes] == [
        ("user.created_for_caller", staff_id(db, "dispatcher"), "dispatcher"),
        ("user.claim_code_issued", staff_id(db, "dispatcher"), "dispatcher"),
        ("user.claimed", caller_id, "citizen"),
    ]
    assert code not in str([(e.before, e.after) for e in changes])  # the trail never holds the code
    # Once claimed it is an account like any other: registering the phone again is refused.
    again = client.post("/api/v1/auth/register", json={"phone": phone, "password": "khac-hoan-toan", "full_name": "X"})
    assert (again.status_code, again.json()["code"]) == (409, "phone_taken")


# --- the SMS with the code -----------------------------------------------------------------------


@pytest.fixture
def sms(monkeypatch) -> Iterator[HttpPeer]:
    """SMS configured, on a real local gateway peer (as the notifications tests do)."""
    with running_http_peer() as peer:
        monkeypatch.setenv("SMS_GATEWAY_URL", peer.url + "/sms")
        monkeypatch.setenv("SMS_API_KEY", "sms-key")
        get_settings.cache_clear()
        relay.channel_for.cache_clear()
        yield peer
        monkeypatch.undo()
        get_settings.cache_clear()
        relay.channel_for.cache_clear()


def sms_rows(db, complaint_id: str) -> list[Outbox]:
    return list(
        db.exec(
            select(Outbox)
            .join(Notification, col(Notification.id) == Outbox.notification_id)
            .where(Notification.complaint_id == uuid.UUID(complaint_id), Outbox.channel == "sms")
            .execution_options(populate_existing=True)
        )
    )


def test_with_sms_configured_the_caller_is_sent_the_code_through_the_outbox(client, auth, db, sms):
    phone = new_phone()
    body = post(client, auth("dispatcher"), complaint=caller_json(caller_phone=phone)).json()
    assert body["code_sent_by_sms"] is True
    [row] = sms_rows(db, body["id"])
    notice = db.get(Notification, row.notification_id)
    assert (notice.event, notice.user_id) == ("received", body["reporter"]["id"])
    # The relay delivers it to the gateway: the code, to the caller's phone.
    assert relay.deliver(db, row.id, now=row.next_attempt_at) == relay.Outcome.sent
    assert sms_rows(db, body["id"])[0].status == OutboxStatus.sent
    [sent] = sms.requests
    assert sent.body["to"] == e164(phone)
    assert body["code"] in sent.body["text"]
    # A citizen sending from the app gets no SMS receipt by default: only callers asked for one.
    own = register_citizen(client)
    from tests.intake.test_intake import post as citizen_post

    mine = citizen_post(client, own).json()
    assert sms_rows(db, mine["id"]) == []


def test_without_sms_configured_nothing_is_queued_and_the_answer_says_so(client, auth, db):
    body = post(client, auth("dispatcher")).json()
    assert body["code_sent_by_sms"] is False
    assert sms_rows(db, body["id"]) == []


# --- the lookup by code --------------------------------------------------------------------------


@pytest.fixture
def taken(client, auth) -> dict:
    return post(client, auth("dispatcher")).json()


@pytest.mark.parametrize("role", ["officer", "unit_lead", "dispatcher", "admin"])
def test_staff_look_a_report_up_by_code_with_the_reporter_where_their_work_needs_it(client, auth, taken, role):
    response = client.get(f"/api/v1/complaints/by-code/{taken['code']}", headers=auth(role))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["code"], answer["status"], answer["channel"]) == (taken["code"], "assigned", "hotline")
    assert answer["unit"]["code"] == "05528-KTHT"
    assert answer["due_at"] == taken["due_at"]
    assert answer["last_step"]["action"] == "assigned"
    assert answer["last_step"]["label"] == "Đã chuyển đến đơn vị xử lý"
    assert answer["reporter"]["phone"] == taken["reporter"]["phone"]


def test_an_officer_of_another_ward_gets_the_answer_without_personal_data(client, taken):
    headers = login(client, "canbo.phandinhphung")
    response = client.get(f"/api/v1/complaints/by-code/{taken['code'].lower()}", headers=headers)
    assert response.status_code == 200
    assert response.json()["reporter"] is None
    assert taken["reporter"]["phone"] not in response.text and "Trần Thị Gọi" not in response.text


def test_the_lookup_is_for_staff_and_an_unknown_code_is_not_found(client, auth, taken):
    path = f"/api/v1/complaints/by-code/{taken['code']}"
    assert client.get(path, headers=auth("citizen")).status_code == 403
    assert client.get(path).status_code == 401
    missing = client.get("/api/v1/complaints/by-code/PA-1999-000001", headers=auth("dispatcher"))
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (404, "not_found", "code")


def test_a_report_taken_for_a_caller_is_listed_for_who_took_it(db, client, auth, taken):
    from service.intake import service as intake

    dispatcher = db.get(User, staff_id(db, "dispatcher"))
    assert taken["code"] in [c.code for c in intake.taken_recently(session=db, staff=dispatcher)]
    assert reports.get(db, uuid.UUID(taken["id"])).taken_by_id == dispatcher.id


def test_the_last_step_told_is_the_reports_own_not_its_photos_processing(client, auth, db, taken):
    from service.reports import timeline

    complaint = reports.get(db, uuid.UUID(taken["id"]))
    timeline.record(db, complaint, "photo_processed", at=complaint.submitted_at, data={"photo_id": "x"})
    db.flush()
    answer = client.get(f"/api/v1/complaints/by-code/{taken['code']}", headers=auth("dispatcher")).json()
    assert answer["last_step"]["action"] == "assigned"
