"""The only place that queries SLA policies and the calendar's days."""

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from service.sla.models import CalendarDay, SlaPolicy


def list_policies(session: Session) -> Sequence[SlaPolicy]:
    return session.exec(select(SlaPolicy).order_by(col(SlaPolicy.id))).all()


def get_policy(session: Session, policy_id: int) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id)


def list_calendar_days(session: Session) -> Sequence[CalendarDay]:
    return session.exec(select(CalendarDay).order_by(col(CalendarDay.day))).all()


def get_calendar_day(session: Session, day: dt.date) -> CalendarDay | None:
    return session.get(CalendarDay, day)
