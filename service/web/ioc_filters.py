"""The dashboard's choice of period and filters, read from the page's URL in one place: the
tables, the charts and the wall screen read the same parameters, so a bookmarked URL opens
the same view everywhere.

``period`` (``week``, ``month``, ``quarter`` or ``range`` with ``first`` and ``last``, ISO
dates, Vietnam's calendar), ``unit``, ``category`` and ``ward`` (codes).

The page is lenient where the API is strict: a URL kept from last year may name a unit since
merged or a date typed by hand; the page then shows the default for that choice (and the
form shows what is in force) instead of a refusal. The API refuses unknown codes (422).
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.datastructures import QueryParams

from service.areas import repository as areas
from service.categories import repository as categories
from service.core.settings import LOCAL_TZ
from service.units import repository as units


class Period(StrEnum):
    week = "week"  # from this Monday
    month = "month"
    quarter = "quarter"
    range = "range"  # first .. last, both included


@dataclass(frozen=True)
class IocFilters:
    period: Period
    first: date
    last: date  # included
    unit: str | None = None
    category: str | None = None
    ward: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), LOCAL_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), LOCAL_TZ)

    def params(self, **changes: Any) -> dict[str, str]:
        """The page's query parameters for this choice (with ``changes``), empty ones left out."""
        chosen = replace(self, **changes)
        values: dict[str, Any] = {"period": chosen.period.value}
        if chosen.period == Period.range:
            values |= {"first": chosen.first.isoformat(), "last": chosen.last.isoformat()}
        values |= {"unit": chosen.unit, "category": chosen.category, "ward": chosen.ward}
        return {key: str(value) for key, value in values.items() if value}

    def query(self, **extra: str) -> str:
        return urlencode({**self.params(), **extra})

    def api_query(self, **extra: str) -> str:
        """The same choice as the API's parameters (``from``/``to``): exports, the API's figures."""
        values = {"from": self.first.isoformat(), "to": self.last.isoformat(), **self.params(), **extra}
        for page_only in ("period", "first", "last"):
            values.pop(page_only, None)
        return urlencode(values)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period_days(period: Period, *, today: date) -> tuple[date, date]:
    if period == Period.week:
        return today - timedelta(days=today.weekday()), today
    if period == Period.quarter:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    return today.replace(day=1), today


def read_filters(*, session: Session, params: QueryParams, today: date) -> IocFilters:
    """The choice in ``params``; anything unknown falls back to its default (this month, all)."""
    try:
        period = Period(params.get("period") or "month")
    except ValueError:
        period = Period.month
    first, last = period_days(period, today=today)
    if period == Period.range:
        chosen_first, chosen_last = _day(params.get("first")), _day(params.get("last"))
        if chosen_first is None and chosen_last is None:
            period = Period.month
        else:
            first, last = chosen_first or chosen_last or first, chosen_last or today
            # Dates typed the wrong way round mean the same days.
            first, last = min(first, last), max(first, last)
    unit, category, ward = (read_code(params.get(name)) for name in ("unit", "category", "ward"))
    return IocFilters(
        period=period,
        first=first,
        last=last,
        unit=unit if unit and units.get_by_code(session, unit) else None,
        category=category if category and categories.get_by_code(session, category) else None,
        ward=ward if ward and areas.get_by_code(session, ward) else None,
    )


# Codes are short words ("05528-KTHT", "pothole"): anything else names nothing, and is not
# worth a query (a NUL byte would not even reach PostgreSQL).
_CODE = re.compile(r"[\w.-]{1,40}")


def read_code(value: str | None) -> str | None:
    return value if value and _CODE.fullmatch(value) else None
