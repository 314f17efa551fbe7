"""Photos attached to reports: the private original and its public derivatives."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_field, optional_time_field


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
