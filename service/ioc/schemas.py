"""The IOC's figures as the console and the dashboard read them."""

import uuid
from datetime import date
from typing import Any

from pydantic import Field

from service.core.schemas import LocalDatetime, ReadModel


class SummaryRead(ReadModel):
    by_status: dict[str, int] = Field(description="Reports in each state, all time")
    backlog: int = Field(description="Open: waiting for dispatch or with a unit")
    intake_today: int = Field(description="Received since midnight, Vietnam time")
    overdue_now: int = Field(description="Past the deadline of the clock running now")
    handled_this_month: int
    on_time_this_month: int
    on_time_rate_this_month: float | None = Field(description="0..1; null when nothing was handled")
    as_of: LocalDatetime


class PerformanceRow(ReadModel):
    code: str = Field(description="Username, unit code, category code or ward code")
    name: str
    handled: int = Field(description="Resolved or closed in the period")
    on_time: int
    on_time_rate: float | None
    median_hours: float | None = Field(description="Processing time in working hours, waits excluded")
    p90_hours: float | None
    overdue: int = Field(description="Overdue now")
    reopened: int
    reopen_rate: float | None
    rated: int
    average_rating: float | None


class PerformanceRead(ReadModel):
    group_by: str
    period_from: LocalDatetime
    period_to: LocalDatetime
    rows: list[PerformanceRow]


class OverdueRead(ReadModel):
    id: uuid.UUID
    code: str
    status: str
    category_code: str
    category_name: str
    category_name_en: str
    unit_code: str | None
    unit_name: str | None
    officer_username: str | None
    officer_name: str | None
    area_code: str
    area_name: str
    submitted_at: LocalDatetime
    due_at: LocalDatetime
    overdue_working_hours: float


class OverduePage(ReadModel):
    items: list[OverdueRead]
    total: int
    offset: int
    limit: int


class FeatureCollection(ReadModel):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]


class TrendPointRead(ReadModel):
    start: date = Field(description="The first day of the day, week (Monday) or month, in Vietnam")
    intake: int
    handled: int
    on_time: int
    median_hours: float | None
    backlog: int = Field(description="Reports open at the end of the bucket (for the last one, of the period)")


class TrendsRead(ReadModel):
    bucket: str
    points: list[TrendPointRead]
