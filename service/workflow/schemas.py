"""Bodies of the handling actions and the dispatcher queue's answer."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from service.categories.models import Priority
from service.core.errors import ErrorBody
from service.core.schemas import VISIBLE, DbId, Input, LocalDatetime
from service.reports.models import ComplaintStatus
from service.reports.schemas import ComplaintSummary, HandlingUnit

# A reason someone will read later (the citizen, or the next unit): a few words at least,
# and words that show (service/core/schemas.py, VisibleText).
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000), VISIBLE]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), VISIBLE]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class RouteBody(Input):
    unit_code: UnitCode = Field(examples=["05528-KTHT"])
    note: Note | None = Field(default=None, description="For the unit; the citizen does not see it")


class TransferBody(Input):
    unit_code: UnitCode = Field(examples=["EVN-TN"])
    reason: Reason = Field(description="Why it belongs to the other unit; staff only")


class ReturnBody(Input):
    reason: Reason = Field(description="Why it is not this unit's job; staff only")


class ReassignBody(Input):
    officer_id: DbId
    reason: Note | None = Field(default=None, description="Staff only")


class RejectKind(StrEnum):
    spam = "spam"
    not_actionable = "not_actionable"  # nothing a public body can do, or not enough to act on
    out_of_scope = "out_of_scope"  # a private dispute, a matter for the courts, ...


class RejectBody(Input):
    kind: RejectKind
    reason: Reason = Field(description="Shown to the citizen on their report")


class DuplicateBody(Input):
    original_code: str = Field(pattern=r"^PA-\d{4}-\d{6,}$", examples=["PA-2026-000123"])
    note: Note | None = Field(default=None, description="Shown to the citizen with the pointer to the original")


class ClearFlagsBody(Input):
    note: Note | None = Field(default=None, description="What was checked; staff only")


class ChangeCategoryBody(Input):
    category_code: str = Field(min_length=1, max_length=40, examples=["street_light"])
    reason: Reason = Field(description="Why the category was wrong; staff only")


class ChangePriorityBody(Input):
    priority: Priority
    reason: Reason = Field(description="Why it is more or less pressing; staff only")


class EditAddressBody(Input):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500), VISIBLE] = Field(
        description="The address as people find the place; the citizen and the public read it"
    )
    reason: Note | None = Field(default=None, description="Staff only")


class QueueReason(StrEnum):
    no_rule = "no_rule"
    unit_inactive = "unit_inactive"
    no_officer = "no_officer"
    returned = "returned"
    flagged = "flagged"


class DispatchItem(ComplaintSummary):
    dispatch_reason: str | None = Field(description="Why it waits here; null for a flagged report still in hand")
    flags: list[str]
    unit: HandlingUnit | None = Field(description="The unit holding it, or the one a rule meant")


class DispatchPage(BaseModel):
    items: list[DispatchItem]
    total: int
    offset: int
    limit: int


class NoteBody(Input):
    note: Note | None = Field(default=None, description="Staff only")


class QuestionBody(Input):
    question: Reason = Field(description="What the citizen is asked; they read it on their report")


class AnswerBody(Input):
    answer: Reason = Field(description="The citizen's answer; the officer reads it on the timeline")


class RatingBody(Input):
    rating: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy)")
    comment: Note | None = None


class ReopenBody(Input):
    reason: Reason = Field(description="What is still wrong")


class ExtendBody(Input):
    working_days: int = Field(ge=1, le=30)
    reason: Reason


class ExtensionDecisionBody(Input):
    approve: bool
    note: Note | None = None


class QueueSort(StrEnum):
    deadline = "deadline"  # the nearest deadline first, none last (paged by keyset)
    submitted = "submitted"  # the newest first
    priority = "priority"  # the most urgent first, then by deadline


class DeadlineBand(StrEnum):
    """Where a report stands against the deadline running now (the queue's tabs)."""

    overdue = "overdue"  # past it
    soon = "soon"  # due within 4 working hours
    later = "later"
    paused = "paused"  # the clock waits for the citizen's answer


Search = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class QueueFilters(Input):
    """A view of the queue: what ``GET /api/v1/queue`` takes besides paging, and what a
    saved filter keeps."""

    q: Search | None = Field(
        default=None,
        description="Words of the code, description or address, with or without Vietnamese marks "
        "(each must start a word); or the reporter's phone, on the reports whose reporter the caller may know",
        examples=["o ga", "PA-2026-000123", "0912345678"],
    )
    status: list[ComplaintStatus] | None = Field(default=None, description="Default: every state in hand")
    category_code: str | None = Field(default=None, max_length=40)
    area_code: str | None = Field(default=None, max_length=20, description="Ward code, e.g. 05528")
    priority: list[Priority] | None = None
    band: DeadlineBand | None = Field(default=None, description="Against the deadline running now")
    officer_id: DbId | None = Field(default=None, description="Leads: one officer's reports")
    unit: bool = Field(default=True, description="Leads: the whole unit's reports (default), or only their own")
    sort: QueueSort = QueueSort.deadline


class QueueItem(ComplaintSummary):
    priority: str
    due_at: LocalDatetime | None = Field(description="The deadline running now; none while waiting for the citizen")
    overdue: bool
    band: DeadlineBand | None = Field(default=None, description="Null when no deadline runs (waiting for dispatch)")
    unit: HandlingUnit | None
    officer_id: int | None
    officer_name: str | None = Field(default=None, description="Who holds it, for staff who need to know")
    address: str | None = None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last")


class QueueCounts(BaseModel):
    """How many reports each tab of a view holds: all of them, and each deadline band."""

    all: int
    overdue: int
    soon: int
    later: int
    paused: int


SavedFilterName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), VISIBLE]


class SavedFilterCreate(Input):
    name: SavedFilterName = Field(examples=["Quá hạn ở Bách Quang"])
    filters: QueueFilters


class SavedFilterRead(BaseModel):
    id: int
    name: str
    filters: QueueFilters


class BulkAction(StrEnum):
    reassign = "reassign"
    route = "route"
    reject = "reject"


# At most a long page of the queue at once: the whole request stays one short transaction.
BULK_MAX = 100
ComplaintIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=BULK_MAX)]


class BulkReassignBody(ReassignBody):
    complaint_ids: ComplaintIds


class BulkRouteBody(RouteBody):
    complaint_ids: ComplaintIds


class BulkRejectBody(RejectBody):
    complaint_ids: ComplaintIds


class BulkOutcome(StrEnum):
    done = "done"
    refused = "refused"


class BulkItem(BaseModel):
    complaint_id: uuid.UUID
    code: str | None = Field(description="Null for an id that names no report the caller may know")
    outcome: BulkOutcome
    status: ComplaintStatus | None = Field(description="The report's state after the action (done) or as it is")
    refusal: ErrorBody | None = Field(default=None, description="Why it was refused, as the single action says")


class BulkResult(BaseModel):
    action: BulkAction
    done: int
    refused: int
    items: list[BulkItem] = Field(description="One per report, in the order asked")
