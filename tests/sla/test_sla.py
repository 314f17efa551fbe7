"""Service levels of real reports: deadlines on the working calendar, policies and days
set by admins, and the time each unit held a report."""

from datetime import UTC, datetime, timedelta

from service.reports.models import Complaint, ComplaintStatus
from service.sla import service as sla
from tests.workflow.test_handling_dispatch import actions, events, new_report, row, staff, username

VN = timedelta(hours=7)


def local(*args: int) -> datetime:
    """A Vietnam wall-clock time as an aware UTC datetime."""
    return (datetime(*args) - VN).replace(tzinfo=UTC)


def test_a_report_filed_on_the_last_friday_afternoon_before_tet_is_due_after_the_holiday(db):
    # Tết 2026: Monday 16 to Friday 20 February are days off, work starts on Monday 23rd.
    complaint = Complaint(category_id=1, priority="normal", submitted_at=local(2026, 2, 13, 16, 0))
    complaint.status = ComplaintStatus.assigned
    sla.on_assigned(session=db, complaint=complaint, now=complaint.submitted_at)
    # 8 working hours: 1 h on Friday, then 7 h from Monday 23 Feb 07:30 (lunch 11:30–13:30).
    assert complaint.ack_due_at == local(2026, 2, 23, 16, 30)
    # 3 working days (22.5 h): 1 h on Friday, 7.5 h on the 23rd and the 24th, 6.5 h on
    # Wednesday 25 Feb: 16:00.
    assert complaint.resolve_due_at == local(2026, 2, 25, 16, 0)
    assert complaint.due_at == complaint.ack_due_at


def test_an_admin_day_off_and_a_policy_change_the_next_deadlines(client, db, auth):
    admin = auth("admin")
    policy = client.post(
        "/api/v1/admin/sla-policies",
        headers=admin,
        json={"category_code": "pothole", "ack_hours": 2, "resolve_hours": 15},
    )
    assert policy.status_code == 201, policy.text
    again = client.post(
        "/api/v1/admin/sla-policies",
        headers=admin,
        json={"category_code": "pothole", "ack_hours": 3, "resolve_hours": 9},
    )
    assert again.status_code == 409
    report = new_report(client)
    complaint = row(db, report)
    assert (complaint.ack_minutes, complaint.resolve_minutes) == (120, 900)
    cal = sla.calendar(session=db)
    assert complaint.ack_due_at == cal.add(complaint.submitted_at, timedelta(hours=2))

    # A provincial day off on the day the deadline falls moves it a working day later.
    due_day = (complaint.resolve_due_at + VN).date()
    day = client.put("/api/v1/admin/calendar-days", headers=admin, json={"day": str(due_day), "kind": "off"})
    assert day.status_code == 200, day.text
    assert not sla.calendar(session=db).is_working_day(due_day)
    later = row(db, new_report(client))
    assert later.resolve_due_at > complaint.resolve_due_at
    assert client.get("/api/v1/admin/calendar-days", headers=admin).json()[0]["day"] == str(due_day)


def test_each_unit_is_charged_for_the_time_it_held_the_report_and_the_parts_add_up(client, db):
    report = new_report(client)
    holder = staff(client, username(db, row(db, report).current_officer_id))
    dispatcher = staff(client, "dieuphoi")
    assert (
        client.post(actions(report["id"], "return"), headers=holder, json={"reason": "Đường tỉnh"}).status_code == 200
    )
    assert (
        client.post(actions(report["id"], "route"), headers=dispatcher, json={"unit_code": "SXD-TN"}).status_code == 200
    )
    complaint = row(db, report)
    # Move the trail back in time so that working hours pass between the hand-overs.
    start = local(2026, 11, 16, 8, 0)  # Monday
    steps = {"submitted": start, "assigned": start, "returned": local(2026, 11, 16, 10, 0)}
    steps["routed"] = local(2026, 11, 16, 14, 0)
    for event in events(db, report):
        event.at = steps.get(event.action, event.at)
        db.add(event)
    complaint.submitted_at = start
    db.add(complaint)
    db.flush()
    until = local(2026, 11, 17, 9, 0)  # Tuesday
    parts = sla.unit_segments(session=db, complaint=complaint, until=until)
    assert parts == {
        "05528-KTHT": timedelta(hours=2),  # Monday 08:00–10:00, then it returned it
        "dispatcher": timedelta(hours=2),  # 10:00–11:30 and 13:30–14:00 in the queue
        "SXD-TN": timedelta(hours=4.5),  # 14:00–17:00, and Tuesday 07:30–09:00
    }
    assert sum(parts.values(), timedelta()) == sla.calendar(session=db).between(start, until)

    seen = client.get(f"/api/v1/complaints/{report['id']}/sla", headers=dispatcher)
    assert seen.status_code == 200, seen.text
    by_unit = {part["unit"]: part["working_hours"] for part in seen.json()["by_unit"]}
    assert set(by_unit) == {"dispatcher", "05528-KTHT", "SXD-TN"}
    assert abs(sum(by_unit.values()) - seen.json()["working_hours_so_far"]) < 0.05
