"""A report's own records over HTTP: its audit trail, for staff who need to know."""

import uuid

from fastapi import APIRouter

from service.audit import repository as audit_trail
from service.audit.schemas import AuditPage, Cursor, Limit
from service.audit.service import page_of
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.identity.policies import StaffUser
from service.reports import repository, views
from service.reports.policies import Audience

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=responses(NotAuthenticated, PermissionDenied))


class NotNeedToKnow(PermissionDenied):
    """A staff member outside the report's need-to-know (service/reports/policies.py).

    It keeps the code ``forbidden``, already documented on the route: a code of its own
    would change the mobile contract's document for a route the app never calls."""

    message = "Công việc của bạn không cần đến dữ liệu cá nhân của phản ánh này (Nghị định 13/2023/NĐ-CP)."
    message_en = "Your work does not need this report's personal data (Decree 13/2023)."


# Refused rather than redacted: the trail names the citizen and the network address they
# sent from, and its before/after copies hold whatever a change touched. Staff outside the
# need-to-know see the report as the public does, and the public has no audit trail.
@router.get("/complaints/{complaint_id}/events", response_model=AuditPage, responses=responses(NotFound))
def complaint_events(
    complaint_id: uuid.UUID, user: StaffUser, session: SessionDep, cursor: Cursor = None, limit: Limit = 50
):
    """The report's audit trail, oldest first: every change of state, assignment and
    edit, and every view of its private original photos — who (user, role), when, from
    which request and address, what before and after. Staff only."""
    complaint = repository.get(session, complaint_id)
    if complaint is None:
        raise NotFound(field="complaint_id")
    if views.audience(session, user, complaint) != Audience.staff:
        raise NotNeedToKnow(field="complaint_id")
    events = audit_trail.for_complaint(
        session,
        complaint_id,
        photo_ids=[photo.id for photo in repository.photos_of(session, [complaint_id])],
        after_id=cursor or 0,
        limit=limit + 1,
    )
    return page_of(session=session, events=events, limit=limit)
