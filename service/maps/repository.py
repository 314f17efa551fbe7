"""The map's query: open reports with their place, state, category and deadline band."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from service.ioc.policies import Scope
from service.reports.models import OPEN_SQL

# The band as ``workflow.queue.band_of`` tells it, in SQL: 50,000 rows are not walked in
# Python. tests/maps/test_markers.py holds the two to the same answer for every marker.
_BAND = """
    CASE WHEN c.status = 'awaiting_info' THEN 'paused'
         WHEN c.due_at IS NULL THEN 'none'
         WHEN c.due_at < :now THEN 'overdue'
         WHEN c.due_at < :soon_until THEN 'soon'
         ELSE 'later' END
"""


@dataclass(frozen=True)
class MarkerFilter:
    category_id: int | None = None
    status: str | None = None
    since: datetime | None = None  # received at or after


@dataclass(frozen=True)
class MarkerRow:
    code: str
    lat: float
    lon: float
    status: str
    category_id: int
    band: str


def markers(
    session: Session,
    scope: Scope,
    where: MarkerFilter,
    *,
    private_reports: bool,
    now: datetime,
    soon_until: datetime,
    decimals: int,
) -> list[MarkerRow]:
    params: dict[str, Any] = {"now": now, "soon_until": soon_until, "decimals": decimals}
    conditions = [f"c.{OPEN_SQL}"]
    if scope.unit_id is not None:
        params["unit_id"] = scope.unit_id
        conditions.append("c.current_unit_id = :unit_id")
    if not private_reports:
        conditions.append("c.visibility = 'public'")
    if where.category_id is not None:
        params["category_id"] = where.category_id
        conditions.append("c.category_id = :category_id")
    if where.status is not None:
        params["status"] = where.status
        conditions.append("c.status = :status")
    if where.since is not None:
        params["since"] = where.since
        conditions.append("c.submitted_at >= :since")
    # Assembled from constants; every value is bound.
    rows = session.execute(
        text(
            f"""
            SELECT c.code, round(ST_Y(c.location)::numeric, :decimals)::float8,
                   round(ST_X(c.location)::numeric, :decimals)::float8,
                   c.status, c.category_id, {_BAND}
            FROM complaints c
            WHERE {" AND ".join(conditions)}
            ORDER BY c.code
            """  # noqa: S608
        ),
        params,
    ).all()
    return [MarkerRow(*row) for row in rows]


def marker(session: Session, scope: Scope, code: str, *, private_reports: bool) -> Any:
    """One report of the map by its code, in scope (open or not: it may have closed since
    the marker was drawn), or None."""
    params: dict[str, Any] = {"code": code}
    conditions = ["c.code = :code"]
    if scope.unit_id is not None:
        params["unit_id"] = scope.unit_id
        conditions.append("c.current_unit_id = :unit_id")
    if not private_reports:
        conditions.append("c.visibility = 'public'")
    return session.execute(
        text(f"SELECT c.id FROM complaints c WHERE {' AND '.join(conditions)}"),  # noqa: S608
        params,
    ).scalar_one_or_none()
