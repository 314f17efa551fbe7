"""Escalation: who hears about a report as its running deadline nears and passes.

At 80 % of the allowed working time the officer holding it is warned; at 100 % the
officer and the unit's lead; at 150 % the dispatchers. Each level fires once per report
and deadline (a deadline moved by an extension or a reopening may warn again): the row
in ``escalations`` is the proof it fired, inserted ON CONFLICT DO NOTHING, so retries
and duplicate beats cannot fire it twice.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlmodel import Session

from service.reports import repository as reports
from service.reports import timeline
from service.reports.models import IN_HAND_STATUSES, Complaint, ComplaintStatus
from service.sla import repository
from service.sla.calendar import WorkingCalendar
from service.sla.service import ACK_CLOCK, calendar


class Level(IntEnum):
    warning = 80  # the officer
    overdue = 100  # the officer and the unit's lead
    escalated = 150  # the dispatchers


# The timeline line each level writes (staff only), and who must hear it: the line's
# ``notify`` is what service/notifications/outbox.py turns into notifications.
ACTIONS = {Level.warning: "deadline_warning", Level.overdue: "overdue", Level.escalated: "escalated"}
AUDIENCE = {
    Level.warning: ("officer",),
    Level.overdue: ("officer", "unit_lead"),
    Level.escalated: ("dispatcher",),
}


@dataclass(frozen=True)
class Due:
    complaint_id: uuid.UUID
    clock: str  # "ack" or "resolve"
    level: Level
    due_at: datetime


def elapsed_percent(cal: WorkingCalendar, *, now: datetime, due_at: datetime, allowed_minutes: int) -> float:
    """How much of the allowed working time has gone, in percent (over 100 when late)."""
    remaining = cal.between(now, due_at) if now < due_at else -cal.between(due_at, now)
    return 100 * (1 - remaining.total_seconds() / (allowed_minutes * 60))


def clock_of(complaint: Complaint) -> tuple[str, int | None]:
    if complaint.status in ACK_CLOCK:
        return "ack", complaint.ack_minutes
    return "resolve", complaint.resolve_minutes


def scan(*, session: Session, now: datetime) -> list[Due]:
    """Every level a report in hand has reached and not yet fired, on the clock running
    now. Reports whose three levels have all fired for this deadline are skipped in SQL."""
    candidates = repository.reports_to_escalate(
        session, statuses=IN_HAND_STATUSES - {ComplaintStatus.awaiting_info}, last_level=Level.escalated
    )
    if not candidates:
        return []
    fired = {
        (row.complaint_id, row.clock, Level(row.level), row.due_at)
        for row in repository.escalations_of(session, [c.id for c in candidates])
    }
    cal = calendar(session=session)
    due: list[Due] = []
    for complaint in candidates:
        clock, minutes = clock_of(complaint)
        if not minutes or complaint.due_at is None:
            continue
        percent = elapsed_percent(cal, now=now, due_at=complaint.due_at, allowed_minutes=minutes)
        for level in Level:
            if percent >= level.value and (complaint.id, clock, level, complaint.due_at) not in fired:
                due.append(Due(complaint.id, clock, level, complaint.due_at))
    return due


def fire(*, session: Session, due: Due, now: datetime) -> bool:
    """Record the level once; False when it had already fired (a retry, a second beat)
    or no longer applies (the report moved on, its deadline changed)."""
    complaint = reports.get(session, due.complaint_id)
    if complaint is None or complaint.due_at != due.due_at or clock_of(complaint)[0] != due.clock:
        return False
    if not repository.insert_escalation(
        session, complaint_id=due.complaint_id, clock=due.clock, level=int(due.level), due_at=due.due_at
    ):
        return False
    timeline.record(
        session,
        complaint,
        ACTIONS[due.level],
        at=now,
        public=False,
        data={
            "clock": due.clock,
            "level": int(due.level),
            "due_at": due.due_at.isoformat(),
            "notify": list(AUDIENCE[due.level]),
            "officer_id": complaint.current_officer_id,
            "unit_id": complaint.current_unit_id,
        },
    )
    return True
