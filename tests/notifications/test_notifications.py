"""Notifications: who is owed what when a report moves, the words in both languages, the
outbox rows per channel and choice, the relay against real local peers, and the inbox,
channel-choice and device endpoints for every role."""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.identity.models import Language, Role, User
from service.notifications import relay
from service.notifications.models import (
    CITIZEN_EVENTS,
    LOCKED_EVENTS,
    STAFF_EVENTS,
    Device,
    Event,
    Notification,
    Outbox,
    OutboxStatus,
)
from service.notifications.templates import TEMPLATES, format_time, render
from service.sla import escalation
from tests.conftest import DEMO_USERS, register_citizen
from tests.support.peers import HttpPeer, SmtpPeer, running_http_peer, running_smtp_peer
from tests.workflow.test_handling_dispatch import actions, new_report, row
from tests.workflow.test_handling_workflow import holder_of, resolve

CONTEXT = {
    "code": "PA-2026-000123",
    "category_vi": "Ổ gà, hư hỏng mặt đường",
    "category_en": "Pothole or damaged road",
    "unit_vi": "Phòng Kinh tế - Hạ tầng phường Bạch Quang",
    "unit_en": "Bach Quang Ward Infrastructure Office",
    # 09:00 UTC is 16:00 in Vietnam.
    "due": "2026-02-13T09:00:00+00:00",
    "question": "Ổ gà ở trước số nhà nào?",
    "result": "Đã vá ổ gà.",
    "reason": "Ngoài phạm vi",
    "original_code": "PA-2026-000001",
    "working_days": 2,
    "decision_vi": "được duyệt",
    "decision_en": "approved",
    "clock": "resolve",
}


# --- templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("event", list(Event))
@pytest.mark.parametrize("language", list(Language))
def test_every_event_renders_in_both_languages_with_code_and_category(event: Event, language: Language) -> None:
    words = render(event, CONTEXT, language)
    assert "PA-2026-000123" in words.title + words.body
    category = CONTEXT["category_vi"] if language == Language.vi else CONTEXT["category_en"]
    assert category in words.body
    assert "{" not in words.title + words.body and "}" not in words.title + words.body
    if "{due}" in TEMPLATES[event][language][1]:
        assert "13/02/2026 16:00" in words.body


def test_the_two_languages_differ_and_vietnamese_is_the_default() -> None:
    vi, en = render(Event.new_work, CONTEXT), render(Event.new_work, CONTEXT, Language.en)
    assert vi.title == "Phản ánh mới: PA-2026-000123"
    assert (
        vi.body == "Bạn được giao phản ánh PA-2026-000123 (Ổ gà, hư hỏng mặt đường). Hạn tiếp nhận: 13/02/2026 16:00."
    )
    assert en.body == "Report PA-2026-000123 (Pothole or damaged road) is now yours. Acknowledge by 13/02/2026 16:00."


def test_times_are_vietnam_local_day_first() -> None:
    # 17:30 UTC on 31 Dec is already New Year's Day in Vietnam.
    assert format_time(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2027 00:30"


def test_a_missing_value_renders_empty_rather_than_failing() -> None:
    words = render(Event.rejected, {"code": "PA-1"}, Language.en)
    assert words.body == "Report PA-1 () will not be handled. Reason:"


# --- who is owed what --------------------------------------------------------------------


def inbox_of(db, user_id: int) -> list[tuple[str, str]]:
    """(event, complaint code) of each of a user's notifications, oldest first."""
    rows = db.exec(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at), col(Notification.id))
        .execution_options(populate_existing=True)
    )
    return [(n.event, n.context.get("code")) for n in rows]


def user_id(db, name: str) -> int:
    return db.exec(select(User.id).where(User.username == name)).one()


def citizen_id(db, report: dict) -> int:
    return row(db, report).citizen_id


