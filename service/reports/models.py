"""Reports (phản ánh): the report, its photos (the private original and the public
derivatives), its timeline, followers and extension requests."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, optional_time_field, updated_at_field


class ComplaintStatus(StrEnum):
    submitted = "submitted"
    assigned = "assigned"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    awaiting_info = "awaiting_info"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    rejected = "rejected"
    duplicate = "duplicate"


# With an officer and not finished: what counts towards an officer's load.
IN_HAND_STATUSES = frozenset(
    {
        ComplaintStatus.assigned,
        ComplaintStatus.acknowledged,
        ComplaintStatus.in_progress,
        ComplaintStatus.awaiting_info,
        ComplaintStatus.reopened,
    }
)
IN_HAND_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(IN_HAND_STATUSES)) + ")"
# Neither finished nor set aside: a new report nearby may be the same problem.
OPEN_STATUSES = IN_HAND_STATUSES | {ComplaintStatus.submitted}
OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"


# What the IOC's figures group reports by (service/ioc/repository.py).
IOC_GROUPS = ["current_officer_id", "current_unit_id", "category_id", "area_id"]


class Visibility(StrEnum):
    public = "public"
    private = "private"


class Channel(StrEnum):
    mobile = "mobile"
    web = "web"
    open311 = "open311"
    # Taken by staff for someone who phoned the hotline or came to the office in person.
    hotline = "hotline"
    walk_in = "walk_in"


class Complaint(SQLModel, table=True):
    __tablename__ = "complaints"
    __table_args__ = (
        # A phone resending the same submission finds its first report by this pair.
        UniqueConstraint("citizen_id", "idempotency_key", name="uq_complaints_citizen_idempotency_key"),
        # "My reports, newest first".
        Index("ix_complaints_citizen_submitted", "citizen_id", "submitted_at"),
        # Distance searches in metres (duplicates, nearby) run on geography.
        Index("ix_complaints_location_geography", text("(location::geography)"), postgresql_using="gist"),
        # The dispatcher queue: waiting without an officer, or flagged and not yet looked at.
        Index(
            "ix_complaints_dispatch_queue",
            "submitted_at",
            postgresql_where=text(
                "status = 'submitted' OR ((location_mismatch OR reused_photo) AND flags_reviewed_at IS NULL)"
            ),
        ),
        enum_check("status", ComplaintStatus, name="ck_complaints_status"),
        enum_check("visibility", Visibility, name="ck_complaints_visibility"),
        enum_check("channel", Channel, name="ck_complaints_channel"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_complaints_rating"),
        # An officer's load (routing counts it for every report): an index-only count.
        Index(
            "ix_complaints_officer_in_hand",
            "current_officer_id",
            postgresql_where=text(IN_HAND_SQL),
        ),
        # Queues: an officer's or a unit's reports by the deadline that runs now.
        Index("ix_complaints_officer_due", "current_officer_id", "due_at", "id"),
        Index("ix_complaints_unit_due", "current_unit_id", "due_at", "id"),
        # The IOC's figures: counts by state, today's intake, overdue now, handled in a period.
        Index("ix_complaints_status_unit", "status", "current_unit_id"),
        Index("ix_complaints_submitted_at", "submitted_at"),
        # Covering: the figures read these columns from the index alone (index-only scans).
        Index(
            "ix_complaints_due_at",
            "due_at",
            postgresql_include=IOC_GROUPS,
            postgresql_where=text("due_at IS NOT NULL"),
        ),
        Index(
            "ix_complaints_resolved_at",
            "resolved_at",
            postgresql_include=[*IOC_GROUPS, "resolve_due_at", "resolve_working_minutes", "reopened_count", "rating"],
            postgresql_where=text("status IN ('resolved', 'closed')"),
        ),
    )

    # Random ids: the public code is sequential, the id in URLs is not guessable.
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)
    citizen_id: int = Field(foreign_key="users.id")
    category_id: int = Field(foreign_key="categories.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    location: Any = Field(sa_column=Column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False))
    accuracy_m: float | None = None
    address: str | None = Field(default=None, max_length=500)
    # The ward it was routed in; kept even if the boundaries are later redrawn.
    area_id: int = Field(foreign_key="areas.id", index=True)
    captured_at: datetime | None = optional_time_field()
    submitted_at: datetime = created_at_field()
    channel: Channel = enum_field(default=Channel.mobile)
    # The staff member who took it for a caller or a visitor (channels hotline, walk_in);
    # the report's citizen is the caller. None for what citizens send themselves.
    taken_by_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    visibility: Visibility = enum_field(default=Visibility.public)
    priority: str = Field(max_length=20)
    status: ComplaintStatus = enum_field(default=ComplaintStatus.submitted, index=True)
    # Who holds it now. In the dispatcher queue the officer is empty (and the unit too,
    # unless a rule named a unit with nobody to take it).
    current_unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    current_officer_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    routed_by_rule_id: int | None = Field(default=None, foreign_key="routing_rules.id", ondelete="SET NULL")
    # Why it waits for a dispatcher (no_rule, no_officer); None when it does not.
    dispatch_reason: str | None = Field(default=None, max_length=40)
    idempotency_key: str = Field(max_length=128)
    # sha256 of the submission (JSON part and each photo's bytes): a resend must match it.
    request_hash: str = Field(max_length=64)
    # Set by the photo pipeline for the dispatcher to look at; never a reason to refuse.
    location_mismatch: bool = False
    reused_photo: bool = False
    # A dispatcher looked at the flags and let the report go on: it leaves their queue.
    flags_reviewed_at: datetime | None = optional_time_field()
    # Set when confirmed as a duplicate: the report the citizen is pointed to.
    duplicate_of_id: uuid.UUID | None = Field(default=None, foreign_key="complaints.id", index=True)
    # Service levels (service/sla): the two deadlines, and the one that runs now (the
    # acknowledgement's while unacknowledged, then the resolution's; none while paused
    # waiting for the citizen or once finished) — what queues sort and filter on.
    ack_due_at: datetime | None = optional_time_field()
    resolve_due_at: datetime | None = optional_time_field()
    due_at: datetime | None = optional_time_field()
    paused_at: datetime | None = optional_time_field()
    # Working minutes each clock allows (the resolution's grows with approved extensions):
    # how far along a clock is, for the escalation levels at 80, 100 and 150 %.
    ack_minutes: int | None = None
    resolve_minutes: int | None = None
    acknowledged_at: datetime | None = optional_time_field()
    resolved_at: datetime | None = optional_time_field()
    # The IOC's processing time: working minutes from arrival to the last resolution, less
    # the time spent waiting for the citizen; set when resolved.
    resolve_working_minutes: int | None = None
    # The IOC's reopen rate: how many times the citizen reopened it.
    reopened_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # When it left the books: closed (rated, or unrated past the window), rejected or marked
    # a duplicate. The IOC's backlog counts a report set aside out from this time, which no
    # later change to the row moves (``updated_at`` does: a merge repointing its duplicates).
    closed_at: datetime | None = optional_time_field()
    # The officer's answer, and the citizen's verdict on it.
    result: str | None = Field(default=None, sa_column=Column(Text))
    rating: int | None = Field(default=None, ge=1, le=5)
    rating_comment: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = updated_at_field()


FLAGS = ("location_mismatch", "reused_photo")


def flags_of(complaint: Complaint) -> list[str]:
    """What the photo pipeline noticed about the report, for staff to look at."""
    return [name for name in FLAGS if getattr(complaint, name)]


class ComplaintEvent(SQLModel, table=True):
    """One line of a report's timeline: who did what, when, from which state to which."""

    __tablename__ = "complaint_events"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", index=True, ondelete="CASCADE")
    at: datetime = created_at_field()
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_role: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    # ``note`` is for whoever may read the line (the citizen too, on a public line);
    # ``internal_note`` is staff's own working remark (why it was returned, transferred).
    note: str | None = Field(default=None, sa_column=Column(Text))
    internal_note: str | None = Field(default=None, sa_column=Column(Text))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}"))
    # Staff-only lines (a reused-photo flag, an internal remark) stay off the citizen's timeline.
    public: bool = True


