"""The monthly report: a PDF in Vietnamese for the province leadership, made on demand for
any month and by beat at the start of each month, kept in storage and listed for download.

Its numbers are the API's numbers: the same repository functions that answer
``/api/v1/ioc/trends``, ``/performance`` and ``/overdue``, asked for the month's period
(from the 1st, midnight in Vietnam, to the next month's 1st). Overdue figures are those
of the moment the report is made, as in the API (a report's deadline of that time is
not kept once it is handled); beat makes it at 01:00 on the 1st, an hour after month end.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from service.core import numbers
from service.core.errors import PhanAnhError
from service.core.settings import LOCAL_TZ
from service.core.timeutil import format_local, to_local
from service.core.transaction_hooks import on_commit, on_rollback
from service.identity.models import Role
from service.ioc import repository
from service.ioc.models import MonthlyReport, ReportScope
from service.ioc.policies import Scope
from service.ioc.repository import Bucket, GroupBy
from service.media.storage import get_storage
from service.sla.service import calendar

PROVINCE = Scope(unit_id=None)
# The leadership reads the longest overdue; the full list is the API's export.
OVERDUE_ROWS = 30
MEDIA_TYPE = "application/pdf"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidMonth(PhanAnhError):
    status_code = 422
    code = "invalid_month"
    message = "Tháng không hợp lệ: viết theo dạng NNNN-TT, ví dụ 2026-11."
    message_en = "The month is not valid: write it as YYYY-MM, for example 2026-11."


class MonthNotStarted(PhanAnhError):
    status_code = 422
    code = "month_not_started"
    message = "Tháng này chưa bắt đầu: chưa có số liệu để báo cáo."
    message_en = "That month has not begun: there are no figures to report yet."


class MonthlyReportNotFound(PhanAnhError):
    status_code = 404
    code = "monthly_report_not_found"
    message = "Chưa có báo cáo của tháng này."
    message_en = "No report has been made for that month."


def parse_month(value: str) -> date:
    """``2026-11`` -> 1 November 2026; anything else is refused with ``invalid_month``."""
    found = _MONTH.match(value.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
        raise InvalidMonth(field="month")
    return date(int(found[1]), int(found[2]), 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(*, now: datetime) -> date:
    """The month before the one ``now`` falls in, in Vietnam: what beat reports on."""
    first = to_local(now).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ)


# Text as people read it: Vietnamese number formatting, times in working hours and minutes.


def number(value: float | int) -> str:
    return numbers.decimal(value, digits=3)


def percent(part: int, whole: int) -> str:
    # The API's rate (4 places), written as the console writes it: "89 %", "87,5 %".
    return numbers.percent(numbers.rate(part, whole))


def working_time(minutes: float | None, *, short: bool = False) -> str:
    """127.4 -> "2 giờ 7 phút làm việc" ("2 giờ 7 phút" in a table whose header says working
    time); "—" when nothing was handled."""
    return numbers.working_time(minutes, short=short)


# The charts: simple SVG the template draws, geometry worked out here.

CHART_W, CHART_H = 680, 210
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 670, 14, 176


def _nice_ceiling(value: float) -> int:
    """The axis top: the smallest of 1, 2, 5 x 10^k not below ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _ticks(top: float, count: int = 4) -> list[dict[str, Any]]:
    span = PLOT_BOTTOM - PLOT_TOP
    return [{"y": PLOT_BOTTOM - span * i / count, "label": number(round(top * i / count, 1))} for i in range(count + 1)]


@dataclass(frozen=True)
class Chart:
    ticks: list[dict[str, Any]]
    bars: list[dict[str, Any]] = field(default_factory=list)
    points: str = ""
    dots: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)


def _daily_chart(days: list[repository.TrendPoint]) -> Chart:
    top = _nice_ceiling(max([max(d.intake, d.handled) for d in days] + [1]))
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(days), 1)
    span = PLOT_BOTTOM - PLOT_TOP
    bars, labels = [], []
    for i, day in enumerate(days):
        x = PLOT_LEFT + i * slot
        for j, (value, kind) in enumerate(((day.intake, "intake"), (day.handled, "handled"))):
            height = span * value / top
            bars.append({"x": x + 1 + j * (slot - 2) / 2, "y": PLOT_BOTTOM - height, "w": (slot - 2) / 2, "h": height,
                         "kind": kind})  # fmt: skip
        if i % 5 == 0 or i == len(days) - 1:
            labels.append({"x": x + slot / 2, "text": day.start.strftime("%d/%m")})
    return Chart(ticks=_ticks(top), bars=bars, labels=labels)