def test_a_report_tells_the_citizen_and_the_officer_each_step_and_never_the_actor(client, db):
    report = new_report(client)
    code, citizen, officer = report["code"], citizen_id(db, report), row(db, report).current_officer_id
    assert inbox_of(db, citizen) == [("received", code)]
    assert inbox_of(db, officer) == [("new_work", code)]

    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    client.post(actions(report["id"], "start"), headers=holder, json={})
    client.post(actions(report["id"], "request-info"), headers=holder, json={"question": "Số nhà nào?"})
    client.post(actions(report["id"], "answer"), headers=report["headers"], json={"answer": "Số 12"})
    assert resolve(client, report, holder).status_code == 200
    client.post(actions(report["id"], "rate"), headers=report["headers"], json={"rating": 5})

    # "started" tells nobody; rating is the citizen's own act, so nobody hears of it.
    assert [event for event, _ in inbox_of(db, citizen)] == ["received", "acknowledged", "info_requested", "resolved"]
    assert [event for event, _ in inbox_of(db, officer)] == ["new_work", "info_provided"]
    asked = db.exec(
        select(Notification).where(Notification.user_id == citizen, Notification.event == Event.info_requested)
    ).one()
    assert asked.context["question"] == "Số nhà nào?"
    assert "Số nhà nào?" in render(asked.event, asked.context).body


def test_a_rejection_tells_the_citizen_why(client, db, auth):
    report = new_report(client)
    body = {"kind": "not_actionable", "reason": "Khu vực thuộc dự án đang thi công"}
    assert client.post(actions(report["id"], "reject"), headers=auth("dispatcher"), json=body).status_code == 200
    rejected = db.exec(
        select(Notification).where(Notification.user_id == citizen_id(db, report), Notification.event == "rejected")
    ).one()
    assert "Khu vực thuộc dự án đang thi công" in render(rejected.event, rejected.context).body


def test_a_duplicate_tells_its_sender_the_original_and_the_original_keeps_them_posted(client, db, auth):
    original, copy = new_report(client), new_report(client)
    body = {"original_code": original["code"]}
    assert client.post(actions(copy["id"], "mark-duplicate"), headers=auth("dispatcher"), json=body).status_code == 200
    sender = citizen_id(db, copy)
    assert inbox_of(db, sender)[-1] == ("duplicate", copy["code"])
    told = db.exec(select(Notification).where(Notification.user_id == sender, Notification.event == "duplicate")).one()
    assert told.context["original_code"] == original["code"]

    # The follower now hears when the original moves on.
    client.post(actions(original["id"], "acknowledge"), headers=holder_of(client, db, original))
    assert inbox_of(db, sender)[-1] == ("acknowledged", original["code"])
    assert inbox_of(db, citizen_id(db, original))[-1] == ("acknowledged", original["code"])


def test_a_transfer_tells_the_new_officer_and_the_citizen(client, db, auth):
    report = new_report(client)
    body = {"unit_code": "EVN-TN", "reason": "Đèn đường"}
    assert client.post(actions(report["id"], "transfer"), headers=auth("dispatcher"), json=body).status_code == 200
    new_officer = row(db, report).current_officer_id
    assert inbox_of(db, new_officer) == [("new_work", report["code"])]
    assigned = db.exec(
        select(Notification).where(Notification.user_id == citizen_id(db, report), Notification.event == "assigned")
    ).one()
    assert assigned.context["unit_vi"] and assigned.context["unit_en"]


def test_an_extension_goes_to_the_lead_and_the_decision_back_to_the_officer(client, db, auth):
    report = new_report(client)
    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    body = {"working_days": 2, "reason": "Chờ vật tư"}
    assert client.post(actions(report["id"], "extend"), headers=holder, json=body).status_code == 200
    lead = user_id(db, DEMO_USERS["unit_lead"])
    assert inbox_of(db, lead)[-1] == ("extension_requested", report["code"])
    decided = client.post(actions(report["id"], "approve-extension"), headers=auth("unit_lead"), json={"approve": True})
    assert decided.status_code == 200
    officer = row(db, report).current_officer_id
    assert inbox_of(db, officer)[-1] == ("extension_decided", report["code"])


def test_deadline_levels_reach_the_officer_then_the_lead_then_the_dispatchers(client, db):
    report = new_report(client)
    complaint = row(db, report)
    lead, dispatcher = user_id(db, DEMO_USERS["unit_lead"]), user_id(db, DEMO_USERS["dispatcher"])
    assert complaint.due_at is not None
    for level in escalation.Level:
        assert escalation.fire(
            session=db, due=escalation.Due(complaint.id, "ack", level, complaint.due_at), now=utcnow()
        )
    officer_events = [e for e, _ in inbox_of(db, complaint.current_officer_id)]
    assert officer_events == ["new_work", "deadline_warning", "overdue"]
    assert [e for e, _ in inbox_of(db, lead)][-1:] == ["overdue"]
    assert [e for e, _ in inbox_of(db, dispatcher)][-1:] == ["escalated"]
    warning = db.exec(
        select(Notification).where(
            Notification.user_id == complaint.current_officer_id, Notification.event == "deadline_warning"
        )
    ).one()
    assert format_time(complaint.due_at) in render(warning.event, warning.context).body