class ComplaintFollower(SQLModel, table=True):
    """A citizen who follows a report they did not send: the sender of a report merged
    into it as a duplicate hears what happens to the original."""

    __tablename__ = "complaint_followers"

    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)
    # The citizen's own report that brought them here (the merged duplicate).
    via_complaint_id: uuid.UUID | None = Field(default=None, foreign_key="complaints.id")
    since: datetime = created_at_field()


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class ExtensionRequest(SQLModel, table=True):
    """An officer asks for more time (gia hạn); the unit's lead decides."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        enum_check("status", ExtensionStatus, name="ck_extension_requests_status"),
        # One open request per report at a time.
        Index(
            "uq_extension_requests_one_pending",
            "complaint_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", index=True, ondelete="CASCADE")
    requested_by: int = Field(foreign_key="users.id")
    requested_at: datetime = created_at_field()
    working_days: int = Field(ge=1, le=30)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: ExtensionStatus = enum_field(default=ExtensionStatus.pending)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = optional_time_field()
    decision_note: str | None = Field(default=None, max_length=2000)


class PhotoStatus(StrEnum):
    pending = "pending"
    ready = "ready"
    failed = "failed"


class PhotoKind(StrEnum):
    report = "report"  # sent by the citizen with the report
    result = "result"  # the officer's after-photo


class Photo(SQLModel, table=True):
    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready', 'failed')", name="ck_photos_status"),
        CheckConstraint("kind IN ('report', 'result')", name="ck_photos_kind"),
        # The sweep for photos whose task was lost: only the few still pending.
        Index("ix_photos_pending", "created_at", postgresql_where=text("status = 'pending'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", index=True, ondelete="CASCADE")
    kind: PhotoKind = enum_field(default=PhotoKind.report)
    position: int
    # The phone's file name: for error messages and staff, never shown to the public.
    filename: str | None = Field(default=None, max_length=255)
    content_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    width: int
    height: int
    original_key: str = Field(max_length=200)
    status: PhotoStatus = enum_field(default=PhotoStatus.pending)
    failure_reason: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    # 64-bit perceptual hash of the oriented picture, to find reused photos.
    phash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    gps_lat: float | None = None
    gps_lon: float | None = None
    exif_captured_at: datetime | None = optional_time_field()
    large_key: str | None = Field(default=None, max_length=200)
    thumb_key: str | None = Field(default=None, max_length=200)
    processed_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
