"""The submission's own shape; the answers are the report's (service/reports/schemas.py)."""

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from service.core.schemas import VISIBLE, Input, LocalDatetime, VisibleText
from service.reports.models import Channel, ComplaintStatus, Visibility
from service.reports.schemas import (
    AreaBrief,
    CategoryBrief,
    ComplaintRead,
    ComplaintRef,
    HandlingUnit,
    NearbyReport,
    Reporter,
)

# Text people write and others read (the description, the address) must show: see
# VisibleText in service/core/schemas.py.
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), VISIBLE]


class ComplaintSubmission(Input):
    """The JSON part ``complaint`` of ``POST /api/v1/complaints``."""

    category_code: str = Field(min_length=1, max_length=40, examples=["pothole"])
    description: VisibleText = Field(min_length=1, max_length=4000, description="What is wrong, up to 4,000 characters")
    lat: float = Field(ge=-90, le=90, description="Latitude of the problem, WGS 84")
    lon: float = Field(ge=-180, le=180, description="Longitude of the problem, WGS 84")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, description="GPS accuracy in metres")
    address: Address | None = None
    captured_at: AwareDatetime | None = Field(
        default=None, description="When the photos were taken on the phone, with its offset"
    )
    visibility: Visibility = Visibility.public


class CallerSubmission(Input):
    """The JSON part ``complaint`` of ``POST /api/v1/staff/complaints``: a report a staff
    member takes for someone who phoned the hotline or came to the office."""

    channel: Literal[Channel.hotline, Channel.walk_in] = Field(
        description="How the caller reached us: `hotline` (a phone call) or `walk_in` (in person)"
    )
    caller_phone: str = Field(
        min_length=1,
        max_length=32,
        examples=["0912 345 678"],
        description="The caller's Vietnamese mobile number, in any common format: their citizen account "
        "is found by it, or opened for them",
    )
    caller_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120), VISIBLE] | None = Field(
        default=None, description="Kept on an account opened now; an existing account keeps its own"
    )
    category_code: str = Field(min_length=1, max_length=40, examples=["pothole"])
    description: VisibleText = Field(min_length=1, max_length=4000, description="What is wrong, up to 4,000 characters")
    lat: float | None = Field(default=None, ge=-90, le=90, description="A point chosen on the map, WGS 84")
    lon: float | None = Field(default=None, ge=-180, le=180)
    area_code: str | None = Field(
        default=None,
        max_length=10,
        examples=["05528"],
        description="The ward or commune, when no point is given (then ``address`` is needed): the report is "
        "placed at a point inside the ward. With a point, the point must lie in this ward.",
    )
    address: Address | None = None
    visibility: Visibility = Visibility.public


class TakenReport(ComplaintRead):
    """A report taken for a caller, as the staff member who took it sees it."""

    caller_registered: bool = Field(
        description="The caller already uses the app; otherwise they register in it with this phone to "
        "log in and follow the report"
    )
    code_sent_by_sms: bool = Field(
        description="The report's code is on its way to the caller by SMS (false when SMS is not configured)"
    )
    claim_code: str | None = Field(
        default=None,
        description="Only when the caller has no login yet, and only in this answer: a one-time 6-digit code to "
        "tell them; they register in the app with this phone and the code to follow their reports",
    )


# ComplaintRead names NearbyReport before it is defined; the subclass resolves it here.
TakenReport.model_rebuild(_types_namespace={"NearbyReport": NearbyReport})


class LastStep(BaseModel):
    action: str
    label: str = Field(description="What happened last, in Vietnamese")
    label_en: str
    at: LocalDatetime


class CallerAnswer(BaseModel):
    """What a staff member tells a caller who asks how their report is doing."""

    id: uuid.UUID
    code: str = Field(examples=["PA-2026-000123"])
    status: ComplaintStatus
    last_step: LastStep | None = Field(description="The latest line of the report's public timeline, in words")
    channel: Channel
    category: CategoryBrief
    area: AreaBrief
    address: str | None = None
    submitted_at: LocalDatetime
    unit: HandlingUnit | None = Field(default=None, description="The unit handling it; none while a dispatcher decides")
    ack_due_at: LocalDatetime | None = None
    resolve_due_at: LocalDatetime | None = None
    due_at: LocalDatetime | None = Field(default=None, description="The deadline running now")
    resolved_at: LocalDatetime | None = None
    result: str | None = None
    duplicate_of: ComplaintRef | None = None
    reporter: Reporter | None = Field(
        default=None,
        description="Only for staff whose work needs the reporter's details (service/reports/policies.py): "
        "to check they are speaking with the person who reported it",
    )
