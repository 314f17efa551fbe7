"""The map's API shapes. Markers come column by column, codes and names as indexes into
lookup tables: 50,000 open reports stay well under 2 MB (about 33 bytes a report)."""

from enum import StrEnum

from pydantic import BaseModel, Field

from service.core.schemas import LocalDatetime
from service.reports.schemas import CategoryBrief


class MarkerBand(StrEnum):
    """Where a report stands against its deadline (the queue's bands, ``workflow.queue``),
    and ``none`` for one waiting for a dispatcher, which has no deadline yet."""

    overdue = "overdue"
    soon = "soon"  # due within 4 working hours
    later = "later"  # on time
    paused = "paused"  # the clock waits for the citizen
    none = "none"


class MapPeriod(StrEnum):
    """Received in the last day, 7, 30 or 90 days."""

    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"


class MarkerTables(BaseModel):
    """The markers' lookup tables: what ``MarkerSet``'s columns index."""

    as_of: LocalDatetime
    count: int
    bands: list[MarkerBand]
    statuses: list[str]
    categories: list[CategoryBrief]
    years: list[int]


class MarkerSet(MarkerTables):
    """Marker ``i`` is at ``lat[i]``, ``lon[i]``; its band is ``bands[band[i]]``, its state
    ``statuses[status[i]]``, its category ``categories[category[i]]``, and its code
    ``f"PA-{years[year[i]]}-{number[i]:06d}"`` (the key of ``/markers/{code}``)."""

    lat: list[float]
    lon: list[float]
    band: list[int] | None = Field(description="Absent where the audience may not see deadlines")
    status: list[int]
    category: list[int]
    year: list[int]
    number: list[int]


class MarkerDetail(BaseModel):
    """A marker's popup."""

    code: str = Field(examples=["PA-2026-000123"])
    status: str
    band: MarkerBand | None
    category: CategoryBrief
    submitted_at: LocalDatetime
    thumbnail: str | None = Field(description="A signed URL of the first photo's thumbnail, when there is one")
    url: str = Field(description="The report's page in the console", examples=["/web/reports/3f0c…"])
