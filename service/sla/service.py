"""Service-level clocks of a report: set, paused, resumed, extended.

The arithmetic is ``calendar.WorkingCalendar``'s; this module decides which clock runs
when. The resolution clock starts when the report arrives (the citizen's wait is what
counts) and runs to the resolution; the acknowledgement clock starts each time an
officer is given the report. Waiting for the citizen's answer pauses the resolution
clock; an approved extension moves its deadline.

Correcting a report (service/workflow/service.py):

- **Priority or category changed** (the SLA policy is per category × priority):
  :func:`reapply_policy` gives each clock still running the working time the policy of
  the new category and priority allows, counted from when that clock started, as if the
  report had had them from the start. So the working time already spent stays spent:

  - resolution: ``deadline(start, allowed + extensions, pauses)``, where ``start`` is the
    arrival (or the last reopening, which restarts the clock), ``extensions`` the working
    days approved since then, and ``pauses`` the waits for the citizen since then that
    began before the clock ran out (as :func:`resume` counts them). A wait still open
    is added when the citizen answers, as always;
  - acknowledgement, while it runs (assigned, reopened): the time the officer was given
    it plus the new policy's allowance.

  A clock that has stopped (the acknowledgement, once acknowledged) is history and keeps
  its deadline. A deadline that falls in the past makes the report overdue at once, and
  the escalation levels fire again for the new deadline.
- **Category changed to one the rules give another unit**: the report is re-routed as a
  transfer is — the new unit's officer gets a fresh acknowledgement clock; the
  resolution clock runs on (recomputed as above) and the time so far stays charged to
  the unit that held it.
- **Address text edited**: no clock changes.
"""

from datetime import datetime, timedelta

from sqlmodel import Session

from service.categories.models import Priority
from service.core.settings import get_settings
from service.reports import repository as reports
from service.reports.models import Complaint, ComplaintStatus
from service.sla import repository
from service.sla.calendar import WorkingCalendar
from service.sla.models import DayKind

# Which deadline runs in which state; the others run none.
ACK_CLOCK = frozenset({ComplaintStatus.assigned, ComplaintStatus.reopened})
RESOLVE_CLOCK = frozenset({ComplaintStatus.acknowledged, ComplaintStatus.in_progress})


def calendar(*, session: Session) -> WorkingCalendar:
    """The national calendar with the days administrators set apart (a small table)."""
    days = repository.calendar_days(session)
    return WorkingCalendar(
        extra_days_off=frozenset(d.day for d in days if d.kind == DayKind.off),
        substitute_working_days=frozenset(d.day for d in days if d.kind == DayKind.work),
    )


def allowed(*, session: Session, category_id: int, priority: str) -> tuple[timedelta, timedelta]:
    """Working time to acknowledge and to resolve: the policy for this category and
    priority, else for the category, else for the priority, else the settings' default."""
    policies = repository.policies_for(session, category_id=category_id, priority=priority)
    if policies:
        best = max(policies, key=lambda p: (p.category_id is not None, p.priority is not None))
        return timedelta(minutes=best.ack_minutes), timedelta(minutes=best.resolve_minutes)
    settings = get_settings()
    day = WorkingCalendar().day_length
    if priority == Priority.urgent:
        return timedelta(hours=settings.sla_ack_hours_urgent), day * settings.sla_resolve_days_urgent
    return timedelta(hours=settings.sla_ack_hours), day * settings.sla_resolve_days


def _minutes(allowed: timedelta) -> int:
    return max(1, round(allowed.total_seconds() / 60))


def _current(complaint: Complaint) -> datetime | None:
    if complaint.status in ACK_CLOCK:
        return complaint.ack_due_at
    if complaint.status in RESOLVE_CLOCK:
        return complaint.resolve_due_at
    return None


def refresh(*, complaint: Complaint) -> None:
    """Point ``due_at`` at the deadline the report's state runs on (after any change)."""
    complaint.due_at = _current(complaint)


def on_assigned(*, session: Session, complaint: Complaint, now: datetime, restart: bool = False) -> None:
    """An officer was given the report: their acknowledgement clock starts; the
    resolution clock starts at arrival the first time (``restart``: again from now, for
    a reopened report)."""
    cal = calendar(session=session)
    ack, resolve = allowed(session=session, category_id=complaint.category_id, priority=complaint.priority)
    complaint.ack_due_at = cal.add(now, ack)
    complaint.ack_minutes = _minutes(ack)
    if complaint.resolve_due_at is None or restart:
        complaint.resolve_due_at = cal.add(now if restart else complaint.submitted_at, resolve)
        complaint.resolve_minutes = _minutes(resolve)
    refresh(complaint=complaint)


