"""A report's own records over HTTP: its audit trail, for staff."""

import uuid

from fastapi import APIRouter

from service.audit import repository as audit_trail
from service.audit.schemas import AuditPage, Cursor, Limit
from service.audit.service import page_of
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.identity.policies import StaffUser
from service.reports import repository

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=responses(NotAuthenticated, PermissionDenied))


@router.get("/complaints/{complaint_id}/events", response_model=AuditPage, responses=responses(NotFound))
def complaint_events(
    complaint_id: uuid.UUID, _: StaffUser, session: SessionDep, cursor: Cursor = None, limit: Limit = 50
):
    """The report's audit trail, oldest first: every change of state, assignment and
    edit, and every view of its private original photos — who (user, role), when, from
    which request and address, what before and after. Staff only."""
    if repository.get(session, complaint_id) is None:
        raise NotFound(field="complaint_id")
    events = audit_trail.for_complaint(
        session,
        complaint_id,
        photo_ids=[photo.id for photo in repository.photos_of(session, [complaint_id])],
        after_id=cursor or 0,
        limit=limit + 1,
    )
    return page_of(session=session, events=events, limit=limit)
