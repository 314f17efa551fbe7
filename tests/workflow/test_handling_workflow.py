"""Working a report: acknowledge, start, ask the citizen, resolve, rate, reopen, extend,
close by itself — the state machine through the API, its deadlines and the officer's queue."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import select

from service.identity.models import User
from service.reports.models import Complaint, ComplaintStatus, ExtensionRequest
from service.sla import service as sla
from service.workflow import repository as workflow_repository
from service.workflow import service as workflow
from service.workflow.machine import MOVES, Action
from tests.conftest import register_citizen
from tests.routing.test_routing import PNG
from tests.workflow.test_handling_dispatch import actions, events, new_report, row, staff, username

VN = timedelta(hours=7)


def holder_of(client, db, report) -> dict:
    return staff(client, username(db, row(db, report).current_officer_id))


def set_status(db, report, status: str, **columns) -> None:
    """Put the report in a state directly (a savepoint, so a refused request keeps it)."""
    complaint = row(db, report)
    complaint.status = ComplaintStatus(status)
    for name, value in columns.items():
        setattr(complaint, name, value)
    db.add(complaint)
    db.commit()


def resolve(client, report, headers, result="Đã vá ổ gà bằng bê tông nhựa"):
    return client.post(
        actions(report["id"], "resolve"),
        headers=headers,
        data={"result": result},
        files=[("photos", ("after.png", PNG, "image/png"))],
    )


def test_a_report_from_arrival_to_closing(client, db):
    report = new_report(client)
    assigned = row(db, report)
    assert assigned.ack_due_at is not None and assigned.resolve_due_at is not None
    assert assigned.due_at == assigned.ack_due_at
    officer = holder_of(client, db, report)
    citizen = report["headers"]

    assert client.post(actions(report["id"], "acknowledge"), headers=officer).json()["status"] == "acknowledged"
    assert row(db, report).due_at == row(db, report).resolve_due_at
    assert client.post(actions(report["id"], "start"), headers=officer, json={}).json()["status"] == "in_progress"
    asked = client.post(
        actions(report["id"], "request-info"), headers=officer, json={"question": "Ổ gà ở trước số nhà nào?"}
    )
    assert asked.json()["status"] == "awaiting_info" and asked.json()["due_at"] is None
    mine = client.get(f"/api/v1/complaints/{report['id']}", headers=citizen).json()
    assert mine["timeline"][-1]["note"] == "Ổ gà ở trước số nhà nào?"
    answered = client.post(actions(report["id"], "answer"), headers=citizen, json={"answer": "Trước số 12"})
    assert answered.status_code == 200 and answered.json()["status"] == "in_progress"

    done = resolve(client, report, officer)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved" and done.json()["result"].startswith("Đã vá")
    assert [p["kind"] for p in done.json()["photos"]].count("result") == 1
    assert row(db, report).due_at is None

    rated = client.post(actions(report["id"], "rate"), headers=citizen, json={"rating": 5, "comment": "Nhanh, tốt"})
    assert rated.status_code == 200 and rated.json()["status"] == "closed" and rated.json()["rating"] == 5
    trail = [(e.action, e.from_status, e.to_status) for e in events(db, report) if e.to_status]
    assert trail[-6:] == [
        ("acknowledged", "assigned", "acknowledged"),
        ("started", "acknowledged", "in_progress"),
        ("info_requested", "in_progress", "awaiting_info"),
        ("info_provided", "awaiting_info", "in_progress"),
        ("resolved", "in_progress", "resolved"),
        ("rated", "resolved", "closed"),
    ]


# Who performs each action, and the body it sends (resolve sends a form with a photo).
PERFORMED = {
    Action.acknowledge: ("holder", {}),
    Action.start: ("holder", {}),
    Action.request_info: ("holder", {"question": "Ảnh chụp ở đâu?"}),
    Action.resolve: ("holder", None),
    Action.extend: ("holder", {"working_days": 1, "reason": "Chờ vật tư"}),
    Action.approve_extension: ("lead", {"approve": True}),
    Action.answer: ("owner", {"answer": "Ở đầu ngõ"}),
    Action.rate: ("owner", {"rating": 4}),
    Action.reopen: ("owner", {"reason": "Vẫn còn ổ gà"}),
    Action.route: ("dispatcher", {"unit_code": "05528-KTHT"}),
    Action.transfer: ("dispatcher", {"unit_code": "EVN-TN", "reason": "Đèn đường"}),
    Action.return_: ("lead", {"reason": "Không phải việc của phường"}),
    Action.reassign: ("lead", "colleague"),
    Action.reject: ("dispatcher", {"kind": "spam", "reason": "Quảng cáo"}),
    Action.mark_duplicate: ("dispatcher", "original"),
    Action.clear_flags: ("dispatcher", {}),
    # Corrections (tests/workflow/test_corrections.py): a category the same unit handles.
    Action.change_category: ("holder", {"category_code": "damaged_pavement", "reason": "Vỉa hè"}),
    Action.change_priority: ("lead", {"priority": "urgent", "reason": "Gần trường học"}),
    Action.edit_address: ("holder", {"address": "Trước số 12", "reason": "Người dân báo lại"}),
}


def test_every_action_is_in_the_table():
    assert set(PERFORMED) == set(Action) - {Action.close}  # close: only the system, tested below


@pytest.mark.parametrize("action", list(PERFORMED))
def test_every_state_either_allows_the_action_or_answers_409_with_the_state(client, db, action):
    report = new_report(client)
    start = row(db, report)
    unit_id, officer_id = start.current_unit_id, start.current_officer_id
    who, body = PERFORMED[action]
    headers = {
        "holder": lambda: holder_of(client, db, report),
        "owner": lambda: report["headers"],
        "lead": lambda: staff(client, "lanhdao.bachquang"),
        "dispatcher": lambda: staff(client, "dieuphoi"),
    }[who]()
    if body == "colleague":
        body = {"officer_id": next(u for u in _unit_officers(db, unit_id) if u != officer_id)}
    elif body == "original":
        body = {"original_code": new_report(client)["code"]}
    now = datetime.now(UTC)
    for status in ComplaintStatus:
        # The same report, put back in this state with its holder, flags and clocks.
        set_status(
            db,
            report,
            status.value,
            current_unit_id=unit_id,
            current_officer_id=officer_id,
            resolved_at=now,
            paused_at=now,
            location_mismatch=True,
            flags_reviewed_at=None,
            duplicate_of_id=None,
        )
        if action == Action.approve_extension and workflow_repository.pending_extension(db, start.id) is None:
            db.add(ExtensionRequest(complaint_id=start.id, requested_by=officer_id, working_days=1, reason="abc"))
            db.commit()
        if action == Action.extend:
            db.exec(delete(ExtensionRequest).where(ExtensionRequest.complaint_id == start.id))
            db.commit()
        if body is None:
            response = resolve(client, report, headers)
        else:
            response = client.post(actions(report["id"], action.value), headers=headers, json=body)
        if status in MOVES[action].allowed_from:
            assert response.status_code == 200, (status, response.text)
            assert response.json()["status"] == (MOVES[action].to or status)
        else:
            assert response.status_code == 409, (status, response.text)
            assert response.json()["code"] == "invalid_transition"
            assert response.json()["current_status"] == status.value


def _unit_officers(db, unit_id: int) -> list[int]:
    return list(db.exec(select(User.id).where(User.unit_id == unit_id, User.role == "officer")))


def test_resolve_needs_a_result_and_an_after_photo_and_leaves_nothing_when_refused(client, db):
    report = new_report(client)
    officer = holder_of(client, db, report)
    set_status(db, report, "in_progress")
    no_text = resolve(client, report, officer, result=" ")
    assert no_text.status_code == 422 and no_text.json()["field"] == "result"
    no_photo = client.post(actions(report["id"], "resolve"), headers=officer, data={"result": "Đã xử lý xong"})
    assert no_photo.status_code == 422 and no_photo.json()["field"] == "photos"
    assert row(db, report).status == "in_progress" and row(db, report).result is None
    wrong_state = new_report(client)
    refused = resolve(client, wrong_state, holder_of(client, db, wrong_state))
    assert refused.status_code == 409 and refused.json()["current_status"] == "assigned"


def test_only_the_holder_works_it_and_only_its_citizen_answers(client, db):
    report = new_report(client)
    other_officer = staff(client, "canbo.phandinhphung")
    assert client.post(actions(report["id"], "acknowledge"), headers=other_officer).status_code == 403
    assert client.post(actions(report["id"], "acknowledge"), headers=staff(client, "dieuphoi")).status_code == 403
    set_status(db, report, "awaiting_info", paused_at=datetime.now(UTC))
    stranger = register_citizen(client)
    assert client.post(actions(report["id"], "answer"), headers=stranger, json={"answer": "abc"}).status_code == 403
    officer = holder_of(client, db, report)
    assert client.post(actions(report["id"], "answer"), headers=officer, json={"answer": "abc"}).status_code == 403


def test_reopening_is_refused_after_the_window(client, db):
    report = new_report(client)
    set_status(db, report, "resolved", resolved_at=datetime.now(UTC) - timedelta(days=30))
    late = client.post(actions(report["id"], "reopen"), headers=report["headers"], json={"reason": "Vẫn hỏng"})
    assert late.status_code == 409 and late.json()["code"] == "reopen_window_passed"


def test_a_reopened_report_goes_back_to_its_officer_on_fresh_clocks(client, db):
    report = new_report(client)
    officer_id = row(db, report).current_officer_id
    set_status(db, report, "resolved", resolved_at=datetime.now(UTC) - timedelta(hours=1))
    reopened = client.post(actions(report["id"], "reopen"), headers=report["headers"], json={"reason": "Vẫn hỏng"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    again = row(db, report)
    assert again.current_officer_id == officer_id and again.due_at == again.ack_due_at


def test_an_approved_extension_moves_the_deadline_by_working_days(client, db):
    report = new_report(client)
    officer = holder_of(client, db, report)
    client.post(actions(report["id"], "acknowledge"), headers=officer)
    before = row(db, report).resolve_due_at
    asked = client.post(
        actions(report["id"], "extend"), headers=officer, json={"working_days": 2, "reason": "Chờ vật tư"}
    )
    assert asked.status_code == 200, asked.text
    twice = client.post(actions(report["id"], "extend"), headers=officer, json={"working_days": 1, "reason": "Lại"})
    assert twice.status_code == 409 and twice.json()["code"] == "extension_pending"
    decision = {"approve": True, "note": "Đồng ý"}
    assert client.post(actions(report["id"], "approve-extension"), headers=officer, json=decision).status_code == 403
    lead = staff(client, "lanhdao.bachquang")
    approved = client.post(actions(report["id"], "approve-extension"), headers=lead, json=decision)
    assert approved.status_code == 200, approved.text
    after = row(db, report).resolve_due_at
    assert after == sla.calendar(session=db).add_days(before, 2)
    assert row(db, report).due_at == after
    none_left = client.post(actions(report["id"], "approve-extension"), headers=lead, json=decision)
    assert none_left.status_code == 409 and none_left.json()["code"] == "no_extension_pending"


def test_waiting_two_working_days_for_the_citizen_moves_the_deadline_two_working_days(db):
    complaint = Complaint()
    # Fixed dates, Vietnam time: asked on Monday 7 Dec 2026 09:00, answered Wednesday 09:00.
    asked = datetime(2026, 12, 7, 9, 0) - VN
    answered = datetime(2026, 12, 9, 9, 0) - VN
    due = datetime(2026, 12, 10, 9, 0) - VN
    complaint.status = ComplaintStatus.in_progress
    complaint.resolve_due_at, complaint.paused_at = due.replace(tzinfo=UTC), asked.replace(tzinfo=UTC)
    sla.resume(session=db, complaint=complaint, now=answered.replace(tzinfo=UTC))
    assert complaint.resolve_due_at == (datetime(2026, 12, 14, 9, 0) - VN).replace(tzinfo=UTC)  # Thursday + 2 = Monday
    assert complaint.due_at == complaint.resolve_due_at and complaint.paused_at is None


def test_unrated_resolved_reports_close_by_themselves(client, db):
    old, recent = new_report(client), new_report(client)
    set_status(db, old, "resolved", resolved_at=datetime.now(UTC) - timedelta(days=8))
    set_status(db, recent, "resolved", resolved_at=datetime.now(UTC) - timedelta(days=1))
    assert workflow.close_unrated(session=db, now=datetime.now(UTC)) >= 1
    assert row(db, old).status == "closed" and row(db, old).closed_at is not None
    assert row(db, recent).status == "resolved"
    assert events(db, old)[-1].action == "closed" and events(db, old)[-1].data == {"auto": True}


# ---------------------------------------------------------------- the officer's queue


def test_the_queue_shows_each_role_its_own_work_nearest_deadline_first(client, db):
    reports = [new_report(client) for _ in range(5)]
    unit_id = row(db, reports[0]).current_unit_id
    # Deadlines in a known order, one overdue.
    now = datetime.now(UTC)
    for index, report in enumerate(reports):
        set_status(db, report, "assigned", due_at=now + timedelta(hours=2 * index - 1))
    lead = staff(client, "lanhdao.bachquang")
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/queue", params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=lead)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    codes = [item["code"] for item in seen]
    assert len(codes) == len(set(codes))
    mine = [code for code in codes if code in {r["code"] for r in reports}]
    assert mine == [r["code"] for r in reports]
    assert {item["unit"]["code"] for item in seen} == {"05528-KTHT"}
    overdue = client.get("/api/v1/queue", params={"overdue": True}, headers=lead).json()["items"]
    assert reports[0]["code"] in [i["code"] for i in overdue] and reports[1]["code"] not in [i["code"] for i in overdue]

    officer_id = row(db, reports[0]).current_officer_id
    officer = staff(client, username(db, officer_id))
    own = client.get("/api/v1/queue", params={"limit": 100}, headers=officer).json()["items"]
    assert own and all(item["officer_id"] == officer_id for item in own)
    assert unit_id is not None
    filtered = client.get("/api/v1/queue", params={"area_code": "05443"}, headers=lead).json()["items"]
    # Only the unit's reports from that ward (other tests may have transferred one in), none of ours.
    assert all(item["area"]["code"] == "05443" for item in filtered)
    assert not {item["code"] for item in filtered} & {r["code"] for r in reports}
    assert (
        client.get("/api/v1/queue", params={"cursor": "not-a-cursor"}, headers=lead).json()["code"] == "invalid_cursor"
    )


@pytest.mark.parametrize("role", ["admin", "citizen"])
def test_roles_without_a_queue_are_refused(client, auth, role):
    assert client.get("/api/v1/queue", headers=auth(role)).status_code == 403


def test_a_cursor_that_decodes_to_garbage_is_refused_not_a_500(client, db):
    bad = base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", "x"]').decode()
    response = client.get("/api/v1/queue", params={"cursor": bad}, headers=staff(client, "dieuphoi"))
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_the_holder_and_the_lead_transferring_at_once_only_one_wins(live_server, auth_headers_for):
    """Two people act on one report in the same instant: the row lock lets one through;
    the other then finds it is no longer theirs (or no longer in that state)."""
    import threading

    import httpx2 as httpx

    from tests.conftest import DEMO_PASSWORD, login
    from tests.routing.test_routing import send

    citizen = register_citizen(live_server)
    dispatcher, admin = auth_headers_for("dispatcher"), auth_headers_for("admin")
    with httpx.Client(base_url=live_server, timeout=30) as http:
        report = send(http, citizen, category="pothole", lat=21.5063, lon=105.868)
        officer_id = http.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()["officer"]["id"]
        holder_name = http.get(f"/api/v1/admin/users/{officer_id}", headers=admin).json()["username"]
        holder = login(http, holder_name, DEMO_PASSWORD)
    lead = auth_headers_for("unit_lead")
    moves = [(holder, "EVN-TN"), (lead, "SXD-TN")]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def attempt(index: int) -> None:
        headers, unit = moves[index]
        with httpx.Client(base_url=live_server, timeout=30) as http:
            barrier.wait()
            results[index] = http.post(
                actions(report["id"], "transfer"), headers=headers, json={"unit_code": unit, "reason": "Không đúng"}
            )

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 200 and statuses[1] in (403, 409), [r.text for r in results]
    with httpx.Client(base_url=live_server, timeout=30) as http:
        seen = http.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()
    assert [e["action"] for e in seen["timeline"]].count("transferred") == 1
    winner = moves[[r.status_code for r in results].index(200)][1]
    assert seen["unit"]["code"] == winner
