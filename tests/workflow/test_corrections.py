"""Correcting a report: its category (re-routed when the rules give it to another unit),
its priority (the deadlines follow the new policy, the working time spent is kept) and its
address text — who may do each, the refusals, the timeline and audit lines, and the clock
on concrete times of the working calendar."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from service.categories.models import Category
from service.identity.models import User
from service.intake import service as intake
from service.intake.schemas import ComplaintSubmission
from service.media.storage import get_storage
from service.media.uploads import Upload
from service.reports.models import Complaint, ComplaintStatus
from service.sla import service as sla
from service.sla.models import SlaPolicy
from service.units.models import Unit
from service.workflow import service as workflow
from service.workflow.schemas import (
    AnswerBody,
    ChangeCategoryBody,
    ChangePriorityBody,
    ExtendBody,
    ExtensionDecisionBody,
    NoteBody,
    QuestionBody,
)
from tests.conftest import DEMO_USERS, register_citizen
from tests.routing.test_routing import PNG
from tests.workflow.test_handling_dispatch import (
    PHAN_DINH_PHUNG_OFFICER,
    actions,
    events,
    new_report,
    row,
    staff,
    to_queue,
    username,
)

VN = timezone(timedelta(hours=7))
BACH_QUANG = "05528"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Vietnam: Monday 2 to Friday 6, Monday 9 to Friday 13 are
    working days (no holiday), office hours 07:30–11:30 and 13:30–17:00."""
    return datetime(2026, 11, day, hour, minute, tzinfo=VN)


def audit_rows(db, action: str, complaint_id: str) -> list[tuple]:
    return db.execute(
        text(
            "SELECT actor_id, actor_role, before, after FROM audit_events "
            "WHERE action = :a AND object_type = 'complaint' AND object_id = :o ORDER BY id"
        ),
        {"a": action, "o": complaint_id},
    ).all()


def unit_code(db, report: dict) -> str:
    complaint = row(db, report)
    return db.get(Unit, complaint.current_unit_id).code


# ---------------------------------------------------------------- who may correct