# --- outbox rows per channel and choice --------------------------------------------------


@pytest.fixture
def peers() -> Iterator[tuple[HttpPeer, HttpPeer, SmtpPeer]]:
    """Push (FCM), SMS and email configured, each on a real local peer."""
    with running_http_peer() as fcm, running_http_peer() as sms, running_smtp_peer() as smtp:
        yield fcm, sms, smtp


@pytest.fixture
def channels(peers, monkeypatch) -> Iterator[tuple[HttpPeer, HttpPeer, SmtpPeer]]:
    fcm, sms, smtp = peers
    for name, value in {
        "FCM_PROJECT_ID": "phananh-test",
        "FCM_ACCESS_TOKEN": "ya29.test",
        "FCM_BASE_URL": fcm.url,
        "SMS_GATEWAY_URL": sms.url + "/sms",
        "SMS_API_KEY": "sms-key",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
        "NOTIFY_TIMEOUT_SECONDS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    relay.channel_for.cache_clear()
    yield peers
    monkeypatch.undo()
    get_settings.cache_clear()
    relay.channel_for.cache_clear()


def outbox_of(db, user: int) -> list[tuple[str, str]]:
    rows = db.exec(
        select(Notification.event, Outbox.channel)
        .join(Outbox, col(Outbox.notification_id) == Notification.id)
        .where(Notification.user_id == user)
        .order_by(col(Notification.created_at), col(Outbox.channel))
    )
    return [(event, channel) for event, channel in rows]


def add_device(client, headers, token: str | None = None) -> dict:
    token = token or f"fcm-{uuid.uuid4().hex}"
    response = client.post("/api/v1/me/devices", headers=headers, json={"token": token, "platform": "android"})
    assert response.status_code == 201, response.text
    return response.json()


def test_outbox_rows_follow_the_configured_channels_the_addresses_and_the_defaults(client, db, channels):
    citizen = register_citizen(client)
    add_device(client, citizen)
    add_device(client, citizen)  # a second phone: push goes to each
    report = new_report(client, citizen)
    citizen_user = citizen_id(db, report)
    # Citizens have a phone, no email: push twice; SMS is off by default for "received".
    assert outbox_of(db, citizen_user) == [("received", "push"), ("received", "push")]

    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    client.post(actions(report["id"], "request-info"), headers=holder, json={"question": "Ở đâu?"})
    # What the citizen must act on also goes by SMS.
    assert outbox_of(db, citizen_user)[2:] == [
        ("acknowledged", "push"),
        ("acknowledged", "push"),
        ("info_requested", "push"),
        ("info_requested", "push"),
        ("info_requested", "sms"),
    ]
    pending = db.exec(select(Outbox).where(col(Outbox.status) == OutboxStatus.pending)).all()
    assert pending and all(o.next_attempt_at > utcnow() for o in pending)  # claimed for the task sent at commit


def test_with_no_channel_configured_only_the_inbox_is_written(client, db):
    report = new_report(client)
    assert inbox_of(db, citizen_id(db, report)) == [("received", report["code"])]
    assert db.exec(text("SELECT count(*) FROM notification_outbox")).one()[0] == 0


def test_a_channel_turned_off_gets_no_row_but_the_inbox_still_does(client, db, channels):
    citizen = register_citizen(client)
    add_device(client, citizen)
    turned = client.put(
        "/api/v1/me/notification-preferences",
        headers=citizen,
        json={"items": [{"event": "received", "channel": "push", "enabled": False}]},
    )
    assert turned.status_code == 200, turned.text
    report = new_report(client, citizen)
    assert outbox_of(db, citizen_id(db, report)) == []
    assert inbox_of(db, citizen_id(db, report)) == [("received", report["code"])]


def test_deadline_warnings_go_out_even_to_an_officer_who_turned_everything_off(client, db, channels):
    report = new_report(client)
    complaint = row(db, report)
    officer = db.get(User, complaint.current_officer_id)
    officer.email = "canbo@phananh.test"
    db.add(officer)
    db.exec(
        text(
            "INSERT INTO notification_preferences (user_id, event, channel, enabled) "
            "SELECT :user, e, c, false FROM unnest(CAST(:events AS text[])) e, unnest(ARRAY['push','sms','email']) c"
        ),
        params={"user": officer.id, "events": [e.value for e in Event]},
    )
    assert escalation.fire(
        session=db, due=escalation.Due(complaint.id, "ack", escalation.Level.warning, complaint.due_at), now=utcnow()
    )
    assert ("deadline_warning", "email") in outbox_of(db, officer.id)


# --- the relay, against the peers --------------------------------------------------------


def _only(db, user: int, channel: str) -> Outbox:
    return db.exec(
        select(Outbox)
        .join(Notification, col(Notification.id) == Outbox.notification_id)
        .where(Notification.user_id == user, Outbox.channel == channel)
        .execution_options(populate_existing=True)
    ).one()


def test_a_failed_delivery_waits_longer_each_time_then_succeeds_once(client, db, channels):
    _, sms, _ = channels
    report = new_report(client)
    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    asked = client.post(actions(report["id"], "request-info"), headers=holder, json={"question": "Ở đâu?"})
    assert asked.status_code == 200, asked.text
    row_ = _only(db, citizen_id(db, report), "sms")
    sms.reply(503, {"error": "busy"})
    sms.reply(503, {"error": "busy"})

    now = utcnow()
    assert relay.deliver(db, row_.id, now=now) == relay.Outcome.retry
    first = _only(db, citizen_id(db, report), "sms")
    assert (first.status, first.attempts) == (OutboxStatus.pending, 1)
    assert first.next_attempt_at == now + timedelta(seconds=30) and "HTTP 503" in (first.last_error or "")
    assert relay.deliver(db, row_.id, now=now) == relay.Outcome.retry
    assert _only(db, citizen_id(db, report), "sms").next_attempt_at == now + timedelta(seconds=60)
    assert relay.deliver(db, row_.id, now=now) == relay.Outcome.sent
    assert relay.deliver(db, row_.id, now=now) == relay.Outcome.skipped  # a second task for the same row

    done = _only(db, citizen_id(db, report), "sms")
    assert (done.status, done.attempts, done.last_error) == (OutboxStatus.sent, 3, None)
    assert [r.body["reference"] for r in sms.requests] == [str(row_.id)] * 3
    assert "Ở đâu?" in sms.requests[-1].body["text"]
    assert sms.requests[-1].body["to"] == db.get(User, citizen_id(db, report)).phone


def test_email_is_sent_in_the_readers_language_and_a_permanent_refusal_is_dead(client, db, channels):
    _, _, smtp = channels
    report = new_report(client)
    officer = db.get(User, row(db, report).current_officer_id)
    officer.email, officer.language = "officer@phananh.test", Language.en
    db.add(officer)
    complaint = row(db, report)
    escalation.fire(
        session=db, due=escalation.Due(complaint.id, "ack", escalation.Level.warning, complaint.due_at), now=utcnow()
    )
    warning = _only(db, officer.id, "email")
    assert relay.deliver(db, warning.id, now=utcnow()) == relay.Outcome.sent
    received = smtp.handler.received[-1]
    assert received["Subject"] == f"Due soon: {report['code']}"
    assert received["Message-ID"] == f"<phananh.{warning.id}@phananh.vn>"
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", received.get_content())

    officer.email = "officer@nowhere.invalid"  # the peer refuses this recipient with 550
    db.add(officer)
    escalation.fire(
        session=db, due=escalation.Due(complaint.id, "ack", escalation.Level.overdue, complaint.due_at), now=utcnow()
    )
    overdue = db.exec(
        select(Outbox)
        .join(Notification, col(Notification.id) == Outbox.notification_id)
        .where(Notification.user_id == officer.id, Notification.event == "overdue", Outbox.channel == "email")
    ).one()
    assert relay.deliver(db, overdue.id, now=utcnow()) == relay.Outcome.dead
    db.flush()
    db.refresh(overdue)
    assert overdue.status == OutboxStatus.dead and "SMTP 550" in (overdue.last_error or "")


def test_push_to_an_unregistered_token_stops_pushing_to_that_device(client, db, channels):
    fcm, _, _ = channels
    citizen = register_citizen(client)
    device = add_device(client, citizen)
    report = new_report(client, citizen)
    push = _only(db, citizen_id(db, report), "push")
    fcm.reply(404, {"error": {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}})
    assert relay.deliver(db, push.id, now=utcnow()) == relay.Outcome.dead
    assert db.get(Device, device["id"], populate_existing=True).disabled_at is not None
    # The next notification has no push row for the dead device.
    client.post(actions(report["id"], "acknowledge"), headers=holder_of(client, db, report))
    assert [c for e, c in outbox_of(db, citizen_id(db, report)) if e == "acknowledged"] == []


def test_a_delivery_is_given_up_after_the_last_attempt(client, db, channels, monkeypatch):
    _, sms, _ = channels
    monkeypatch.setenv("NOTIFY_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    report = new_report(client)
    holder = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=holder)
    assert (
        client.post(actions(report["id"], "request-info"), headers=holder, json={"question": "Ở đâu?"}).status_code
        == 200
    )
    outbox = _only(db, citizen_id(db, report), "sms")
    sms.reply(500)
    sms.reply(500)
    assert relay.deliver(db, outbox.id, now=utcnow()) == relay.Outcome.retry
    assert relay.deliver(db, outbox.id, now=utcnow()) == relay.Outcome.dead
    assert relay.deliver(db, outbox.id, now=utcnow()) == relay.Outcome.skipped
    assert len(sms.requests) == 2


def test_the_sweep_claims_what_is_due_once_and_leaves_the_rest(client, db, channels):
    citizen = register_citizen(client)
    add_device(client, citizen)
    new_report(client, citizen)
    rows = db.exec(select(Outbox)).all()
    assert rows
    now = utcnow()
    assert relay.claim_due(db, now=now) == []  # still claimed by the task sent at commit
    later = now + timedelta(seconds=get_settings().notify_claim_seconds + 1)
    claimed = relay.claim_due(db, now=later)
    assert sorted(claimed) == sorted(r.id for r in rows)
    assert relay.claim_due(db, now=later) == []  # claimed again: the next sweep leaves them


def test_backoff_doubles_and_is_capped() -> None:
    settings = get_settings()
    waits = [relay.backoff(n, settings) for n in range(1, 10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == settings.notify_retry_max_seconds


# --- the inbox API -----------------------------------------------------------------------


def test_the_inbox_lists_unread_first_pages_and_marks_read(client, db):
    citizen = register_citizen(client)
    reports = [new_report(client, citizen) for _ in range(3)]
    listed = client.get("/api/v1/notifications", headers=citizen).json()
    assert listed["unread"] == 3 and [n["complaint"]["code"] for n in listed["items"]] == [
        r["code"] for r in reversed(reports)
    ]
    first = listed["items"][0]
    assert first["title"] == f"Đã nhận phản ánh {reports[-1]['code']}" and first["read_at"] is None
    assert first["created_at"].endswith("+07:00")

    oldest = listed["items"][-1]["id"]
    read = client.post(f"/api/v1/notifications/{oldest}/read", headers=citizen)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count", headers=citizen).json() == {"unread": 2}

    # Page by page: the two unread (newest first), then the read one.
    page1 = client.get("/api/v1/notifications?limit=2", headers=citizen).json()
    page2 = client.get(f"/api/v1/notifications?limit=2&cursor={page1['next_cursor']}", headers=citizen).json()
    assert [n["id"] for n in page1["items"] + page2["items"]] == [
        listed["items"][0]["id"],
        listed["items"][1]["id"],
        oldest,
    ]
    assert page2["next_cursor"] is None

    assert client.post("/api/v1/notifications/read-all", headers=citizen).json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count", headers=citizen).json() == {"unread": 0}


def test_the_inbox_speaks_the_readers_language(client, db):
    citizen = register_citizen(client)
    assert client.patch("/api/v1/me", headers=citizen, json={"language": "en"}).status_code == 200
    report = new_report(client, citizen)
    item = client.get("/api/v1/notifications", headers=citizen).json()["items"][0]
    assert item["title"] == f"Report {report['code']} received"


def test_another_persons_notification_is_not_found_and_a_bad_cursor_is_refused(client, db):
    owner, other = register_citizen(client), register_citizen(client)
    new_report(client, owner)
    mine = client.get("/api/v1/notifications", headers=owner).json()["items"][0]["id"]
    refused = client.post(f"/api/v1/notifications/{mine}/read", headers=other)
    assert refused.status_code == 404 and refused.json()["field"] == "notification_id"
    assert client.get("/api/v1/notifications", headers=other).json()["items"] == []
    assert client.get("/api/v1/notifications/unread-count", headers=owner).json() == {"unread": 1}
    bad = client.get("/api/v1/notifications?cursor=not-a-cursor", headers=owner)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor" and bad.json()["field"] == "cursor"


# --- channel choices and devices ---------------------------------------------------------


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_each_role_sees_its_own_events_and_cannot_mute_the_locked_ones(client, db, auth, role):
    headers = auth(role)
    items = client.get("/api/v1/me/notification-preferences", headers=headers).json()["items"]
    events = {i["event"] for i in items}
    assert events == ({e.value for e in CITIZEN_EVENTS} if role == Role.citizen else {e.value for e in STAFF_EVENTS})
    assert all(i["enabled"] and i["locked"] for i in items if i["channel"] == "inbox")
    assert all(i["locked"] for i in items if i["event"] in LOCKED_EVENTS)

    locked_event = "received" if role == Role.citizen else "overdue"
    locked_channel = "inbox" if role == Role.citizen else "email"
    before = db.exec(text("SELECT count(*) FROM notification_preferences")).one()[0]
    refused = client.put(
        "/api/v1/me/notification-preferences",
        headers=headers,
        json={
            "items": [
                {"event": locked_event, "channel": "sms", "enabled": True},
                {"event": locked_event, "channel": locked_channel, "enabled": False},
            ]
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "preference_locked"
    assert refused.json()["field"] == "items[1].channel"
    assert db.exec(text("SELECT count(*) FROM notification_preferences")).one()[0] == before  # nothing stored

    foreign = "new_work" if role == Role.citizen else "received"
    wrong = client.put(
        "/api/v1/me/notification-preferences",
        headers=headers,
        json={"items": [{"event": foreign, "channel": "push", "enabled": False}]},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "event_not_for_role"


def test_a_choice_is_kept_and_can_be_changed_back(client, db):
    citizen = register_citizen(client)

    def chosen(event: str, channel: str) -> bool:
        items = client.get("/api/v1/me/notification-preferences", headers=citizen).json()["items"]
        return next(i["enabled"] for i in items if (i["event"], i["channel"]) == (event, channel))

    assert chosen("acknowledged", "sms") is False and chosen("resolved", "sms") is True  # the defaults
    for enabled in (True, False, True):
        body = {"items": [{"event": "acknowledged", "channel": "sms", "enabled": enabled}]}
        assert client.put("/api/v1/me/notification-preferences", headers=citizen, json=body).status_code == 200
        assert chosen("acknowledged", "sms") is enabled


def test_a_device_token_moves_to_whoever_registers_it_and_only_its_owner_removes_it(client, db):
    first, second = register_citizen(client), register_citizen(client)
    device = add_device(client, first, token="shared-phone-token")
    moved = add_device(client, second, token="shared-phone-token")
    assert moved["id"] == device["id"]
    owner = db.exec(select(Device.user_id).where(Device.token == "shared-phone-token")).one()
    me = client.get("/api/v1/me", headers=second).json()["id"]
    assert owner == me
    assert client.delete(f"/api/v1/me/devices/{device['id']}", headers=first).status_code == 404
    assert client.delete(f"/api/v1/me/devices/{device['id']}", headers=second).status_code == 204
    assert db.exec(select(Device).where(Device.token == "shared-phone-token")).first() is None


NOTIFICATION_ROUTES = [
    ("GET", "/api/v1/notifications"),
    ("GET", "/api/v1/notifications/unread-count"),
    ("POST", "/api/v1/notifications/read-all"),
    ("GET", "/api/v1/me/notification-preferences"),
]


@pytest.mark.parametrize(("method", "path"), NOTIFICATION_ROUTES)
def test_every_role_has_an_inbox_and_nobody_anonymous_does(client, auth, method, path):
    assert client.request(method, path).status_code == 401
    for role in DEMO_USERS:
        assert client.request(method, path, headers=auth(role)).status_code == 200, role
