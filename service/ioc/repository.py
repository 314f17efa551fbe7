"""The IOC's figures in SQL, over the reports' columns that the workflow keeps.

A report's processing time is stored when it is resolved (working minutes from arrival,
less the time it waited for the citizen: ``resolve_working_minutes``), and each reopening
counts in ``reopened_count``; the figures are plain aggregates over those, kept fast by
the indexes named in service/intake/models.py.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from service.core.geojson import feature_collection
from service.ioc.models import LEFT_UNRESOLVED_SQL, MonthlyReport, ReportScope
from service.ioc.policies import Scope
from service.reports.models import OPEN_SQL

FINISHED = "status IN ('resolved', 'closed')"


class GroupBy(StrEnum):
    officer = "officer"
    unit = "unit"
    category = "category"
    area = "area"


# group -> (the report's column, the table it names, that table's code and name)
_GROUPS: dict[GroupBy, tuple[str, str, str, str]] = {
    GroupBy.officer: ("current_officer_id", "users", "username", "full_name"),
    GroupBy.unit: ("current_unit_id", "units", "code", "name"),
    GroupBy.category: ("category_id", "categories", "code", "name"),
    GroupBy.area: ("area_id", "areas", "code", "name"),
}


def _scope(scope: Scope, params: dict[str, Any]) -> str:
    if scope.unit_id is None:
        return ""
    params["unit_id"] = scope.unit_id
    return " AND current_unit_id = :unit_id"


@dataclass(frozen=True)
class Summary:
    by_status: dict[str, int]
    intake_today: int
    overdue_now: int
    handled_this_month: int
    on_time_this_month: int


def summary(session: Session, scope: Scope, *, now: datetime, today: datetime, month: datetime) -> Summary:
    params: dict[str, Any] = {"now": now, "today": today, "month": month}
    where = _scope(scope, params)
    statement = f"SELECT status, count(*) FROM complaints WHERE true{where} GROUP BY status"
    by_status = dict(session.execute(text(statement), params).all())
    row = session.execute(
        text(
            f"""
            SELECT
                (SELECT count(*) FROM complaints WHERE submitted_at >= :today{where}),
                (SELECT count(*) FROM complaints WHERE due_at < :now{where}),
                count(*),
                count(*) FILTER (WHERE resolved_at <= resolve_due_at)
            FROM complaints WHERE {FINISHED} AND resolved_at >= :month{where}
            """
        ),
        params,
    ).one()
    return Summary(by_status, row[0], row[1], row[2], row[3])


@dataclass(frozen=True)
class Performance:
    key: int
    code: str
    name: str
    handled: int
    on_time: int
    median_minutes: float | None
    p90_minutes: float | None
    overdue: int
    reopened: int
    rated: int
    average_rating: float | None


@dataclass(frozen=True)
class Narrowing:
    """The performance table narrowed to one unit, category or ward (ids; None: all)."""

    unit_id: int | None = None
    category_id: int | None = None
    area_id: int | None = None


def _narrowing(narrowing: Narrowing, params: dict[str, Any]) -> str:
    where = ""
    for column, value in (
        ("current_unit_id", narrowing.unit_id),
        ("category_id", narrowing.category_id),
        ("area_id", narrowing.area_id),
    ):
        if value is not None:
            params[f"only_{column}"] = value
            where += f" AND {column} = :only_{column}"
    return where


def performance(
    session: Session,
    scope: Scope,
    group_by: GroupBy,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    narrowing: Narrowing = Narrowing(),
) -> list[Performance]:
    """Per group: reports handled (resolved or closed) in [start, end), how many on time,
    median and p90 processing time, how many were ever reopened, ratings; and how many of
    the group's reports are overdue now."""
    column, table, code, name = _GROUPS[group_by]
    params: dict[str, Any] = {"start": start, "end": end, "now": now}
    # The lead's scope and the chosen narrowing both apply (a lead narrowing to another
    # unit sees nothing, never that unit).
    where = _scope(scope, params) + _narrowing(narrowing, params)
    rows = session.execute(
        text(
            f"""
            WITH handled AS (
                SELECT {column} AS key,
                       count(*) AS handled,
                       count(*) FILTER (WHERE resolved_at <= resolve_due_at) AS on_time,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_working_minutes) AS median_minutes,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_working_minutes) AS p90_minutes,
                       count(*) FILTER (WHERE reopened_count > 0) AS reopened,
                       count(rating) AS rated,
                       avg(rating)::float AS average_rating
                FROM complaints
                WHERE {FINISHED} AND resolved_at >= :start AND resolved_at < :end
                      AND {column} IS NOT NULL{where}
                GROUP BY 1
            ), overdue AS (
                SELECT {column} AS key, count(*) AS overdue
                FROM complaints WHERE due_at < :now AND {column} IS NOT NULL{where}
                GROUP BY 1
            )
            SELECT g.id, g.{code}, g.{name},
                   coalesce(h.handled, 0), coalesce(h.on_time, 0), h.median_minutes, h.p90_minutes,
                   coalesce(o.overdue, 0), coalesce(h.reopened, 0), coalesce(h.rated, 0), h.average_rating
            FROM handled h
            FULL JOIN overdue o ON o.key = h.key
            JOIN {table} g ON g.id = coalesce(h.key, o.key)
            ORDER BY 4 DESC, 8 DESC, 2
            """
        ),
        params,
    ).all()
    return [Performance(*row) for row in rows]


