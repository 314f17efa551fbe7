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
class MarkerColumns:
    """The markers as JSON arrays, in code order, each index into the lookup tables the
    caller gave: marker ``i`` is at ``lat[i]``, ``lon[i]``, its state ``statuses[status[i]]``
    and so on; ``years`` the years its codes name, ``year`` an index into them.

    50,000 markers as rows cost a second in the driver and the json module; PostgreSQL
    writes the arrays as text and the answer carries them as they come."""

    count: int
    years: list[int]
    lat: str
    lon: str
    band: str
    status: str
    category: str
    year: str
    number: str


def markers(
    session: Session,
    scope: Scope,
    where: MarkerFilter,
    *,
    private_reports: bool,
    now: datetime,
    soon_until: datetime,
    decimals: int,
    bands: list[str],
    statuses: list[str],
    category_ids: list[int],
) -> MarkerColumns:
    # Rounded as floats (numeric rounding took 300 ms of 50,000 markers' 350); PostgreSQL
    # prints a float8 as its shortest exact form, so 21.50631 stays 21.50631. array_to_json,
    # not json_agg: it writes no space after each comma, 7 bytes a marker.
    params: dict[str, Any] = {
        "now": now,
        "soon_until": soon_until,
        "scale": float(10**decimals),
        "bands": bands,
        "statuses": statuses,
        "category_ids": category_ids,
    }
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
    # Assembled from constants; every value is bound. ix_complaints_map (maps/models.py)
    # holds every column read here, in code order. Codes are PA-<year>-<number>.
    row = session.execute(
        text(
            f"""
            WITH m AS MATERIALIZED (
                SELECT c.code, round(ST_Y(c.location) * :scale) / :scale AS lat,
                       round(ST_X(c.location) * :scale) / :scale AS lon,
                       array_position(CAST(:bands AS text[]), {_BAND}) - 1 AS band,
                       array_position(CAST(:statuses AS text[]), CAST(c.status AS text)) - 1 AS status,
                       array_position(CAST(:category_ids AS integer[]), c.category_id) - 1 AS category,
                       CAST(substring(c.code FROM 4 FOR 4) AS integer) AS year,
                       CAST(substring(c.code FROM 9) AS integer) AS number
                FROM complaints c
                WHERE {" AND ".join(conditions)}
            ), years AS (
                SELECT coalesce(array_agg(DISTINCT year ORDER BY year), '{{}}') AS years FROM m
            )
            SELECT count(*), (SELECT years FROM years),
                   coalesce(CAST(array_to_json(array_agg(lat ORDER BY code)) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(lon ORDER BY code)) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(band ORDER BY code)) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(status ORDER BY code)) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(category ORDER BY code)) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(
                       array_position((SELECT years FROM years), year) - 1 ORDER BY code
                   )) AS text), '[]'),
                   coalesce(CAST(array_to_json(array_agg(number ORDER BY code)) AS text), '[]')
            FROM m
            """  # noqa: S608
        ),
        params,
    ).one()
    return MarkerColumns(*row)


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