def pause(*, complaint: Complaint, now: datetime) -> None:
    complaint.paused_at = now
    refresh(complaint=complaint)


def resume(*, session: Session, complaint: Complaint, now: datetime) -> None:
    """The citizen answered: the resolution deadline moves by the working time the
    report waited — unless it was already overdue when the wait began."""
    paused, due = complaint.paused_at, complaint.resolve_due_at
    if paused is not None and due is not None and paused < due:
        cal = calendar(session=session)
        complaint.resolve_due_at = cal.add(due, cal.between(paused, now))
    complaint.paused_at = None
    refresh(complaint=complaint)


def extend(*, session: Session, complaint: Complaint, working_days: int) -> None:
    assert complaint.resolve_due_at is not None
    cal = calendar(session=session)
    complaint.resolve_due_at = cal.add_days(complaint.resolve_due_at, working_days)
    complaint.resolve_minutes = (complaint.resolve_minutes or 0) + _minutes(cal.day_length * working_days)
    refresh(complaint=complaint)


# Lines that give the report to an officer: each starts that officer's acknowledgement clock.
_ACK_STARTS = frozenset({"assigned", "routed", "transferred", "reassigned", "reopened"})


def reapply_policy(*, session: Session, complaint: Complaint) -> None:
    """The report's category or priority changed: the clocks still running follow the
    policy for the new pair, counted from when each started (see the module docstring)."""
    cal = calendar(session=session)
    ack, resolve = allowed(session=session, category_id=complaint.category_id, priority=complaint.priority)
    lines = reports.events_of(session, complaint.id, public_only=False)
    given = [line.at for line in lines if line.action in _ACK_STARTS]
    if complaint.status in ACK_CLOCK and complaint.ack_due_at is not None and given:
        complaint.ack_due_at = cal.add(given[-1], ack)
        complaint.ack_minutes = _minutes(ack)
    if complaint.resolve_due_at is not None:
        reopened = [line.at for line in lines if line.action == "reopened"]
        start = reopened[-1] if reopened else complaint.submitted_at
        pauses: list[tuple[datetime, datetime | None]] = []
        granted = 0
        for line in lines:
            if line.at < start:
                continue
            if line.action == "info_requested":
                pauses.append((line.at, None))
            elif line.action == "info_provided" and pauses and pauses[-1][1] is None:
                pauses[-1] = (pauses[-1][0], line.at)
            elif line.action == "extension_approved":
                granted += int(line.data.get("working_days") or 0)
        # A wait still open is added by ``resume`` when the citizen answers.
        waited = [(low, high) for low, high in pauses if high is not None]
        more = cal.day_length * granted
        due = cal.deadline(start, resolve + more, waited)
        assert due is not None  # only closed pauses: there is always a deadline
        complaint.resolve_due_at = due
        complaint.resolve_minutes = _minutes(resolve) + (_minutes(more) if granted else 0)
    refresh(complaint=complaint)


# Timeline lines that hand the report to someone else, and where the unit is named.
_HANDOVERS = {"assigned": "unit", "routed": "unit", "transferred": "to_unit"}
DISPATCH = "dispatcher"  # who holds it while no unit does (the IOC's own time)


def unit_segments(*, session: Session, complaint: Complaint, until: datetime) -> dict[str, timedelta]:
    """Working time each unit held the report (``dispatcher`` for the time it waited in
    the dispatcher queue), less the time waiting for the citizen, from its arrival to
    its resolution (or ``until``). A unit that returned it is charged for what it held."""
    holders: list[tuple[datetime, str]] = [(complaint.submitted_at, DISPATCH)]
    pauses: list[tuple[datetime, datetime | None]] = []
    end = until
    for event in reports.events_of(session, complaint.id, public_only=False):
        if event.action in _HANDOVERS:
            holders.append((event.at, str(event.data.get(_HANDOVERS[event.action]))))
        elif event.action == "returned":
            holders.append((event.at, DISPATCH))
        elif event.action == "info_requested":
            pauses.append((event.at, None))
        elif event.action == "info_provided" and pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], event.at)
        elif event.action in ("resolved", "rejected", "marked_duplicate"):
            end = min(end, event.at)
    return calendar(session=session).segments(complaint.submitted_at, end, holders, pauses)


def working_minutes(*, session: Session, complaint: Complaint, until: datetime) -> int:
    """Working time from arrival to ``until``, less waits for the citizen: what the IOC
    calls processing time. The same time the units' segments add up to."""
    total = sum(unit_segments(session=session, complaint=complaint, until=until).values(), timedelta())
    return round(total.total_seconds() / 60)