def handled_reports(
    session: Session,
    scope: Scope,
    group_by: GroupBy,
    *,
    key: int,
    start: datetime,
    end: datetime,
    narrowing: Narrowing = Narrowing(),
    limit: int,
) -> tuple[list[Any], int]:
    """The reports one row of :func:`performance` counted as handled (its group's key), the
    latest resolved first, with what the IOC reads beside each."""
    column = _GROUPS[group_by][0]
    params: dict[str, Any] = {"start": start, "end": end, "key": key, "limit": limit}
    where = (_scope(scope, params) + _narrowing(narrowing, params)).replace(" AND ", " AND c.")
    condition = f"c.{FINISHED} AND c.resolved_at >= :start AND c.resolved_at < :end AND c.{column} = :key{where}"
    total = session.execute(text(f"SELECT count(*) FROM complaints c WHERE {condition}"), params).scalar_one()
    rows = session.execute(
        text(
            f"""
            SELECT c.id, c.code, c.status, cat.name AS category_name, cat.name_en AS category_name_en,
                   u.name AS unit_name,
                   o.full_name AS officer_name, a.name AS area_name, c.submitted_at, c.resolved_at,
                   c.resolved_at <= c.resolve_due_at AS on_time, c.resolve_working_minutes,
                   c.reopened_count, c.rating
            FROM complaints c
            JOIN categories cat ON cat.id = c.category_id
            JOIN areas a ON a.id = c.area_id
            LEFT JOIN units u ON u.id = c.current_unit_id
            LEFT JOIN users o ON o.id = c.current_officer_id
            WHERE {condition}
            ORDER BY c.resolved_at DESC, c.id
            LIMIT :limit
            """
        ),
        params,
    ).mappings()
    return list(rows), total


def officer_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    """The ids behind the usernames a per-officer table shows, for its links (one query)."""
    if not usernames:
        return {}
    rows = session.execute(text("SELECT username, id FROM users WHERE username = ANY(:names)"), {"names": usernames})
    return dict(rows.all())


def open_reports_of(session: Session, *, officer_id: int, now: datetime, limit: int) -> list[Any]:
    """An officer's reports in hand, the nearest deadline first."""
    rows = session.execute(
        text(
            f"""
            SELECT c.id, c.code, c.status, cat.name AS category_name, cat.name_en AS category_name_en,
                   a.name AS area_name,
                   c.submitted_at, c.due_at, c.due_at < :now AS overdue
            FROM complaints c
            JOIN categories cat ON cat.id = c.category_id
            JOIN areas a ON a.id = c.area_id
            WHERE c.current_officer_id = :officer AND c.{OPEN_SQL}
            ORDER BY c.due_at NULLS LAST, c.id
            LIMIT :limit
            """
        ),
        {"officer": officer_id, "now": now, "limit": limit},
    ).mappings()
    return list(rows)


def overdue(session: Session, scope: Scope, *, now: datetime, limit: int, offset: int) -> tuple[list[Any], int]:
    """Reports past the deadline of the clock running now, the longest overdue first; each
    row names its fields as ``OverdueRead`` does."""
    params: dict[str, Any] = {"now": now, "limit": limit, "offset": offset}
    where = _scope(scope, params).replace("current_unit_id", "c.current_unit_id")
    counted = f"SELECT count(*) FROM complaints c WHERE c.due_at < :now{where}"
    total = session.execute(text(counted), params).scalar_one()
    rows = session.execute(
        text(
            f"""
            SELECT c.id, c.code, c.status, cat.code AS category_code, cat.name AS category_name,
                   cat.name_en AS category_name_en,
                   u.code AS unit_code, u.name AS unit_name, o.username AS officer_username,
                   o.full_name AS officer_name, a.code AS area_code, a.name AS area_name, c.submitted_at, c.due_at
            FROM complaints c
            JOIN categories cat ON cat.id = c.category_id
            JOIN areas a ON a.id = c.area_id
            LEFT JOIN units u ON u.id = c.current_unit_id
            LEFT JOIN users o ON o.id = c.current_officer_id
            WHERE c.due_at < :now{where}
            ORDER BY c.due_at, c.id
            LIMIT :limit OFFSET :offset
            """
        ),
        params,
    ).mappings()
    return list(rows), total


