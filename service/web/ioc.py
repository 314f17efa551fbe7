"""The IOC dashboard's pages: one page of panels (figures, tables, map, charts), each panel's
context built by its own module, and the fragments the live stream refreshes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from service.core.database import SessionDep
from service.core.schemas import IdPath
from service.core.timeutil import utcnow
from service.identity.models import User
from service.ioc import monthly
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope
from service.web import ioc_charts, ioc_map, ioc_tables, labels
from service.web import session as cookies
from service.web.policies import Page
from service.web.router import page_user, render

router = APIRouter(prefix="/web", include_in_schema=False)

IocUser = Annotated[User, Depends(page_user(Page.ioc))]


@router.get("/ioc")
def ioc_page(request: Request, user: IocUser, session: SessionDep) -> Response:
    return render(
        request,
        "ioc.html",
        user=user,
        summary=ioc_api.summary(scope=ioc_scope(user), session=session),
        may_read_monthly=monthly.may_read(user.role),
        **ioc_tables.context(session=session, user=user, request=request),
        **ioc_map.context(session=session, request=request),
        **ioc_charts.context(session=session, request=request),
    )


@router.get("/ioc/summary")
def ioc_summary(request: Request, user: IocUser, session: SessionDep) -> Response:
    # Refreshed on every change a dashboard hears of: the tiles' figures only.
    summary = ioc_api.summary(scope=ioc_scope(user), session=session)
    return render(request, "_ioc_summary.html", user=user, summary=summary)


@router.get("/ioc/charts.json")
def ioc_charts_data(request: Request, user: IocUser, session: SessionDep) -> JSONResponse:
    # What the charts fetch again on each change, for the period in the page's own query.
    return JSONResponse(ioc_charts.data(session=session, user=user, request=request))


# Long enough to read a panel from across the room; short enough that nothing hides for long.
WALL_EVERY_S = 20
# The overdue panel is one screen of a wall: the longest overdue first, no paging.
WALL_OVERDUE = 12


@router.get("/ioc/wall")
def ioc_wall(
    request: Request,
    user: IocUser,
    session: SessionDep,
    every: Annotated[int, Query(ge=2, le=600, description="Seconds each panel stays on the wall")] = WALL_EVERY_S,
) -> Response:
    """The video wall: the figures, the charts, the map and the overdue list, one panel at a
    time in turn (static/ioc/wall.js), with no one at the keyboard."""
    scope = ioc_scope(user)
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    return render(
        request,
        "ioc_wall.html",
        user=user,
        every=every,
        working_time=lambda hours: labels.working_time(hours, lang),
        summary=ioc_api.summary(scope=scope, session=session),
        overdue=ioc_api.overdue(scope=scope, session=session, limit=WALL_OVERDUE, offset=0),
        **ioc_map.context(session=session, request=request),
        **ioc_charts.context(session=session, request=request),
    )


# --- the tables' routes (service/web/ioc_tables.py) -----------------------------------------


@router.get("/ioc/tables")
def ioc_tables_fragment(request: Request, user: IocUser, session: SessionDep) -> Response:
    # Refreshed by static/ioc/tables.js on every change, with the page's own query.
    context = ioc_tables.context(session=session, user=user, request=request)
    return render(request, "_ioc_tables.html", user=user, **context)


@router.get("/ioc/reports")
def ioc_reports(request: Request, user: IocUser, session: SessionDep) -> Response:
    found = ioc_tables.reports(session=session, user=user, request=request)
    if found is None:
        return render(request, "error.html", user=user, status=404, code="not_found")
    return render(request, "ioc_reports.html", user=user, **found)


@router.get("/ioc/officers/{officer_id}")
def ioc_officer(request: Request, user: IocUser, session: SessionDep, officer_id: IdPath) -> Response:
    found = ioc_tables.officer(session=session, user=user, request=request, officer_id=officer_id)
    if found is None:
        return render(request, "error.html", user=user, status=404, code="not_found")
    return render(request, "ioc_officer.html", user=user, **found)


# --- the monthly report: listed, and made now by those who may (service/ioc/monthly.py) ---


def _monthly_page(
    request: Request, user: User, session: SessionDep, *, status: int = 200, **context: object
) -> Response:
    if not monthly.may_read(user.role):
        return render(request, "error.html", user=user, status=403, code="forbidden")
    reports = monthly.listed(session=session)
    default = f"{monthly.previous_month(now=utcnow()):%Y-%m}"
    return render(request, "ioc_monthly.html", user=user, status=status, reports=reports, default=default, **context)


@router.get("/ioc/monthly")
def ioc_monthly(request: Request, user: IocUser, session: SessionDep) -> Response:
    return _monthly_page(request, user, session)


@router.post("/ioc/monthly")
async def ioc_monthly_make(request: Request, user: IocUser, session: SessionDep) -> Response:
    form = await request.form()
    cookies.check_csrf(request, str(form.get("csrf") or ""))
    if not monthly.may_read(user.role):
        return render(request, "error.html", user=user, status=403, code="forbidden")
    try:
        month = monthly.parse_month(str(form.get("month") or ""))
        # A few seconds of layout: off the event loop.
        await run_in_threadpool(monthly.make, session=session, month=month, now=utcnow(), created_by=user.id)
    except (monthly.InvalidMonth, monthly.MonthNotStarted) as refusal:
        return _monthly_page(request, user, session, status=refusal.status_code, refusal=refusal)
    response = Response(status_code=303, headers={"Location": "/web/ioc/monthly"})
    english = request.cookies.get(cookies.LANG_COOKIE) == "en"
    done = f"The report for {month:%m/%Y} is ready." if english else f"Đã lập báo cáo tháng {month:%m/%Y}."
    cookies.flash(response, done)
    return response
