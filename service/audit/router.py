"""Searching the whole audit trail, for admins (a report's own trail: service/reports/router.py)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from service.audit import service
from service.audit.schemas import AuditPage, Cursor, Limit
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, PermissionDenied, responses
from service.core.schemas import INT_MAX
from service.core.settings import LOCAL_TZ
from service.identity.policies import AdminUser

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=responses(NotAuthenticated, PermissionDenied))


def _aware(moment: datetime | None) -> datetime | None:
    # A time without a zone is what an officer in Thái Nguyên means by it.
    return moment.replace(tzinfo=LOCAL_TZ) if moment is not None and moment.tzinfo is None else moment


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
    return service.search(
        session=session,
        actor_id=actor_id,
        action_prefix=action,
        object_type=object_type,
        object_id=object_id,
        since=_aware(since),
        until=_aware(until),
        before_id=cursor,
        limit=limit,
    )