def hotspots(
    session: Session,
    scope: Scope,
    *,
    since: datetime,
    eps_m: float,
    min_reports: int,
    category_code: str | None,
    limit: int = 500,
) -> dict[str, Any]:
    """Clusters of open reports (DBSCAN in metres, per category) as a GeoJSON
    FeatureCollection: each cluster's centre, outline and size, the largest first."""
    params: dict[str, Any] = {"since": since, "eps": eps_m, "min": min_reports, "limit": limit}
    where = _scope(scope, params).replace("current_unit_id", "c.current_unit_id")
    if category_code:
        params["category"] = category_code
        where += " AND cat.code = :category"
    rows = session.execute(
        text(
            f"""
            WITH open_reports AS (
                SELECT c.location, cat.code AS category, cat.name AS category_name,
                       ST_ClusterDBSCAN(ST_Transform(c.location, 32648), eps := :eps, minpoints := :min)
                           OVER (PARTITION BY c.category_id) AS cluster
                FROM complaints c JOIN categories cat ON cat.id = c.category_id
                WHERE c.{OPEN_SQL} AND c.submitted_at >= :since{where}
            )
            SELECT category, category_name, count(*) AS reports,
                   ST_AsGeoJSON(ST_Centroid(ST_Collect(location)), 6),
                   ST_AsGeoJSON(ST_ConvexHull(ST_Collect(location)), 6)
            FROM open_reports WHERE cluster IS NOT NULL
            GROUP BY category, category_name, cluster
            ORDER BY reports DESC, category
            LIMIT :limit
            """
        ),
        params,
    ).all()
    return feature_collection(
        (
            json.loads(centre),
            {"category": category, "category_name": category_name, "reports": reports, "outline": json.loads(outline)},
        )
        for category, category_name, reports, centre, outline in rows
    )


class Bucket(StrEnum):
    day = "day"
    week = "week"  # ISO weeks, from Monday
    month = "month"


@dataclass(frozen=True)
class TrendPoint:
    start: Any  # the bucket's first day, in Vietnam
    intake: int
    handled: int
    on_time: int
    median_minutes: float | None
    backlog: int  # open at the bucket's end (or at the period's end, for its last bucket)


