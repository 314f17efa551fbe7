import uuid
from typing import Any

from pydantic import BaseModel, Field

from service.core.schemas import LocalDatetime, ReadModel
from service.reports.models import ComplaintStatus, PhotoStatus, Visibility


class CategoryBrief(ReadModel):
    code: str
    name: str
    name_en: str


class AreaBrief(ReadModel):
    # Two models are named AreaBrief (this one and the areas API's), so the OpenAPI document
    # names them by module: the mobile contract published this one under its first home.
    __module__ = "service.intake.schemas"

    code: str
    name: str
    full_name: str
    full_name_en: str


class PhotoUrls(BaseModel):
    large: str
    thumb: str
    original: str | None = Field(default=None, description="Staff only")


class PhotoRead(BaseModel):
    id: uuid.UUID
    position: int
    kind: str
    status: PhotoStatus
    failure_reason: str | None = None
    width: int
    height: int
    urls: PhotoUrls | None = Field(default=None, description="Signed, expiring URLs once the photo is processed")


class Actor(BaseModel):
    id: int
    full_name: str
    role: str


class TimelineEntry(BaseModel):
    at: LocalDatetime
    action: str
    label: str = Field(description="What happened, in Vietnamese")
    label_en: str
    from_status: ComplaintStatus | None = None
    to_status: ComplaintStatus | None = None
    note: str | None = None
    # Staff only: who did it and their working remark (why it was returned, transferred).
    actor: Actor | None = None
    internal_note: str | None = None
    details: dict[str, Any] | None = Field(default=None, description="Staff only: units, officers, codes involved")


class ComplaintRef(BaseModel):
    id: uuid.UUID
    code: str


class HandlingUnit(ReadModel):
    code: str
    name: str
    name_en: str


class Handler(BaseModel):
    id: int
    full_name: str


class Reporter(BaseModel):
    id: int
    full_name: str
    phone: str | None


class ComplaintRead(BaseModel):
    id: uuid.UUID
    code: str = Field(examples=["PA-2026-000123"])
    status: ComplaintStatus
    category: CategoryBrief
    description: str
    lat: float
    lon: float
    accuracy_m: float | None = None
    address: str | None = None
    area: AreaBrief
    visibility: Visibility
    priority: str
    submitted_at: LocalDatetime
    captured_at: LocalDatetime | None = None
    photos: list[PhotoRead]
    timeline: list[TimelineEntry]
    unit: HandlingUnit | None = Field(default=None, description="The unit handling it; none while a dispatcher decides")
    is_mine: bool = Field(description="The caller sent this report")
    result: str | None = Field(default=None, description="What the officer did, once resolved")
    resolved_at: LocalDatetime | None = None
    rating: int | None = Field(default=None, description="The citizen's rating, 1–5")
    rating_comment: str | None = None
    ack_due_at: LocalDatetime | None = Field(default=None, description="When it must be acknowledged (working time)")
    resolve_due_at: LocalDatetime | None = Field(default=None, description="When it must be resolved (working time)")
    due_at: LocalDatetime | None = Field(
        default=None, description="The deadline running now; none while waiting for the citizen or once finished"
    )
    duplicate_of: ComplaintRef | None = Field(
        default=None, description="For a report confirmed as a duplicate: the report to follow instead"
    )
    # Staff only: who sent it and what the photo pipeline noticed.
    reporter: Reporter | None = None
    officer: Handler | None = None
    flags: list[str] | None = None
    dispatch_reason: str | None = None
    duplicate_candidates: list["NearbyReport"] | None = Field(
        default=None, description="Staff only: open reports nearby of the same kind, nearest first"
    )


class ComplaintSummary(BaseModel):
    id: uuid.UUID
    code: str
    status: ComplaintStatus
    category: CategoryBrief
    area: AreaBrief
    description: str
    submitted_at: LocalDatetime
    thumb_url: str | None = None


class NearbyReport(ComplaintSummary):
    distance_m: float = Field(description="Metres from the given point")


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    total: int
    offset: int
    limit: int
