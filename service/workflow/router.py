"""Handling actions on a report, ``POST /api/v1/complaints/{id}/actions/<action>``, and
the dispatcher's queue. Each action answers with the report as its caller may now see it
(service/reports/policies.py): the reporter's details only for those who need to know."""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from service.categories.errors import UnknownCategory
from service.categories.models import Priority
from service.core.clock import RequestTime
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.paging import InvalidCursor
from service.core.schemas import INT_MAX, IdPath
from service.identity.models import User
from service.identity.policies import CitizenUser, DispatcherUser, StaffUser
from service.media.imaging import MAX_BYTES
from service.media.storage import get_storage
from service.media.uploads import Upload
from service.reports import views
from service.reports.errors import InvalidSubmission, MissingPhoto, PhotoInvalid, TooManyPhotos
from service.reports.models import Complaint, ComplaintStatus, flags_of
from service.reports.policies import Audience
from service.reports.schemas import ComplaintRead, HandlingUnit
from service.units import repository as units
from service.workflow import bulk, queue, repository, service
from service.workflow.errors import (
    ExtensionPending,
    InvalidOfficer,
    InvalidTransition,
    NobodyInUnit,
    NoExtensionPending,
    NoQueue,
    NothingFlagged,
    NotYourReport,
    OriginalNotOpen,
    ReopenWindowPassed,
    SameUnit,
    UnknownOriginal,
    UnknownUnit,
)
from service.workflow.schemas import (
    AnswerBody,
    BulkAction,
    BulkReassignBody,
    BulkRejectBody,
    BulkResult,
    BulkRouteBody,
    ChangeCategoryBody,
    ChangePriorityBody,
    ClearFlagsBody,
    DeadlineBand,
    DispatchItem,
    DispatchPage,
    DuplicateBody,
    EditAddressBody,
    ExtendBody,
    ExtensionDecisionBody,
    NoteBody,
    QuestionBody,
    QueueCounts,
    QueueFilters,
    QueuePage,
    QueueReason,
    QueueSort,
    RatingBody,
    ReassignBody,
    RejectBody,
    ReopenBody,
    ReturnBody,
    RouteBody,
    SavedFilterCreate,
    SavedFilterRead,
    TransferBody,
)

router = APIRouter(prefix="/api/v1/complaints/{complaint_id}/actions", tags=["handling"])
queue_router = APIRouter(prefix="/api/v1/dispatch", tags=["handling"])
work_router = APIRouter(prefix="/api/v1/queue", tags=["handling"])

ACTION_ERRORS = (NotAuthenticated, PermissionDenied, NotYourReport, NotFound, InvalidTransition)


def _units_of(session: Any, complaints: Sequence[Complaint]) -> dict[int, HandlingUnit]:
    ids = {c.current_unit_id for c in complaints if c.current_unit_id}
    return {u.id: HandlingUnit.model_validate(u) for u in (units.get(session, i) for i in ids) if u and u.id}


def _answer(session: Any, user: User, complaint: Complaint) -> ComplaintRead:
    """The report after an action, as the policy lets the caller see it now. Whoever just
    acted may know it exists: the public view is the least they get."""
    audience = views.audience(session, user, complaint) or Audience.public
    return views.complaint_read(session, complaint, audience, user)


def _act(
    action: Callable[..., Complaint], session: Any, user: User, complaint_id: uuid.UUID, body: Any, now: datetime
) -> ComplaintRead:
    done = action(session=session, user=user, complaint_id=complaint_id, body=body, now=now)
    return _answer(session, user, done)


# ---------------------------------------------------------------- the officer holding it