def trends(
    session: Session,
    scope: Scope,
    bucket: Bucket,
    *,
    start: datetime,
    end: datetime,
    narrowing: Narrowing = Narrowing(),
) -> list[TrendPoint]:
    """Per day, week or month of Vietnam's calendar: reports received, reports handled
    (resolved or closed), how many of those on time, their median processing time, and the
    backlog: how many were open when the bucket ended.

    The backlog is a running sum: each report counts +1 from its arrival and -1 from when it
    left the open states (resolved, or set aside as rejected or a duplicate: ``closed_at``),
    summed backwards from today's open count
    so that only the period's arrivals and departures are read. A report reopened and still open counts
    as open since its arrival, though it was out of the backlog for a few days in between:
    the columns keep only its last resolution, and the timeline is too slow to replay here."""
    params: dict[str, Any] = {"start": start, "end": end, "bucket": bucket.value}
    where = _scope(scope, params) + _narrowing(narrowing, params)
    local = "AT TIME ZONE 'Asia/Ho_Chi_Minh'"
    rows = session.execute(
        text(
            f"""
            WITH buckets AS (
                SELECT generate_series(
                    date_trunc(:bucket, CAST(:start AS timestamptz) {local}),
                    CAST(:end AS timestamptz) {local} - interval '1 microsecond',
                    CAST('1 ' || :bucket AS interval)
                ) AS start
            ),
            -- One pass each over the arrivals, the resolutions and the set-asides since the
            -- period began, each by its own index. Their buckets make the intake and handled
            -- figures; all of them, and what moved after the period's end (bucket NULL), make
            -- the backlog, read back from today's open count: open at t = open now - arrived
            -- since t + left since t. A report left when resolved (its last resolution), or
            -- else when closed (rejected, a duplicate, or finished with no resolution time).
            arrived AS (
                SELECT CASE WHEN submitted_at < :end THEN date_trunc(:bucket, submitted_at {local}) END AS start,
                       count(*) AS n
                FROM complaints WHERE submitted_at >= :start{where}
                GROUP BY 1
            ), handled AS (
                SELECT CASE WHEN resolved_at < :end THEN date_trunc(:bucket, resolved_at {local}) END AS start,
                       count(*) AS n,
                       count(*) FILTER (WHERE resolved_at <= resolve_due_at) AS on_time,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_working_minutes)
                           FILTER (WHERE resolved_at < :end) AS median_minutes
                FROM complaints
                WHERE {FINISHED} AND resolved_at >= :start{where}
                GROUP BY 1
            ), set_aside AS (
                SELECT CASE WHEN closed_at < :end THEN date_trunc(:bucket, closed_at {local}) END AS start,
                       count(*) AS n
                FROM complaints WHERE ({LEFT_UNRESOLVED_SQL}) AND closed_at >= :start{where}
                GROUP BY 1
            ), moved AS (
                SELECT start, sum(n) AS n FROM (
                    SELECT start, -n AS n FROM arrived
                    UNION ALL SELECT start, n FROM handled
                    UNION ALL SELECT start, n FROM set_aside
                ) m GROUP BY start
            ), today AS (
                SELECT (SELECT count(*) FROM complaints WHERE {OPEN_SQL}{where})
                       + coalesce((SELECT n FROM moved WHERE start IS NULL), 0) AS n
            )
            SELECT b.start::date, coalesce(a.n, 0), coalesce(h.n, 0), coalesce(h.on_time, 0), h.median_minutes,
                   CAST((SELECT n FROM today) + coalesce(sum(l.n) OVER (
                       ORDER BY b.start DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ), 0) AS integer)
            FROM buckets b
            LEFT JOIN arrived a ON a.start = b.start
            LEFT JOIN handled h ON h.start = b.start
            LEFT JOIN moved l ON l.start = b.start
            ORDER BY b.start
            """
        ),
        params,
    ).all()
    return [TrendPoint(*row) for row in rows]


def wards(session: Session, scope: Scope, *, province_code: str, now: datetime) -> dict[str, Any]:
    """The province's ward outlines (simplified for the map: ~50 m) with the open and
    overdue reports in each, as a GeoJSON FeatureCollection."""
    params: dict[str, Any] = {"province": province_code, "now": now}
    where = _scope(scope, params)
    rows = session.execute(
        text(
            f"""
            WITH counts AS MATERIALIZED (
                SELECT area_id, count(*) AS open, count(*) FILTER (WHERE due_at < :now) AS overdue
                FROM complaints
                WHERE {OPEN_SQL}{where}
                GROUP BY area_id
            )
            SELECT a.code, a.name, a.name_en, coalesce(c.open, 0), coalesce(c.overdue, 0), a.map_outline
            FROM areas a LEFT JOIN counts c ON c.area_id = a.id
            WHERE a.province_code = :province
            ORDER BY a.code
            """
        ),
        params,
    ).all()
    return feature_collection(
        (json.loads(geometry), {"code": code, "name": name, "name_en": name_en, "open": open_, "overdue": overdue})
        for code, name, name_en, open_, overdue, geometry in rows
    )


def province_p90_minutes(session: Session, *, start: datetime, end: datetime) -> float | None:
    """The p90 processing time over every report finished in the period (the monthly
    report's; /performance gives one per group): the same percentile over the same reports."""
    statement = f"""
        SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_working_minutes)
        FROM complaints WHERE {FINISHED} AND resolved_at >= :start AND resolved_at < :end
    """  # FINISHED is a constant of this module; the values are bound
    value = session.execute(text(statement), {"start": start, "end": end}).scalar_one()
    return None if value is None else float(value)


def monthly_report(session: Session, month: date, scope: ReportScope) -> MonthlyReport | None:
    statement = select(MonthlyReport).where(MonthlyReport.month == month, MonthlyReport.scope == scope)
    return session.exec(statement).first()


def monthly_reports(session: Session, scope: ReportScope) -> list[MonthlyReport]:
    statement = select(MonthlyReport).where(MonthlyReport.scope == scope)
    return list(session.exec(statement.order_by(MonthlyReport.month.desc())))  # type: ignore[attr-defined]