@pytest.fixture
def other_lead(client, auth) -> dict[str, str]:
    """The lead of another ward's office (Phường Phan Đình Phùng's KTHT)."""
    unit = client.get("/api/v1/admin/units", params={"q": "05443-KTHT"}, headers=auth("admin")).json()["items"][0]
    name = f"lanhdao.{uuid.uuid4().hex[:6]}"
    made = client.post(
        "/api/v1/admin/users",
        headers=auth("admin"),
        json={
            "username": name,
            "full_name": "Lãnh đạo phường khác",
            "password": "Mat-khau-lanh-dao-1",
            "role": "unit_lead",
            "unit_id": unit["id"],
        },
    )
    assert made.status_code == 201, made.text
    token = client.post("/api/v1/auth/token", data={"username": name, "password": "Mat-khau-lanh-dao-1"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


ACTORS = [
    "holder",
    "same_unit_officer",
    "unit_lead",
    "other_unit_officer",
    "other_lead",
    "dispatcher",
    "admin",
    "owner",
    "other_citizen",
    "anonymous",
]
ALLOWED = {
    "change-category": {"holder", "unit_lead", "dispatcher"},
    "change-priority": {"unit_lead", "dispatcher"},
    "edit-address": {"holder", "unit_lead", "dispatcher"},
}
# (status, code) of each refusal: a staff member who may see it but not correct it is told
# it is not theirs; the API refuses citizens any staff route, and asks the anonymous to log in.
REFUSED = {
    "holder": (403, "not_your_report"),  # the priority: the holder's own deadlines are the lead's call
    "same_unit_officer": (403, "not_your_report"),
    "other_unit_officer": (403, "not_your_report"),
    "other_lead": (403, "not_your_report"),
    "admin": (403, "not_your_report"),
    "owner": (403, "forbidden"),
    "other_citizen": (403, "forbidden"),
    "anonymous": (401, "not_authenticated"),
}
BODY = {
    # Still a road problem: the ward's KTHT office keeps it.
    "change-category": {"category_code": "damaged_pavement", "reason": "Hư hỏng vỉa hè, không phải mặt đường"},
    "change-priority": {"priority": "urgent", "reason": "Ổ gà sâu trước cổng trường"},
    "edit-address": {"address": "Trước số 12 đường Hoàng Văn Thụ", "reason": "Người dân gọi điện báo lại"},
}
LINE = {"change-category": "category_changed", "change-priority": "priority_changed", "edit-address": "address_edited"}


def headers_for(client, db, actor: str, report: dict, other_lead: dict) -> tuple[dict, int | None]:
    holder_id = row(db, report).current_officer_id
    if actor == "anonymous":
        return {}, None
    if actor == "owner":
        headers = report["headers"]
    elif actor == "other_citizen":
        headers = register_citizen(client)
    elif actor == "other_lead":
        headers = other_lead
    else:
        name = {
            "holder": username(db, holder_id),
            "same_unit_officer": next(
                u.username
                for u in db.exec(
                    select(User).where(User.role == "officer", User.unit_id == row(db, report).current_unit_id)
                )
                if u.id != holder_id
            ),
            "other_unit_officer": PHAN_DINH_PHUNG_OFFICER,
        }.get(actor) or DEMO_USERS[actor]
        headers = staff(client, name)
    return headers, client.get("/api/v1/me", headers=headers).json()["id"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_who_may_correct_a_report_and_the_lines_it_leaves(client, db, other_lead, action, actor):
    report = new_report(client)
    headers, actor_id = headers_for(client, db, actor, report, other_lead)
    before = row(db, report)
    status, category_id, priority, address = before.status, before.category_id, before.priority, before.address
    lines = len(events(db, report))

    response = client.post(actions(report["id"], action), headers=headers, json=BODY[action])

    if actor in ALLOWED[action]:
        assert response.status_code == 200, response.text
        line = events(db, report)[-1]
        assert line.action == LINE[action] and line.actor_id == actor_id
        assert line.internal_note == BODY[action]["reason"]
        # The citizen sees that their report was corrected, not staff's reason.
        assert line.public
        mine = client.get(f"/api/v1/complaints/{report['id']}", headers=report["headers"]).json()
        shown = next(entry for entry in mine["timeline"] if entry["action"] == LINE[action])
        assert shown["internal_note"] is None and shown["details"] is None and shown["actor"] is None
        [(audit_actor, audit_role, _, after)] = audit_rows(db, f"complaint.{LINE[action]}", report["id"])
        assert audit_actor == actor_id and audit_role in ("officer", "unit_lead", "dispatcher")
        assert after["internal_note"] == BODY[action]["reason"]
        return
    assert (response.status_code, response.json()["code"]) == REFUSED[actor], response.text
    # A refusal changes nothing and writes no line and no audit row.
    after = row(db, report)
    assert (after.status, after.category_id, after.priority, after.address) == (status, category_id, priority, address)
    assert len(events(db, report)) == lines
    assert audit_rows(db, f"complaint.{LINE[action]}", report["id"]) == []


def test_a_private_report_is_no_more_another_units_to_correct_and_an_unknown_one_is_404(client, db):
    report = new_report(client, visibility="private")
    other = staff(client, PHAN_DINH_PHUNG_OFFICER)
    dispatcher = staff(client, "dieuphoi")
    for action, body in BODY.items():
        refused = client.post(actions(report["id"], action), headers=other, json=body)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_report"), action
        missing = client.post(actions(str(uuid.uuid4()), action), headers=dispatcher, json=body)
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found"), action


@pytest.mark.parametrize("action", list(ALLOWED))
def test_a_finished_report_cannot_be_corrected(client, db, action):
    report = new_report(client)
    complaint = row(db, report)
    complaint.status = ComplaintStatus.closed
    db.add(complaint)
    db.commit()
    answer = client.post(actions(report["id"], action), headers=staff(client, "dieuphoi"), json=BODY[action])
    assert answer.status_code == 409 and answer.json()["code"] == "invalid_transition"
    assert answer.json()["current_status"] == "closed"


@pytest.mark.parametrize(
    ("action", "body", "field", "code"),
    [
        (
            "change-category",
            {"category_code": "no_such_thing", "reason": "Sai lĩnh vực"},
            "category_code",
            "unknown_category",
        ),
        ("change-category", {"category_code": "street_light"}, "reason", "validation_error"),
        ("change-category", {"category_code": "street_light", "reason": "x"}, "reason", "validation_error"),
        ("change-priority", {"priority": "very_high", "reason": "Gấp"}, "priority", "validation_error"),
        ("change-priority", {"priority": "urgent"}, "reason", "validation_error"),
        ("edit-address", {"address": " "}, "address", "validation_error"),
        ("edit-address", {"address": "x" * 501}, "address", "validation_error"),
    ],
)
def test_corrections_are_refused_naming_the_field(client, db, action, body, field, code):
    report = new_report(client)
    lines = len(events(db, report))
    answer = client.post(actions(report["id"], action), headers=staff(client, "dieuphoi"), json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["field"] == field or field in str(answer.json().get("errors"))
    assert len(events(db, report)) == lines


def test_a_retired_category_is_refused(client, db):
    report = new_report(client)
    retired = db.exec(select(Category).where(Category.code == "waste")).one()
    retired.is_active = False
    db.add(retired)
    db.commit()
    body = {"category_code": "waste", "reason": "Rác thải"}
    answer = client.post(actions(report["id"], "change-category"), headers=staff(client, "dieuphoi"), json=body)
    assert answer.status_code == 422 and answer.json() | {"message": ""} == answer.json() | {
        "code": "unknown_category",
        "field": "category_code",
        "message": "",
    }


def test_a_correction_to_what_it_already_says_changes_nothing_and_records_nothing(client, db):
    report = new_report(client)
    dispatcher = staff(client, "dieuphoi")
    lines = len(events(db, report))
    same = {
        "change-category": {"category_code": "pothole", "reason": "Đúng lĩnh vực"},
        "change-priority": {"priority": row(db, report).priority, "reason": "Giữ nguyên"},
    }
    for action, body in same.items():
        answer = client.post(actions(report["id"], action), headers=dispatcher, json=body)
        assert answer.status_code == 200, answer.text
    client.post(actions(report["id"], "edit-address"), headers=dispatcher, json={"address": "Số 5 ngõ 10"})
    again = client.post(actions(report["id"], "edit-address"), headers=dispatcher, json={"address": "Số 5 ngõ 10"})
    assert again.status_code == 200
    assert [e.action for e in events(db, report)[lines:]] == ["address_edited"]


# ---------------------------------------------------------------- what each correction does


def test_a_category_of_another_unit_moves_the_report_there_as_a_transfer_would(client, db):
    report = new_report(client)
    holder = row(db, report).current_officer_id
    officer = staff(client, username(db, holder))
    client.post(actions(report["id"], "acknowledge"), headers=officer)
    assert unit_code(db, report) == f"{BACH_QUANG}-KTHT"

    # Street lights are the power company's, whatever the ward (a province-wide rule).
    body = {"category_code": "street_light", "reason": "Cột đèn hỏng, không phải ổ gà"}
    answer = client.post(actions(report["id"], "change-category"), headers=officer, json=body)

    assert answer.status_code == 200, answer.text
    moved = row(db, report)
    assert answer.json()["category"]["code"] == "street_light"
    assert answer.json()["unit"]["code"] == "EVN-TN" and moved.status == ComplaintStatus.assigned
    assert db.get(User, moved.current_officer_id).unit_id == db.exec(select(Unit).where(Unit.code == "EVN-TN")).one().id
    assert moved.routed_by_rule_id is not None
    changed, transferred = events(db, report)[-2:]
    assert changed.action == "category_changed"
    assert changed.data["from"] == "pothole" and changed.data["to"] == "street_light"
    assert changed.data["rerouted_to"] == "EVN-TN"
    assert transferred.action == "transferred" and transferred.data["because"] == "category_changed"
    assert (transferred.data["from_unit"], transferred.data["to_unit"]) == (f"{BACH_QUANG}-KTHT", "EVN-TN")
    assert (transferred.from_status, transferred.to_status) == ("acknowledged", "assigned")
    assert transferred.internal_note == body["reason"]
    # Audit: both lines; notifications: the new officer has new work, the citizen hears the unit.
    assert len(audit_rows(db, "complaint.category_changed", report["id"])) == 1
    [(_, _, before, after)] = audit_rows(db, "complaint.transferred", report["id"])
    assert before == {"status": "acknowledged"} and after["data"]["to_unit"] == "EVN-TN"
    told = db.execute(
        text("SELECT event, user_id FROM notifications WHERE complaint_id = :c AND created_at = :at ORDER BY id"),
        {"c": report["id"], "at": transferred.at},
    ).all()
    assert ("new_work", moved.current_officer_id) in told
    assert any(event == "assigned" for event, _ in told)
    # The officer who held it sees it still (they handled it), and can no longer act on it.
    again = client.post(actions(report["id"], "edit-address"), headers=officer, json={"address": "Ngõ 3"})
    assert again.status_code == 403 and again.json()["code"] == "not_your_report"


def test_a_category_the_same_unit_handles_stays_with_its_officer(client, db):
    report = new_report(client)
    holder, unit = row(db, report).current_officer_id, row(db, report).current_unit_id
    answer = client.post(
        actions(report["id"], "change-category"),
        headers=staff(client, "lanhdao.bachquang"),
        json=BODY["change-category"],
    )
    assert answer.status_code == 200, answer.text
    kept = row(db, report)
    assert (kept.current_officer_id, kept.current_unit_id, kept.status) == (holder, unit, ComplaintStatus.assigned)
    assert [e.action for e in events(db, report)][-1] == "category_changed"
    assert events(db, report)[-1].data["rerouted_to"] is None


def test_in_the_dispatcher_queue_a_new_category_waits_for_the_dispatcher(client, db):
    report = new_report(client)
    to_queue(db, report)
    body = {"category_code": "street_light", "reason": "Đèn đường hỏng"}
    answer = client.post(actions(report["id"], "change-category"), headers=staff(client, "dieuphoi"), json=body)
    assert answer.status_code == 200, answer.text
    waiting = row(db, report)
    assert waiting.status == ComplaintStatus.submitted and waiting.current_unit_id is None
    routed = client.post(
        actions(report["id"], "route"), headers=staff(client, "dieuphoi"), json={"unit_code": "EVN-TN"}
    )
    assert routed.status_code == 200 and routed.json()["unit"]["code"] == "EVN-TN"


def test_moving_to_a_unit_with_nobody_on_duty_is_refused_and_changes_nothing(client, db):
    report = new_report(client)
    evn = db.exec(select(Unit).where(Unit.code == "EVN-TN")).one()
    db.execute(text("UPDATE users SET is_active = false WHERE unit_id = :u"), {"u": evn.id})
    db.commit()
    body = {"category_code": "street_light", "reason": "Đèn đường hỏng"}
    answer = client.post(actions(report["id"], "change-category"), headers=staff(client, "dieuphoi"), json=body)
    assert answer.status_code == 409 and answer.json()["code"] == "unit_has_no_officer"
    assert answer.json()["field"] == "category_code"
    assert db.get(Category, row(db, report).category_id).code == "pothole"
    assert [e.action for e in events(db, report)][-1] == "assigned"


def test_an_address_edit_changes_the_text_only(client, db):
    report = new_report(client)
    before = row(db, report)
    due, unit, officer, area = before.resolve_due_at, before.current_unit_id, before.current_officer_id, before.area_id
    answer = client.post(
        actions(report["id"], "edit-address"), headers=staff(client, username(db, officer)), json=BODY["edit-address"]
    )
    assert answer.status_code == 200 and answer.json()["address"] == BODY["edit-address"]["address"]
    after = row(db, report)
    assert (after.resolve_due_at, after.current_unit_id, after.current_officer_id, after.area_id) == (
        due,
        unit,
        officer,
        area,
    )
    line = events(db, report)[-1]
    assert line.data == {"from": None, "to": BODY["edit-address"]["address"]}
    public = client.get(f"/api/v1/complaints/{report['id']}", headers=register_citizen(client)).json()
    assert public["address"] == BODY["edit-address"]["address"]
    assert public["timeline"][-1]["label"] == "Đã điều chỉnh địa chỉ"


# ---------------------------------------------------------------- the clock, on the calendar


@pytest.fixture
def policies(db):
    """Pothole policies: high 4 h / 2 working days (15 h), urgent 3 h / 1 day, low 8 h / 5 days."""
    pothole = db.exec(select(Category).where(Category.code == "pothole")).one()
    for priority, ack, resolve in (("high", 240, 900), ("urgent", 180, 450), ("low", 480, 2250)):
        db.add(SlaPolicy(category_id=pothole.id, priority=priority, ack_minutes=ack, resolve_minutes=resolve))
    db.commit()


def submit_at(db, when: datetime) -> Complaint:
    """A pothole report of Phường Bách Quang (default priority high) arriving at ``when``."""
    citizen = db.exec(select(User).where(User.role == "citizen")).first()
    submitted = intake.submit(
        session=db,
        storage=get_storage(),
        citizen=citizen,
        submission=ComplaintSubmission(category_code="pothole", description="Ổ gà sâu", lat=21.5063, lon=105.868),
        uploads=[Upload("p.png", PNG)],
        idempotency_key=str(uuid.uuid4()),
        now=when,
    )
    db.commit()
    return submitted.complaint


def user(db, name: str) -> User:
    return db.exec(select(User).where(User.username == name)).one()


def act(fn, db, who: User, complaint: Complaint, body, when: datetime) -> Complaint:
    done = fn(session=db, user=who, complaint_id=complaint.id, body=body, now=when)
    db.commit()
    return done


def acknowledged_on_monday(db) -> tuple[Complaint, User]:
    """A report of :func:`submit_at` Monday 08:00, acknowledged by its officer at 09:00; and
    that officer."""
    complaint = submit_at(db, local(2, 8))
    officer = user(db, username(db, complaint.current_officer_id))
    act(workflow.acknowledge, db, officer, complaint, NoteBody(), local(2, 9))
    return complaint, officer


def test_a_higher_priority_keeps_the_time_spent_and_the_wait_for_the_citizen(db, policies):
    complaint = submit_at(db, local(2, 8))  # Monday 08:00, high: 15 working hours
    assert complaint.resolve_due_at == local(4, 8)  # Mon 7 h, Tue 7.5 h, Wed 0.5 h
    officer, lead = user(db, username(db, complaint.current_officer_id)), user(db, "lanhdao.bachquang")
    act(workflow.acknowledge, db, officer, complaint, NoteBody(), local(2, 9))
    act(workflow.start, db, officer, complaint, NoteBody(), local(2, 9, 30))
    act(workflow.request_info, db, officer, complaint, QuestionBody(question="Trước số nhà nào?"), local(2, 10))
    citizen = db.get(User, complaint.citizen_id)
    act(workflow.answer, db, citizen, complaint, AnswerBody(answer="Trước số 12"), local(3, 10))
    # Waiting Monday 10:00 to Tuesday 10:00 was 7.5 working hours: the deadline moved a day.
    assert complaint.resolve_due_at == local(5, 8)
    # Recomputing with the policy it has changes nothing: the same rule as the running clock.
    sla.reapply_policy(session=db, complaint=complaint)
    assert complaint.resolve_due_at == local(5, 8)

    # Tuesday 14:00, urgent (1 working day): Monday 08:00 + 7.5 h + the 7.5 h wait = Wednesday 08:00.
    # Spent so far: Mon 08:00–10:00 and Tue 10:00–14:00 (less lunch) = 4 h; 3.5 h are left.
    done = act(
        workflow.change_priority,
        db,
        lead,
        complaint,
        ChangePriorityBody(priority="urgent", reason="Gần trường học"),
        local(3, 14),
    )
    assert done.priority == "urgent"
    assert done.resolve_due_at == local(4, 8) and done.due_at == done.resolve_due_at
    assert done.resolve_minutes == 450
    assert done.ack_due_at == local(2, 14)  # acknowledged on Monday: that clock is history
    line = events(db, {"code": done.code, "id": str(done.id)})[-1]
    assert line.action == "priority_changed" and line.data["from"] == "high" and line.data["to"] == "urgent"
    assert datetime.fromisoformat(line.data["due_before"]) == local(5, 8)
    assert datetime.fromisoformat(line.data["due_after"]) == local(4, 8)
    [(actor_id, role, _, after)] = audit_rows(db, "complaint.priority_changed", str(done.id))
    assert (actor_id, role) == (lead.id, "unit_lead") and after["data"]["to"] == "urgent"


def test_a_lower_priority_keeps_the_extension_granted(db, policies):
    complaint, officer = acknowledged_on_monday(db)  # due Wednesday 08:00
    lead = user(db, "lanhdao.bachquang")
    act(
        workflow.request_extension,
        db,
        officer,
        complaint,
        ExtendBody(working_days=2, reason="Chờ vật tư"),
        local(2, 9, 30),
    )
    act(workflow.decide_extension, db, lead, complaint, ExtensionDecisionBody(approve=True), local(2, 10))
    assert complaint.resolve_due_at == local(6, 8) and complaint.resolve_minutes == 1800

    # Low: 5 working days, plus the 2 granted = Monday 08:00 + 7 working days = Wednesday 11 Nov 08:00.
    dispatcher = user(db, "dieuphoi")
    done = act(
        workflow.change_priority,
        db,
        dispatcher,
        complaint,
        ChangePriorityBody(priority="low", reason="Ổ gà nhỏ, ngõ cụt"),
        local(3, 9),
    )
    assert done.resolve_due_at == local(11, 8)
    assert done.resolve_minutes == 2250 + 900


def test_while_unacknowledged_the_acknowledgement_clock_follows_the_new_priority_too(db, policies):
    complaint = submit_at(db, local(2, 8))
    # 4 h: 3.5 h to 11:30, then 0.5 h after lunch.
    assert complaint.ack_due_at == local(2, 14) and complaint.due_at == complaint.ack_due_at
    lead = user(db, "lanhdao.bachquang")
    # Urgent at 10:00: 3 h from when the officer was given it (08:00) = 11:00; the resolution
    # clock (1 day from arrival) is Tuesday 08:00.
    done = act(
        workflow.change_priority,
        db,
        lead,
        complaint,
        ChangePriorityBody(priority="urgent", reason="Nguy hiểm"),
        local(2, 10),
    )
    assert (done.ack_due_at, done.ack_minutes) == (local(2, 11), 180)
    assert done.due_at == local(2, 11) and done.resolve_due_at == local(3, 8)


def test_a_deadline_already_passed_under_the_new_priority_makes_the_report_overdue(db, policies):
    complaint, _ = acknowledged_on_monday(db)
    lead = user(db, "lanhdao.bachquang")
    # Tuesday 10:00: 9.5 working hours spent, more than urgent's 7.5: due Tuesday 08:00, past.
    done = act(
        workflow.change_priority,
        db,
        lead,
        complaint,
        ChangePriorityBody(priority="urgent", reason="Nguy hiểm"),
        local(3, 10),
    )
    assert done.resolve_due_at == local(3, 8) < local(3, 10)


def test_a_new_category_brings_its_own_policy_and_a_move_a_fresh_acknowledgement_clock(db, policies):
    street_light = db.exec(select(Category).where(Category.code == "street_light")).one()
    db.add(SlaPolicy(category_id=street_light.id, priority=None, ack_minutes=60, resolve_minutes=2250))
    db.commit()
    complaint, officer = acknowledged_on_monday(db)
    done = act(
        workflow.change_category,
        db,
        officer,
        complaint,
        ChangeCategoryBody(category_code="street_light", reason="Cột đèn hỏng"),
        local(3, 9),
    )
    assert done.status == ComplaintStatus.assigned and db.get(Unit, done.current_unit_id).code == "EVN-TN"
    # The power company's officer acknowledges within 1 working hour from now; the report is
    # due 5 working days after it arrived.
    assert done.ack_due_at == local(3, 10) and done.due_at == done.ack_due_at
    assert done.resolve_due_at == local(9, 8)
    segments = sla.unit_segments(session=db, complaint=done, until=local(3, 11))
    # Monday 08:00 to Tuesday 09:00 is the ward office's; then the power company's.
    assert segments[f"{BACH_QUANG}-KTHT"] == timedelta(hours=8, minutes=30)
    assert segments["EVN-TN"] == timedelta(hours=2)
