"""Bodies of the handling actions and the dispatcher queue's answer."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from service.core.schemas import DbId, Input, LocalDatetime
from service.reports.schemas import ComplaintSummary, HandlingUnit

# A reason someone will read later (the citizen, or the next unit): a few words at least.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
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


class QueueItem(ComplaintSummary):
    priority: str
    due_at: LocalDatetime | None = Field(description="The deadline running now; none while waiting for the citizen")
    overdue: bool
    unit: HandlingUnit | None
    officer_id: int | None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last")
