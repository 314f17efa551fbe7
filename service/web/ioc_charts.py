"""The dashboard's charts: intake, resolved and backlog per day, on-time rate and processing
time per week, over the period the page's picker chose. The figures are the trends API's,
embedded in the page as JSON and drawn by static/ioc/charts.js (Apache ECharts)."""

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.core.timeutil import to_local, utcnow
from service.identity.models import User
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope
from service.web import session as cookies
from service.web.ioc_filters import IocFilters, read_filters
from service.web.router import translator

# With no period chosen: a month of days, and a quarter of weeks (a week's median steadies
# what a day's handful of reports would swing).
DEFAULT_DAYS = 30
DEFAULT_WEEKS = 12


def _chosen(request: Request, *, session: Session, today: date) -> IocFilters | None:
    """The picker's choice (service/web/ioc_filters.py, the same as the tables'), or None when
    the URL makes none: the charts' own default, a month of days, says more than this month's
    first two days would."""
    if not any(request.query_params.get(name) for name in ("period", "unit", "category", "ward")):
        return None
    return read_filters(session=session, params=request.query_params, today=today)


def _frame(*, session: Session, request: Request) -> tuple[date, date, date, dict[str, str | None]]:
    """The days and weeks the charts cover, and the narrowing, from the page's query."""
    today = to_local(utcnow()).date()
    chosen = _chosen(request, session=session, today=today)
    if chosen is None:
        return today - timedelta(days=DEFAULT_DAYS - 1), today, today - timedelta(weeks=DEFAULT_WEEKS - 1), {}
    only = {"unit": chosen.unit, "category": chosen.category, "ward": chosen.ward}
    return chosen.first, chosen.last, chosen.first, only


def _words(request: Request) -> dict[str, str]:
    t = translator(request.cookies.get(cookies.LANG_COOKIE, "vi"))
    return {
        "reports": t("phản ánh", "reports"),
        "intake": t("Tiếp nhận", "Received"),
        "handled": t("Đã xử lý", "Resolved"),
        "backlog": t("Đang mở cuối ngày", "Open at the day's end"),
        "on_time": t("Tỷ lệ đúng hạn", "On-time rate"),
        "median": t("Trung vị thời gian xử lý", "Median processing time"),
        "hours": t("giờ làm việc", "working hours"),
        # A time in a tooltip, as the tables say it (service/core/numbers.working_time).
        "hour": t("giờ", "h"),
        "minute": t("phút", "min"),
        "working": t("làm việc", "working time"),
        "week_of": t("Tuần từ", "Week of"),
        "of_handled": t("trong số đã xử lý", "of those resolved"),
        "none": t("chưa có", "none yet"),
    }


def _charts(request: Request, *, first: date, last: date, days: Any = None, weeks: Any = None) -> dict[str, Any]:
    """What charts.js draws: the period, the two series (None until charts.json brings them)
    and the words around them, in the page's language."""
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "period": f"{first:%d/%m/%Y} – {last:%d/%m/%Y}",
        "days": days,
        "weeks": weeks,
        "text": _words(request),
    }


def data(*, session: Session, user: User, request: Request) -> dict[str, Any]:
    """charts.json: the page's frame with both series filled in."""
    scope = ioc_scope(user)
    first, last, week_first, only = _frame(session=session, request=request)
    days = ioc_api.trends(scope=scope, session=session, bucket=ioc.Bucket.day, first=first, last=last, **only)
    weeks = ioc_api.trends(scope=scope, session=session, bucket=ioc.Bucket.week, first=week_first, last=last, **only)
    return _charts(
        request,
        first=first,
        last=last,
        days=[p.model_dump(mode="json") for p in days.points],
        weeks=[p.model_dump(mode="json") for p in weeks.points],
    )


def context(*, session: Session, request: Request) -> dict[str, Any]:
    """The page's frame of the charts: the series come by charts.json (charts.js asks at
    once), so the page does not wait for two passes over the period's reports."""
    first, last, _, _ = _frame(session=session, request=request)
    return {"charts": _charts(request, first=first, last=last)}
