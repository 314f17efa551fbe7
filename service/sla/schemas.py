"""Service levels as the API shows and takes them."""

import datetime as dt

from pydantic import BaseModel, Field

from service.categories.models import Priority
from service.core.schemas import Input, LocalDatetime, ReadModel
from service.sla.models import DayKind


class PolicyCreate(Input):
    category_code: str | None = Field(default=None, max_length=40, description="None: every category")
    priority: Priority | None = Field(default=None, description="None: every priority")
    ack_hours: float = Field(gt=0, le=2000, description="Working hours to acknowledge")
    resolve_hours: float = Field(gt=0, le=20000, description="Working hours to resolve (a working day is 7.5 h)")


class PolicyRead(BaseModel):
    id: int
    category_code: str | None
    priority: Priority | None
    ack_hours: float
    resolve_hours: float


class CalendarDayWrite(Input):
    day: dt.date
    kind: DayKind = Field(description="off: a day off the national calendar lacks; work: a weekend day worked")
    note: str | None = Field(default=None, max_length=200)


class CalendarDayRead(ReadModel):
    day: dt.date
    kind: DayKind
    note: str | None


class UnitTime(BaseModel):
    unit: str = Field(description="Unit code, or 'dispatcher' for time in the dispatcher queue")
    working_hours: float


class SlaRead(BaseModel):
    ack_due_at: LocalDatetime | None
    resolve_due_at: LocalDatetime | None
    due_at: LocalDatetime | None
    paused_since: LocalDatetime | None
    overdue: bool
    working_hours_so_far: float = Field(description="From arrival to resolution (or now), less waiting for the citizen")
    by_unit: list[UnitTime] = Field(description="Who held it for how long; adds up to working_hours_so_far")