@router.post("/acknowledge", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def acknowledge(
    complaint_id: uuid.UUID, user: StaffUser, session: SessionDep, now: RequestTime, body: NoteBody | None = None
):
    """Seen and accepted by the officer holding it: the acknowledgement clock stops."""
    return _act(service.acknowledge, session, user, complaint_id, body or NoteBody(), now)


@router.post("/start", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def start(
    complaint_id: uuid.UUID, user: StaffUser, session: SessionDep, now: RequestTime, body: NoteBody | None = None
):
    """Work has begun (``acknowledged`` → ``in_progress``)."""
    return _act(service.start, session, user, complaint_id, body or NoteBody(), now)


@router.post("/request-info", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def request_info(complaint_id: uuid.UUID, body: QuestionBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Ask the citizen a question (they read it on their report). The resolution clock
    pauses until they answer."""
    return _act(service.request_info, session, user, complaint_id, body, now)


@router.post(
    "/resolve",
    response_model=ComplaintRead,
    responses=responses(*ACTION_ERRORS, InvalidSubmission, MissingPhoto, TooManyPhotos, PhotoInvalid),
)
async def resolve(
    complaint_id: uuid.UUID,
    user: StaffUser,
    session: SessionDep,
    now: RequestTime,
    result: Annotated[str | None, Form(max_length=4000, description="What was done; the citizen reads it")] = None,
    photos: Annotated[list[UploadFile] | None, File(description="1 to 6 after-photos")] = None,
):
    """Done: ``multipart/form-data`` with the text ``result`` and 1–6 after-photos
    ``photos``. The citizen is asked to rate it, and may reopen it if it is not fixed."""
    text = service.check_result(result=result)  # before the photos are read
    uploads = [Upload(p.filename, await p.read(MAX_BYTES + 1)) for p in photos or []]

    def run() -> ComplaintRead:
        done = service.resolve(
            session=session,
            storage=get_storage(),
            user=user,
            complaint_id=complaint_id,
            result=text,
            uploads=uploads,
            now=now,
        )
        return _answer(session, user, done)

    return await run_in_threadpool(run)


@router.post("/extend", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, ExtensionPending))
def extend(complaint_id: uuid.UUID, body: ExtendBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Ask the unit's lead for more working days (gia hạn), with a reason."""
    return _act(service.request_extension, session, user, complaint_id, body, now)


@router.post(
    "/approve-extension", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, NoExtensionPending)
)
def approve_extension(
    complaint_id: uuid.UUID, body: ExtensionDecisionBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The unit's lead: grant (``approve: true``, the resolution deadline moves by the
    working days asked) or refuse the pending request."""
    return _act(service.decide_extension, session, user, complaint_id, body, now)


# ---------------------------------------------------------------- the citizen who sent it


@router.post("/answer", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def answer(complaint_id: uuid.UUID, body: AnswerBody, user: CitizenUser, session: SessionDep, now: RequestTime):
    """Answer the officer's question; the report goes back to work and its clock runs."""
    return _act(service.answer, session, user, complaint_id, body, now)


@router.post("/rate", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def rate(complaint_id: uuid.UUID, body: RatingBody, user: CitizenUser, session: SessionDep, now: RequestTime):
    """Rate a resolved report 1–5 (with a comment); this closes it."""
    return _act(service.rate, session, user, complaint_id, body, now)


@router.post("/reopen", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, ReopenWindowPassed))
def reopen(complaint_id: uuid.UUID, body: ReopenBody, user: CitizenUser, session: SessionDep, now: RequestTime):
    """Not fixed: back to the officer who resolved it, within the reopening window."""
    return _act(service.reopen, session, user, complaint_id, body, now)


# ---------------------------------------------------------------- moving it between people


@router.post("/route", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, UnknownUnit, NobodyInUnit))
def route(complaint_id: uuid.UUID, body: RouteBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Dispatcher: give a report from the queue to a unit; the unit's officer for its
    category (or its lead) gets it, as routing would have chosen."""
    return _act(service.route, session, user, complaint_id, body, now)


@router.post(
    "/transfer", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, UnknownUnit, SameUnit, NobodyInUnit)
)
def transfer(complaint_id: uuid.UUID, body: TransferBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """The officer holding it, their lead or a dispatcher: pass it to another unit, saying
    why. It starts again as ``assigned`` with an officer of that unit."""
    return _act(service.transfer, session, user, complaint_id, body, now)


@router.post("/return", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def return_to_dispatcher(
    complaint_id: uuid.UUID, body: ReturnBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The officer holding it or their lead: "not our job" — back to the dispatcher queue
    with the reason."""
    return _act(service.return_to_dispatcher, session, user, complaint_id, body, now)


@router.post("/reassign", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, InvalidOfficer))
def reassign(complaint_id: uuid.UUID, body: ReassignBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """The unit's lead: give it to another officer of the unit (it is ``assigned`` again)."""
    return _act(service.reassign, session, user, complaint_id, body, now)


@router.post("/reject", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def reject(complaint_id: uuid.UUID, body: RejectBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Dispatcher: spam, not actionable or out of scope. The reason is shown to the citizen."""
    return _act(service.reject, session, user, complaint_id, body, now)


@router.post(
    "/mark-duplicate",
    response_model=ComplaintRead,
    responses=responses(*ACTION_ERRORS, UnknownOriginal, OriginalNotOpen),
)
def mark_duplicate(
    complaint_id: uuid.UUID, body: DuplicateBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The officer holding it, their lead or a dispatcher: the same problem as an earlier
    report. This one closes with a pointer to the original (the original's original, if
    it was itself merged), and its citizen follows the original from now on."""
    return _act(service.mark_duplicate, session, user, complaint_id, body, now)


@router.post("/clear-flags", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS, NothingFlagged))
def clear_flags(complaint_id: uuid.UUID, body: ClearFlagsBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Dispatcher: the photo flags (location mismatch, reused photo) were looked at and
    the report goes on as it is; it leaves the dispatcher queue."""
    return _act(service.clear_flags, session, user, complaint_id, body, now)


# ---------------------------------------------------------------- correcting it


@router.post(
    "/change-category",
    response_model=ComplaintRead,
    responses=responses(*ACTION_ERRORS, UnknownCategory, NobodyInUnit),
)
def change_category(
    complaint_id: uuid.UUID, body: ChangeCategoryBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The officer holding it, their lead or a dispatcher: the report is about something
    else. Its deadlines follow the new category's SLA policy, keeping the working time
    already spent. When the routing rules give the new category to another unit in the
    report's ward, it goes there as a transfer would (``assigned``, to an officer of that
    unit, who has a fresh acknowledgement deadline); otherwise it stays with its officer.
    A report waiting in the dispatcher queue stays there. The citizen sees that the category
    was corrected; the reason is for staff. The category it already has changes nothing."""
    return _act(service.change_category, session, user, complaint_id, body, now)


@router.post("/change-priority", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def change_priority(
    complaint_id: uuid.UUID, body: ChangePriorityBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The unit's lead or a dispatcher: the running deadlines are recomputed from the SLA
    policy of the new priority, counted from when each clock started (so the working time
    already spent, the waits for the citizen and the extensions granted are kept). The
    citizen sees that the priority changed; the reason is for staff."""
    return _act(service.change_priority, session, user, complaint_id, body, now)


@router.post("/edit-address", response_model=ComplaintRead, responses=responses(*ACTION_ERRORS))
def edit_address(
    complaint_id: uuid.UUID, body: EditAddressBody, user: StaffUser, session: SessionDep, now: RequestTime
):
    """The officer holding it, their lead or a dispatcher: correct the address text (the
    pin, the ward, the unit and the deadlines stay as they are)."""
    return _act(service.edit_address, session, user, complaint_id, body, now)


@queue_router.get("/queue", response_model=DispatchPage, responses=responses(NotAuthenticated, PermissionDenied))
def dispatch_queue(
    user: DispatcherUser,
    session: SessionDep,
    reason: QueueReason | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """What waits for a dispatcher, longest waiting first: reports no rule covers, whose
    unit is inactive or has nobody on duty, returned by a unit, and reports the photo
    pipeline flagged (still with their officer) until a dispatcher clears them."""
    items, total = repository.dispatch_queue(session, reason=reason, offset=offset, limit=limit)
    unit_by_id = _units_of(session, items)
    listed = [
        DispatchItem(
            **summary.model_dump(),
            dispatch_reason=complaint.dispatch_reason,
            flags=flags_of(complaint),
            unit=unit_by_id.get(complaint.current_unit_id or 0),
        )
        for summary, complaint in zip(views.summaries(session, items, viewer=user), items, strict=True)
    ]
    return DispatchPage(items=listed, total=total, offset=offset, limit=limit)


def queue_filters(
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Words of the code, description or address, with or without Vietnamese marks (each "
            "must start a word: `o ga` finds `Ổ gà`); or the reporter's phone, matched on the reports whose "
            "reporter the caller may know",
        ),
    ] = None,
    status: Annotated[list[ComplaintStatus] | None, Query(description="Default: every state in hand")] = None,
    category_code: Annotated[str | None, Query(max_length=40)] = None,
    area_code: Annotated[str | None, Query(max_length=20, description="Ward code, e.g. 05528")] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    band: Annotated[
        DeadlineBand | None,
        Query(description="Against the deadline running now: overdue, due within 4 working hours, later, paused"),
    ] = None,
    officer_id: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Leads: one officer's reports")] = None,
    overdue: Annotated[bool, Query(description="Only those past the deadline running now (band=overdue)")] = False,
    unit: Annotated[bool, Query(description="Leads: the whole unit's reports (default), or only their own")] = True,
    sort: QueueSort = QueueSort.deadline,
) -> QueueFilters:
    try:
        return QueueFilters(
            q=q or None,
            status=status,
            category_code=category_code,
            area_code=area_code,
            priority=priority,
            band=band or (DeadlineBand.overdue if overdue else None),
            officer_id=officer_id,
            unit=unit,
            sort=sort,
        )
    except ValidationError as invalid:  # text PostgreSQL cannot store (a NUL): refused like any bad parameter
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in invalid.errors()]) from invalid


QueueView = Annotated[QueueFilters, Depends(queue_filters)]
QUEUE_ERRORS = (NotAuthenticated, NoQueue, UnknownCategory, NotFound)


@work_router.get("", response_model=QueuePage, responses=responses(*QUEUE_ERRORS, InvalidCursor))
def work_queue(
    user: StaffUser,
    session: SessionDep,
    now: RequestTime,
    filters: QueueView,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """The caller's work: an officer's own reports, a lead's unit's, a dispatcher's whole
    province; searched, filtered and sorted (the nearest deadline first by default). Paged
    with ``next_cursor``."""
    return queue.page(session=session, user=user, filters=filters, cursor=cursor, limit=limit, now=now)


@work_router.get("/counts", response_model=QueueCounts, responses=responses(*QUEUE_ERRORS))
def queue_counts(user: StaffUser, session: SessionDep, now: RequestTime, filters: QueueView):
    """How many reports the view holds, in all and per deadline band (its tabs): the same
    filters as ``GET /api/v1/queue``, ``band`` aside."""
    return queue.counts(session=session, user=user, filters=filters, now=now)


@work_router.get("/filters", response_model=list[SavedFilterRead], responses=responses(NotAuthenticated))
def saved_filters(user: StaffUser, session: SessionDep):
    """The caller's saved views of the queue, by name."""
    return queue.saved_filters(session=session, user=user)


@work_router.post("/filters", response_model=SavedFilterRead, status_code=201, responses=responses(*QUEUE_ERRORS))
def save_filter(body: SavedFilterCreate, user: StaffUser, session: SessionDep):
    """Keep a view of the queue under a name (for the caller alone); the same name again
    replaces it."""
    return queue.save_filter(session=session, user=user, body=body)


@work_router.delete(
    "/filters/{filter_id}", status_code=204, response_class=Response, responses=responses(NotAuthenticated, NotFound)
)
def forget_filter(filter_id: IdPath, user: StaffUser, session: SessionDep):
    """Delete one of the caller's saved views."""
    queue.forget_filter(session=session, user=user, filter_id=filter_id)
    return Response(status_code=204)


def _bulk(action: BulkAction, session: Any, user: User, body: bulk.BulkBody, now: datetime) -> BulkResult:
    return bulk.run(session=session, user=user, action=action, body=body, now=now)


@work_router.post("/bulk/reassign", response_model=BulkResult, responses=responses(NotAuthenticated))
def bulk_reassign(body: BulkReassignBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """The unit's lead: give several reports (1–100) to one officer of the unit. Each is
    handled as the single action handles it, in its own savepoint: the answer has one result
    per report, ``done`` or ``refused`` with the refusal's code and words."""
    return _bulk(BulkAction.reassign, session, user, body, now)


@work_router.post("/bulk/route", response_model=BulkResult, responses=responses(NotAuthenticated))
def bulk_route(body: BulkRouteBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Dispatcher: send several reports (1–100) waiting for dispatch to one unit. Each is
    handled as the single action handles it, in its own savepoint: the answer has one result
    per report, ``done`` or ``refused`` with the refusal's code and words."""
    return _bulk(BulkAction.route, session, user, body, now)


@work_router.post("/bulk/reject", response_model=BulkResult, responses=responses(NotAuthenticated))
def bulk_reject(body: BulkRejectBody, user: StaffUser, session: SessionDep, now: RequestTime):
    """Dispatcher: reject several reports (1–100) with one kind and reason (each citizen
    reads it). Each is handled as the single action handles it, in its own savepoint: the
    answer has one result per report, ``done`` or ``refused`` with the refusal's code and words."""
    return _bulk(BulkAction.reject, session, user, body, now)
