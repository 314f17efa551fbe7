"""The only place that queries SLA policies, the calendar's days and escalations."""

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, or_, select

from service.reports.models import Complaint, ComplaintStatus
from service.sla.models import CalendarDay, Escalation, SlaPolicy


def list_policies(session: Session) -> Sequence[SlaPolicy]:
    return session.exec(select(SlaPolicy).order_by(col(SlaPolicy.id))).all()


def get_policy(session: Session, policy_id: int) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id)


def list_calendar_days(session: Session) -> Sequence[CalendarDay]:
    return session.exec(select(CalendarDay).order_by(col(CalendarDay.day))).all()


def get_calendar_day(session: Session, day: dt.date) -> CalendarDay | None:
    return session.get(CalendarDay, day)


def calendar_days(session: Session) -> Sequence[CalendarDay]:
    """Every day set apart, in no order: the working calendar reads them as sets."""
    return session.exec(select(CalendarDay)).all()


def policies_for(session: Session, *, category_id: int, priority: str) -> Sequence[SlaPolicy]:
    """The policies that could apply: for this category or any, for this priority or any."""
    return session.exec(
        select(SlaPolicy).where(
            or_(col(SlaPolicy.category_id).is_(None), SlaPolicy.category_id == category_id),
            or_(col(SlaPolicy.priority).is_(None), SlaPolicy.priority == priority),
        )
    ).all()


def reports_to_escalate(
    session: Session, *, statuses: Collection[ComplaintStatus], last_level: int
) -> Sequence[Complaint]:
    """Reports in ``statuses`` with a deadline, except those for whose current deadline
    ``last_level`` has already fired (every level below it fired before it)."""
    fired_all = (
        select(Escalation.complaint_id)
        .where(
            Escalation.complaint_id == Complaint.id,
            Escalation.due_at == Complaint.due_at,
            Escalation.level == last_level,
        )
        .exists()
    )
    return session.exec(
        select(Complaint).where(
            col(Complaint.status).in_(statuses),
            col(Complaint.due_at).is_not(None),
            ~fired_all,
        )
    ).all()


def escalations_of(session: Session, complaint_ids: Sequence[uuid.UUID]) -> Sequence[Escalation]:
    return session.exec(select(Escalation).where(col(Escalation.complaint_id).in_(complaint_ids))).all()


def insert_escalation(
    session: Session, *, complaint_id: uuid.UUID, clock: str, level: int, due_at: dt.datetime
) -> bool:
    """Record that the level fired; False, inserting nothing, when it already had (ON
    CONFLICT DO NOTHING: a retry or a second beat waits for the first, then yields)."""
    inserted = session.execute(
        insert(Escalation)
        .values(complaint_id=complaint_id, clock=clock, level=level, due_at=due_at)
        .on_conflict_do_nothing()
        .returning(col(Escalation.complaint_id))
    ).first()
    return inserted is not None
