"""`/api/v1/ioc/map/*`: the IOC's live map of open reports."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, PhanAnhError, responses
from service.core.timeutil import utcnow
from service.maps import service
from service.maps.policies import StaffMap
from service.maps.repository import MarkerFilter
from service.maps.schemas import MapPeriod, MarkerDetail, MarkerSet
from service.reports.models import OPEN_STATUSES, ComplaintStatus

router = APIRouter(prefix="/api/v1/ioc/map", tags=["ioc"], responses=responses(NotAuthenticated, PermissionDenied))


class InvalidMapStatus(PhanAnhError):
    status_code = 422
    code = "invalid_status"
    message = "Bản đồ chỉ hiện phản ánh đang mở: trạng thái này không có trên bản đồ."
    message_en = "The map shows open reports only: this state is not on it."


@router.get("/markers", response_model=MarkerSet, responses=responses(UnknownCategory, InvalidMapStatus))
def markers(
    view: StaffMap,
    session: SessionDep,
    category: Annotated[str | None, Query(max_length=40, description="A category code; all when absent")] = None,
    state: Annotated[ComplaintStatus | None, Query(description="One open state; all open ones when absent")] = None,
    period: Annotated[MapPeriod | None, Query(description="Received in the last day, week, 30 or 90 days")] = None,
):
    """The open reports in the caller's scope (a lead: their unit; dispatchers and admins:
    the province) as compact columns: place, deadline band, state, category and code, with
    the lookup tables they index. No reporter's name or phone is ever on the map."""
    category_id = None
    if category is not None:
        found = categories.get_by_code(session, category)
        if found is None:
            raise UnknownCategory(field="category")
        category_id = found.id
    if state is not None and state not in OPEN_STATUSES:
        raise InvalidMapStatus(field="state")
    where = MarkerFilter(
        category_id=category_id,
        status=state.value if state is not None else None,
        since=service.since(period=period, now=utcnow()),
    )
    # Written by the service as JSON of the MarkerSet schema: 50,000 markers are not read back.
    return Response(service.markers(session=session, view=view, where=where), media_type="application/json")


@router.get("/markers/{code}", response_model=MarkerDetail, responses=responses(NotFound))
def marker(
    view: StaffMap,
    session: SessionDep,
    code: Annotated[str, Path(min_length=1, max_length=20, examples=["PA-2026-000123"])],
):
    """A marker's popup: code, category, state, deadline band, a thumbnail (signed for the
    caller) and the report's page in the console. Reports outside the caller's scope are 404."""
    return service.marker(session=session, view=view, code=code)
