"""Service-level policies and the days that differ from the national calendar."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel, UniqueConstraint

from service.categories.models import Priority
from service.core.columns import created_at_field, enum_check, enum_field


class SlaPolicy(SQLModel, table=True):
    """Working time allowed to acknowledge and to resolve, for a category and/or a
    priority; the most specific policy wins, and settings give the defaults."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("category_id", "priority", name="uq_sla_policies_scope", postgresql_nulls_not_distinct=True),
        enum_check("priority", Priority, name="ck_sla_policies_priority"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category_id: int | None = Field(default=None, foreign_key="categories.id", ondelete="CASCADE")
    priority: Priority | None = enum_field(default=None, nullable=True)
    ack_minutes: int = Field(gt=0, description="Working minutes to acknowledge")
    resolve_minutes: int = Field(gt=0, description="Working minutes to resolve")


class DayKind(StrEnum):
    off = "off"  # a day off the national calendar does not know (a provincial holiday)
    work = "work"  # a weekend day worked to make up a bridge holiday


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_days"
    __table_args__ = (enum_check("kind", DayKind, name="ck_calendar_days_kind"),)

    day: date = Field(primary_key=True)
    kind: DayKind = enum_field()
    note: str | None = Field(default=None, max_length=200)


class Escalation(SQLModel, table=True):
    """A level of escalation that fired: at most once per report, clock, level and deadline."""

    __tablename__ = "escalations"

    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", primary_key=True, ondelete="CASCADE")
    clock: str = Field(max_length=10, primary_key=True)
    level: int = Field(primary_key=True)
    due_at: datetime = Field(sa_type=DateTime(timezone=True), primary_key=True)
    fired_at: datetime = created_at_field()
