"""Service levels: a report's clocks for staff, and the policies and calendar for admins.

The admin edits are keyword-only functions the routes and the console's admin pages
(service/web/admin.py) both call, so they are checked, refused and audited the same way
from either; the routes only parse, authorize and answer.
"""

import datetime as dt
import uuid
from collections.abc import Sequence

from fastapi import APIRouter, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service import audit
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.database import SessionDep
from service.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.schemas import IdPath
from service.core.timeutil import utcnow
from service.identity.policies import AdminUser, StaffUser
from service.reports import repository
from service.sla import repository as sla_repository
from service.sla import service
from service.sla.models import CalendarDay, SlaPolicy
from service.sla.schemas import CalendarDayRead, CalendarDayWrite, PolicyCreate, PolicyRead, SlaRead, UnitTime

router = APIRouter(tags=["handling"], responses=responses(NotAuthenticated, PermissionDenied))
admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["admin"], responses=responses(NotAuthenticated, PermissionDenied)
)


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


@router.get("/api/v1/complaints/{complaint_id}/sla", response_model=SlaRead, responses=responses(NotFound))
def complaint_sla(complaint_id: uuid.UUID, _: StaffUser, session: SessionDep):
    """The report's deadlines, and the working time each unit held it (the dispatcher
    queue's time under ``dispatcher``), less the time spent waiting for the citizen."""
    complaint = repository.get(session, complaint_id)
    if complaint is None:
        raise NotFound(field="complaint_id")
    now = utcnow()
    segments = service.unit_segments(session=session, complaint=complaint, until=now)
    return SlaRead(
        ack_due_at=complaint.ack_due_at,
        resolve_due_at=complaint.resolve_due_at,
        due_at=complaint.due_at,
        paused_since=complaint.paused_at,
        overdue=complaint.due_at is not None and complaint.due_at < now,
        working_hours_so_far=_hours(sum(segments.values(), dt.timedelta())),
        by_unit=[UnitTime(unit=unit, working_hours=_hours(time)) for unit, time in segments.items()],
    )


def _policy_read(session: Session, policy: SlaPolicy) -> PolicyRead:
    category = categories.get(session, policy.category_id) if policy.category_id else None
    return PolicyRead(
        id=policy.id,  # type: ignore[arg-type]
        category_code=category.code if category else None,
        priority=policy.priority,
        ack_hours=policy.ack_minutes / 60,
        resolve_hours=policy.resolve_minutes / 60,
    )


def policies(*, session: Session) -> list[PolicyRead]:
    return [_policy_read(session, policy) for policy in sla_repository.list_policies(session)]


def add_policy(*, session: Session, data: PolicyCreate) -> PolicyRead:
    category_id = None
    if data.category_code is not None:
        category = categories.get_by_code(session, data.category_code)
        if category is None:
            raise UnknownCategory(field="category_code")
        category_id = category.id
    policy = SlaPolicy(
        category_id=category_id,
        priority=data.priority,
        ack_minutes=round(data.ack_hours * 60),
        resolve_minutes=round(data.resolve_hours * 60),
    )
    try:
        with session.begin_nested():
            session.add(policy)
        audit.created(session=session, obj=policy, action="sla_policy.created")
    except IntegrityError as exc:
        raise Conflict(
            "Đã có chính sách cho phạm vi này.", "A policy for this scope exists.", field="category_code"
        ) from exc
    return _policy_read(session, policy)


def remove_policy(*, session: Session, policy_id: int) -> None:
    policy = sla_repository.get_policy(session, policy_id)
    if policy is None:
        raise NotFound(field="policy_id")
    audit.deleted(session=session, obj=policy, action="sla_policy.deleted")
    session.delete(policy)


def calendar_days(*, session: Session) -> Sequence[CalendarDay]:
    return sla_repository.list_calendar_days(session)


def set_calendar_day(*, session: Session, data: CalendarDayWrite) -> CalendarDay:
    day = sla_repository.get_calendar_day(session, data.day)
    if day is None:
        day = CalendarDay(day=data.day, kind=data.kind, note=data.note)
        session.add(day)
        audit.created(session=session, obj=day, action="calendar_day.created")
    else:
        day.kind, day.note = data.kind, data.note
        audit.updated(session=session, obj=day, action="calendar_day.updated")
        session.add(day)
    return day


def remove_calendar_day(*, session: Session, day: dt.date) -> None:
    found = sla_repository.get_calendar_day(session, day)
    if found is None:
        raise NotFound(field="day")
    audit.deleted(session=session, obj=found, action="calendar_day.deleted")
    session.delete(found)


@admin_router.get("/sla-policies", response_model=list[PolicyRead])
def list_policies(_: AdminUser, session: SessionDep):
    """Policies in force; where none applies: 8 working hours to acknowledge (urgent 4)
    and 3 working days to resolve (urgent 1), from the settings."""
    return policies(session=session)


@admin_router.post(
    "/sla-policies",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyRead,
    responses=responses(UnknownCategory, Conflict),
)
def create_policy(body: PolicyCreate, _: AdminUser, session: SessionDep):
    """A policy for a category and/or a priority; the most specific one applies to new
    assignments (deadlines already set are not rewritten)."""
    return add_policy(session=session, data=body)


@admin_router.delete("/sla-policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_policy(policy_id: IdPath, _: AdminUser, session: SessionDep):
    remove_policy(session=session, policy_id=policy_id)


@admin_router.get("/calendar-days", response_model=list[CalendarDayRead])
def list_calendar_days(_: AdminUser, session: SessionDep):
    """Days that differ from the national calendar (holidays and Tết come from it)."""
    return calendar_days(session=session)


@admin_router.put("/calendar-days", response_model=CalendarDayRead)
def put_calendar_day(body: CalendarDayWrite, _: AdminUser, session: SessionDep):
    """Set a day off or a substitute working day (replacing what that date had)."""
    return set_calendar_day(session=session, data=body)


@admin_router.delete("/calendar-days/{day}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_calendar_day(day: dt.date, _: AdminUser, session: SessionDep):
    remove_calendar_day(session=session, day=day)
