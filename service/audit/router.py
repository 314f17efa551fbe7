"""Reading the audit trail: a report's for staff, the whole of it for admins."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from service.accounts.policies import AdminUser, StaffUser
from service.audit import repository
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventRead, AuditPage
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.schemas import INT_MAX
from service.core.settings import LOCAL_TZ
from service.intake import repository as complaints

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=responses(NotAuthenticated, PermissionDenied))

Cursor = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="``next_cursor`` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _aware(moment: datetime | None) -> datetime | None:
    # A time without a zone is what an officer in Thái Nguyên means by it.
    return moment.replace(tzinfo=LOCAL_TZ) if moment is not None and moment.tzinfo is None else moment


def _page(session: Session, events: Sequence[AuditEvent], limit: int) -> AuditPage:
    shown = list(events[:limit])
    names = repository.names_of(session, {e.actor_id for e in shown if e.actor_id is not None})
    items = [
        AuditEventRead.model_validate(event).model_copy(update={"actor_name": names.get(event.actor_id or 0)})
        for event in shown
    ]
    return AuditPage(items=items, next_cursor=shown[-1].id if len(events) > limit else None)


@router.get("/complaints/{complaint_id}/events", response_model=AuditPage, responses=responses(NotFound))
def complaint_events(
    complaint_id: uuid.UUID, _: StaffUser, session: SessionDep, cursor: Cursor = None, limit: Limit = 50
):
    """The report's audit trail, oldest first: every change of state, assignment and
    edit, and every view of its private original photos — who (user, role), when, from
    which request and address, what before and after. Staff only."""
    if complaints.get(session, complaint_id) is None:
        raise NotFound(field="complaint_id")
    events = repository.for_complaint(session, complaint_id, after_id=cursor or 0, limit=limit + 1)
    return _page(session, events, limit)


@router.get("/admin/audit", response_model=AuditPage)
def search_audit(
    _: AdminUser,
    session: SessionDep,
    actor_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    action: Annotated[
        str | None, Query(max_length=60, description="Prefix: `auth.` for logins, `user.role_changed` exactly")
    ] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[
        datetime | None, Query(alias="from", description="At or after (ISO 8601; no zone means +07:00)")
    ] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Before (ISO 8601; no zone means +07:00)")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
):
    """Search the whole audit trail, newest first: logins and failed logins, role and
    account changes, units, categories and routing rules, reports, original photos
    viewed. Admins only. Filters combine; page with ``cursor``."""
    events = repository.search(
        session,
        actor_id=actor_id,
        action_prefix=action,
        object_type=object_type,
        object_id=object_id,
        since=_aware(since),
        until=_aware(until),
        before_id=cursor,
        limit=limit + 1,
    )
    return _page(session, events, limit)
