"""`/api/v1/ioc/*`: the figures the IOC reviews, and their exports."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core import numbers
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, PermissionDenied, PhanAnhError, responses
from service.core.settings import LOCAL_TZ, get_settings
from service.core.timeutil import format_local, to_local, utcnow
from service.ioc import exports, repository
from service.ioc.policies import IocScope, Scope
from service.ioc.repository import Bucket, GroupBy, Narrowing
from service.ioc.schemas import (
    FeatureCollection,
    OverduePage,
    OverdueRead,
    PerformanceRead,
    PerformanceRow,
    SummaryRead,
    TrendPointRead,
    TrendsRead,
)
from service.reports.models import OPEN_STATUSES
from service.sla.service import calendar
from service.units import repository as units
from service.units.service import UnknownArea

router = APIRouter(prefix="/api/v1/ioc", tags=["ioc"], responses=responses(NotAuthenticated, PermissionDenied))

# An export is a file for a meeting, not a data dump: past this many rows, narrow it.
EXPORT_LIMIT = 10_000


class InvalidPeriod(PhanAnhError):
    status_code = 422
    code = "invalid_period"
    message = "Khoảng thời gian không hợp lệ: ngày bắt đầu phải không sau ngày kết thúc."
    message_en = "The period is not valid: it must not start after it ends."


class UnknownUnit(PhanAnhError):
    status_code = 422
    code = "unknown_unit"
    message = "Không có đơn vị với mã này."
    message_en = "No unit has this code."


FromDate = Annotated[date | None, Query(alias="from", description="First day (Vietnam), default: this month's 1st")]
ToDate = Annotated[date | None, Query(alias="to", description="Last day included (Vietnam), default: today")]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ)


def _period(first: date | None, last: date | None, now: datetime) -> tuple[datetime, datetime]:
    today = to_local(now).date()
    first = first or today.replace(day=1)
    last = last or today
    if first > last:
        raise InvalidPeriod(field="from")
    return _midnight(first), _midnight(last + timedelta(days=1))


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


@router.get("/summary", response_model=SummaryRead)
def summary(scope: IocScope, session: SessionDep):
    """Counts by state, today's intake, overdue now, and this month's on-time rate."""
    now = utcnow()
    today = to_local(now).date()
    figures = repository.summary(session, scope, now=now, today=_midnight(today), month=_midnight(today.replace(day=1)))
    return SummaryRead(
        by_status=figures.by_status,
        backlog=sum(n for status, n in figures.by_status.items() if status in OPEN_STATUSES),
        intake_today=figures.intake_today,
        overdue_now=figures.overdue_now,
        handled_this_month=figures.handled_this_month,
        on_time_this_month=figures.on_time_this_month,
        on_time_rate_this_month=numbers.rate(figures.on_time_this_month, figures.handled_this_month),
        as_of=now,
    )


# Codes are short words ("05528-KTHT", "pothole", "05528").
CODE = r"^[\w.-]+$"
UnitCode = Annotated[str | None, Query(max_length=40, pattern=CODE, description="A unit code: its reports only")]
CategoryCode = Annotated[str | None, Query(max_length=40, pattern=CODE, description="A category code: its reports")]
WardCode = Annotated[str | None, Query(max_length=10, pattern=CODE, description="A ward code: its reports only")]


def narrowing(
    session: Session, *, unit: str | None = None, category: str | None = None, ward: str | None = None
) -> Narrowing:
    """The performance filters' codes as ids; an unknown code is refused, naming its field
    (a typo must not read as "no reports")."""
    unit_row = units.get_by_code(session, unit) if unit else None
    if unit and unit_row is None:
        raise UnknownUnit(field="unit")
    category_row = categories.get_by_code(session, category) if category else None
    if category and category_row is None:
        raise UnknownCategory(field="category")
    area_row = areas.get_by_code(session, ward) if ward else None
    if ward and area_row is None:
        raise UnknownArea(field="ward")
    return Narrowing(
        unit_id=unit_row.id if unit_row else None,
        category_id=category_row.id if category_row else None,
        area_id=area_row.id if area_row else None,
    )


def performance_table(
    *,
    session: Session,
    scope: Scope,
    group_by: GroupBy,
    first: date | None,
    last: date | None,
    only: Narrowing = Narrowing(),
) -> PerformanceRead:
    now = utcnow()
    start, end = _period(first, last, now)
    rows = repository.performance(session, scope, group_by, start=start, end=end, now=now, narrowing=only)
    return PerformanceRead(
        group_by=group_by,
        period_from=start,
        period_to=end,
        rows=[
            PerformanceRow(
                code=row.code,
                name=row.name,
                handled=row.handled,
                on_time=row.on_time,
                on_time_rate=numbers.rate(row.on_time, row.handled),
                median_hours=_hours(row.median_minutes),
                p90_hours=_hours(row.p90_minutes),
                overdue=row.overdue,
                reopened=row.reopened,
                reopen_rate=numbers.rate(row.reopened, row.handled),
                rated=row.rated,
                average_rating=None if row.average_rating is None else round(row.average_rating, 2),
            )
            for row in rows
        ],
    )


PERFORMANCE_REFUSALS = responses(InvalidPeriod, UnknownUnit, UnknownCategory, UnknownArea)


@router.get("/performance", response_model=PerformanceRead, responses=PERFORMANCE_REFUSALS)
def performance(
    scope: IocScope,
    session: SessionDep,
    group_by: GroupBy = GroupBy.unit,
    first: FromDate = None,
    last: ToDate = None,
    unit: UnitCode = None,
    category: CategoryCode = None,
    ward: WardCode = None,
):
    """Per officer, unit, category or ward: reports handled in the period, on-time rate,
    median and p90 processing time in working hours (waits for the citizen excluded),
    overdue now, reopen rate and average rating. A unit's lead sees their unit's.
    ``unit``, ``category`` and ``ward`` (codes) narrow it to those reports."""
    only = narrowing(session, unit=unit, category=category, ward=ward)
    return performance_table(session=session, scope=scope, group_by=group_by, first=first, last=last, only=only)


PERFORMANCE_COLUMNS = (
    "Mã / Code",
    "Tên / Name",
    "Đã xử lý / Handled",
    "Đúng hạn / On time",
    "Tỷ lệ đúng hạn / On-time rate",
    "Trung vị (giờ làm việc) / Median (working hours)",
    "P90 (giờ làm việc) / P90 (working hours)",
    "Quá hạn / Overdue",
    "Mở lại / Reopened",
    "Tỷ lệ mở lại / Reopen rate",
    "Số đánh giá / Rated",
    "Điểm trung bình / Average rating",
)
# One header per field of PerformanceRow, in its order: a row is exported as its values.
assert len(PERFORMANCE_COLUMNS) == len(PerformanceRow.model_fields)


def _file(fmt: exports.FileFormat, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    body = exports.render(fmt, headers, rows, sheet=name)
    return Response(
        body,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'},
    )


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in exports.MEDIA_TYPES.values()}}
}


@router.get(
    "/performance/export",
    response_class=Response,
    responses={**_FILE_RESPONSES, **PERFORMANCE_REFUSALS},
)
def performance_export(
    scope: IocScope,
    session: SessionDep,
    format: exports.FileFormat = exports.FileFormat.csv,
    group_by: GroupBy = GroupBy.unit,
    first: FromDate = None,
    last: ToDate = None,
    unit: UnitCode = None,
    category: CategoryCode = None,
    ward: WardCode = None,
) -> Response:
    """The performance table as CSV or XLSX, the same figures (and filters) as ``/performance``."""
    only = narrowing(session, unit=unit, category=category, ward=ward)
    table = performance_table(session=session, scope=scope, group_by=group_by, first=first, last=last, only=only)
    rows = [tuple(r.model_dump().values()) for r in table.rows]
    name = f"performance-{group_by.value}-{to_local(table.period_from).date()}"
    return _file(format, name, PERFORMANCE_COLUMNS, rows)


def _overdue(session: Session, scope: Scope, limit: int, offset: int) -> OverduePage:
    now = utcnow()
    rows, total = repository.overdue(session, scope, now=now, limit=limit, offset=offset)
    cal = calendar(session=session)
    items = [
        OverdueRead(**row, overdue_working_hours=round(cal.between(row["due_at"], now).total_seconds() / 3600, 2))
        for row in rows
    ]
    return OverduePage(items=items, total=total, offset=offset, limit=limit)


@router.get("/overdue", response_model=OverduePage)
def overdue(
    scope: IocScope,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
):
    """Reports past the deadline of the clock running now, the longest overdue first."""
    return _overdue(session, scope, limit, offset)


OVERDUE_COLUMNS = (
    "Mã phản ánh / Code",
    "Trạng thái / Status",
    "Lĩnh vực / Category",
    "Đơn vị / Unit",
    "Cán bộ / Officer",
    "Phường, xã / Ward",
    "Tiếp nhận / Submitted",
    "Hạn / Due",
    "Quá hạn (giờ làm việc) / Overdue (working hours)",
)


@router.get("/overdue/export", response_class=Response, responses=_FILE_RESPONSES)
def overdue_export(
    scope: IocScope, session: SessionDep, format: exports.FileFormat = exports.FileFormat.csv
) -> Response:
    """The overdue list (up to 10,000 reports) as CSV or XLSX; times in Vietnam."""
    page = _overdue(session, scope, EXPORT_LIMIT, 0)
    rows = [
        (
            r.code,
            r.status,
            r.category_name,
            r.unit_name,
            r.officer_name,
            r.area_name,
            format_local(r.submitted_at),
            format_local(r.due_at),
            r.overdue_working_hours,
        )
        for r in page.items
    ]
    return _file(format, f"overdue-{to_local(utcnow()).date()}", OVERDUE_COLUMNS, rows)


@router.get("/hotspots", response_model=FeatureCollection, responses=responses(UnknownCategory))
def hotspots(
    scope: IocScope,
    session: SessionDep,
    category: Annotated[str | None, Query(max_length=40, description="A category code; all when absent")] = None,
    eps_m: Annotated[float, Query(ge=20, le=2000, description="Reports this close (metres) are neighbours")] = 200,
    min_reports: Annotated[int, Query(ge=2, le=100)] = 3,
    days: Annotated[int, Query(ge=1, le=365, description="Open reports received in the last N days")] = 90,
):
    """Clusters of open reports by category (DBSCAN), as GeoJSON points with their size
    and outline, for the map."""
    if category is not None and categories.get_by_code(session, category) is None:
        raise UnknownCategory(field="category")
    return repository.hotspots(
        session,
        scope,
        since=utcnow() - timedelta(days=days),
        eps_m=eps_m,
        min_reports=min_reports,
        category_code=category,
    )


@router.get("/trends", response_model=TrendsRead, responses=PERFORMANCE_REFUSALS)
def trends(
    scope: IocScope,
    session: SessionDep,
    bucket: Bucket = Bucket.day,
    first: FromDate = None,
    last: ToDate = None,
    unit: UnitCode = None,
    category: CategoryCode = None,
    ward: WardCode = None,
):
    """Reports received and handled per day, week or month, with the on-time count, the
    median processing time and the backlog (reports open at each bucket's end): the
    dashboard's charts. ``unit``, ``category`` and ``ward`` (codes) narrow it to those
    reports, as for ``/performance``."""
    start, end = _period(first, last, utcnow())
    if bucket == Bucket.day and (end - start).days > 366:
        raise InvalidPeriod(
            "Theo ngày, khoảng thời gian tối đa là một năm.", "By day, the period is at most a year.", field="from"
        )
    only = narrowing(session, unit=unit, category=category, ward=ward)
    points = repository.trends(session, scope, bucket, start=start, end=end, narrowing=only)
    return TrendsRead(
        bucket=bucket,
        points=[
            TrendPointRead(
                start=p.start,
                intake=p.intake,
                handled=p.handled,
                on_time=p.on_time,
                median_hours=_hours(p.median_minutes),
                backlog=p.backlog,
            )
            for p in points
        ],
    )


# The province the IOC watches: one deployment serves one province (settings).
PROVINCE_CODE = get_settings().province_code


@router.get("/wards", response_model=FeatureCollection)
def wards(scope: IocScope, session: SessionDep, response: Response):
    """The province's wards, outlines simplified for the map, with the open and overdue
    reports in each. The dashboard draws these even when no tile server is reachable."""
    response.headers["Cache-Control"] = "private, max-age=60"
    return repository.wards(session, scope, province_code=PROVINCE_CODE, now=utcnow())