def _weekly_chart(weeks: list[repository.TrendPoint]) -> Chart:
    span = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(weeks), 1)
    dots, labels = [], []
    for i, week in enumerate(weeks):
        x = PLOT_LEFT + slot * (i + 0.5)
        labels.append({"x": x, "text": week.start.strftime("%d/%m")})
        if week.handled:
            rate = week.on_time / week.handled
            dots.append({"x": x, "y": PLOT_BOTTOM - span * rate, "label": percent(week.on_time, week.handled)})
    ticks = [{"y": PLOT_BOTTOM - span * i / 4, "label": f"{25 * i} %"} for i in range(5)]
    return Chart(ticks=ticks, dots=dots, points=" ".join(f"{d['x']:.1f},{d['y']:.1f}" for d in dots), labels=labels)


@dataclass(frozen=True)
class MonthFigures:
    month: date
    made_at: datetime
    received: int
    handled: int
    on_time: int
    median_minutes: float | None
    p90_minutes: float | None
    overdue_total: int
    units: list[repository.Performance]
    officers: list[repository.Performance]
    overdue: list[dict[str, Any]]
    daily: Chart
    weekly: Chart


def figures(*, session: Session, month: date, now: datetime) -> MonthFigures:
    """The month's figures for the province, from the API's own queries."""
    start, end = _midnight(month), _midnight(next_month(month))
    (whole,) = repository.trends(session, PROVINCE, Bucket.month, start=start, end=end)
    overdue_rows, overdue_total = repository.overdue(session, PROVINCE, now=now, limit=OVERDUE_ROWS, offset=0)
    cal = calendar(session=session)
    return MonthFigures(
        month=month,
        made_at=now,
        received=whole.intake,
        handled=whole.handled,
        on_time=whole.on_time,
        median_minutes=whole.median_minutes,
        p90_minutes=repository.province_p90_minutes(session, start=start, end=end),
        overdue_total=overdue_total,
        units=repository.performance(session, PROVINCE, GroupBy.unit, start=start, end=end, now=now),
        officers=repository.performance(session, PROVINCE, GroupBy.officer, start=start, end=end, now=now),
        overdue=[
            {**row, "overdue_minutes": cal.between(row["due_at"], now).total_seconds() / 60} for row in overdue_rows
        ],
        daily=_daily_chart(repository.trends(session, PROVINCE, Bucket.day, start=start, end=end)),
        weekly=_weekly_chart(repository.trends(session, PROVINCE, Bucket.week, start=start, end=end)),
    )


_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters.update(number=number, working_time=working_time, local=format_local)
_templates.globals.update(percent=percent)


def render_html(month_figures: MonthFigures) -> str:
    return _templates.get_template("monthly.html").render(f=month_figures, W=CHART_W, H=CHART_H,
        left=PLOT_LEFT, right=PLOT_RIGHT, top=PLOT_TOP, bottom=PLOT_BOTTOM)  # fmt: skip


def render_pdf(month_figures: MonthFigures) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only this needs.
    from weasyprint import HTML

    return HTML(string=render_html(month_figures)).write_pdf()  # type: ignore[no-any-return]


def storage_key(month: date) -> str:
    # A new name each time it is made: replacing a month's report never overwrites the
    # file a committed row points at, and a rollback removes only the new file.
    return f"reports/monthly/{month:%Y-%m}-{uuid.uuid4().hex[:8]}.pdf"


def make(*, session: Session, month: date, now: datetime, created_by: int | None) -> MonthlyReport:
    """Make the month's report now and keep it, replacing one made before. The caller's
    transaction owns the row; the old file goes once it commits, the new one if it rolls back."""
    if month > to_local(now).date().replace(day=1):
        raise MonthNotStarted(field="month")
    pdf = render_pdf(figures(session=session, month=month, now=now))
    key = storage_key(month)
    storage = get_storage()
    storage.put(key, pdf, content_type=MEDIA_TYPE)
    on_rollback(session, lambda: storage.delete(key))
    report = get(session=session, month=month)
    if report is None:
        report = MonthlyReport(month=month, scope=ReportScope.province, size_bytes=0, storage_key=key)
    else:
        replaced = report.storage_key
        on_commit(session, lambda: storage.delete(replaced))
    report.created_at, report.created_by, report.size_bytes, report.storage_key = now, created_by, len(pdf), key
    session.add(report)
    session.flush()
    return report


def get(*, session: Session, month: date) -> MonthlyReport | None:
    return repository.monthly_report(session, month, ReportScope.province)


def listed(*, session: Session) -> list[MonthlyReport]:
    """The reports kept, the newest month first."""
    return repository.monthly_reports(session, ReportScope.province)


def pdf_bytes(*, session: Session, month: date) -> bytes:
    report = get(session=session, month=month)
    if report is None:
        raise MonthlyReportNotFound(field="month")
    return get_storage().get(report.storage_key)


def may_read(role: Role) -> bool:
    """Dispatchers and admins, the province's: the report names every unit and officer of
    the province, so a unit's lead (who sees their unit's figures on the dashboard) has none."""
    return role in (Role.dispatcher, Role.admin)
