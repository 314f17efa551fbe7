"""The console's pages. Each page asks the same services and route functions the API uses;
nothing here decides who may do what beyond which page a role opens (``policies``)."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from sqlmodel import Session

from service.accounts import service as accounts
from service.core import request_context
from service.core.database import SessionDep
from service.core.errors import PhanAnhError
from service.core.redis import get_redis
from service.core.settings import get_settings
from service.core.timeutil import format_local, to_local, utcnow
from service.identity import repository as identity
from service.identity.models import Role, User
from service.identity.policies import ACCESS_COOKIE, client_address
from service.identity.security import decode_access_token
from service.ioc import repository as ioc
from service.ioc import router as ioc_api
from service.ioc.policies import Scope, ioc_scope
from service.web import session as cookies
from service.web.labels import label, options
from service.web.policies import HOME, Page, may_open, pages_for
from service.workflow import router as workflow_api

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["local"] = lambda value: format_local(value) if value else ""
router = APIRouter(prefix="/web", include_in_schema=False)


@pass_context
def _label(context: Any, kind: str, value: Any) -> str:
    return label(kind, value, context.get("lang", "vi"))


templates.env.globals["label"] = _label


@pass_context
def _distance(context: Any, metres: float) -> str:
    """A distance as people say it, in the page's number format: "850 m", "3,2 km"."""
    locale = "en" if context.get("lang") == "en" else "vi"
    if metres < 1000:
        return f"{format_decimal(round(metres), locale=locale)} m"
    return f"{format_decimal(metres / 1000, format='#,##0.0', locale=locale)} km"


templates.env.filters["distance"] = _distance
templates.env.globals["options"] = options

# Pages load only what the project serves: no CDN, no inline script.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageRefused(Exception):
    """The page is not for the caller's role. The refusal page is drawn where it is raised,
    while the caller's account is still loaded, so it keeps their header (who they are,
    their pages, logging out)."""

    def __init__(self, request: Request, user: User) -> None:
        self.page = render(request, "error.html", user=user, status=403, code="forbidden")


def _safe_next(value: str | None) -> str:
    # Only back into the console: never an open redirect.
    if value and value.startswith("/web/") and not value.startswith("//"):
        return value
    return "/web/"


def web_user(request: Request, session: SessionDep) -> User:
    token = request.cookies.get(ACCESS_COOKIE)
    if token:
        try:
            claims = decode_access_token(token)
        except PhanAnhError:
            claims = None
        user = identity.get_user(session, claims.user_id) if claims else None
        if user is not None and claims is not None and user.is_active and user.role == claims.role:
            request_context.set_caller(user.id, user.role)
            return user
    query = f"?{request.url.query}" if request.url.query else ""
    raise LoginRequired(request.url.path + query)


WebUser = Annotated[User, Depends(web_user)]


def page_user(page: Page) -> Callable[..., User]:
    def dependency(request: Request, user: WebUser) -> User:
        if not may_open(user, page):
            raise PageRefused(request, user)
        return user

    return dependency


def translator(lang: str) -> Callable[[str, str], str]:
    return lambda vi, en: en if lang == "en" else vi


def render(request: Request, name: str, *, user: User | None = None, status: int = 200, **context: Any) -> Response:
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    csrf = cookies.csrf_token(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": translator(lang),
            "user": user,
            "pages": pages_for(user) if user else [],
            "csrf": csrf,
            "flash": cookies.read_flash(request),
            **context,
        },
        status_code=status,
    )
    cookies.csrf_token(request, response)
    if request.cookies.get(cookies.FLASH_COOKIE):
        response.delete_cookie(cookies.FLASH_COOKIE, path="/web")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


# --- login ---------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        cookies.check_csrf(request, csrf)
        user = accounts.authenticate(
            session=session,
            redis_client=get_redis(),
            login=username,
            password=password,
            client_address=client_address(request),
        )
    except PhanAnhError as refusal:
        return render(request, "login.html", status=refusal.status_code, error=refusal, next=_safe_next(next))
    if user.role == Role.citizen:
        return render(request, "error.html", status=403, code="citizen")
    response = RedirectResponse(_safe_next(next) if next else "/web/", status_code=303)
    cookies.set_login(response, accounts.issue_tokens(session=session, user=user))
    return response


@router.get("/refresh")
def refresh(request: Request, session: SessionDep, next: str | None = None) -> Response:
    token = request.cookies.get(cookies.REFRESH_COOKIE)
    try:
        if not token:
            raise LoginRequired(_safe_next(next))
        tokens = accounts.refresh_tokens(session=session, refresh_token=token)
    except (PhanAnhError, LoginRequired):
        response = RedirectResponse(f"/web/login?next={quote(_safe_next(next))}", status_code=303)
        cookies.clear_login(response)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    cookies.set_login(response, tokens)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, csrf: Annotated[str | None, Form()] = None) -> Response:
    cookies.check_csrf(request, csrf)
    token = request.cookies.get(cookies.REFRESH_COOKIE)
    if token:
        accounts.logout(session=session, refresh_token=token)
    response = RedirectResponse("/web/login", status_code=303)
    cookies.clear_login(response)
    return response


@router.get("/lang/{lang}")
def language(lang: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(cookies.LANG_COOKIE, "en" if lang == "en" else "vi", max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/")
def home(request: Request, user: WebUser) -> Response:
    if user.role not in HOME:
        raise PageRefused(request, user)
    return RedirectResponse(f"/web/{HOME[user.role].value}", status_code=303)


# --- queues --------------------------------------------------------------------------------

QueueUser = Annotated[User, Depends(page_user(Page.queue))]


def _queue(session: Session, user: User, overdue: bool) -> Any:
    return workflow_api.work_queue(
        user=user,
        session=session,
        status=None,
        category_code=None,
        area_code=None,
        overdue=overdue,
        unit=True,
        cursor=None,
        limit=100,
    )


def deadline_class(item: Any) -> str:
    """The colour of a deadline: late, due within four hours, later, or paused."""
    if item.due_at is None:
        return "paused"
    if item.overdue:
        return "late"
    return "soon" if item.due_at - utcnow() < timedelta(hours=4) else "ok"


@router.get("/queue")
def queue_page(request: Request, user: QueueUser, session: SessionDep, overdue: bool = False) -> Response:
    page = _queue(session, user, overdue)
    return render(request, "queue.html", user=user, items=page.items, overdue=overdue, colour=deadline_class)


@router.get("/queue/table")
def queue_table(request: Request, user: QueueUser, session: SessionDep, overdue: bool = False) -> Response:
    page = _queue(session, user, overdue)
    return render(request, "_queue_table.html", user=user, items=page.items, colour=deadline_class)


@router.get("/dispatch")
def dispatch_page(
    request: Request, user: Annotated[User, Depends(page_user(Page.dispatch))], session: SessionDep
) -> Response:
    page = workflow_api.dispatch_queue(user=user, session=session, reason=None, offset=0, limit=100)
    return render(request, "dispatch.html", user=user, page=page)


# --- the IOC dashboard -----------------------------------------------------------------------

IocUser = Annotated[User, Depends(page_user(Page.ioc))]


def _dashboard(session: Session, user: User) -> dict[str, Any]:
    scope: Scope = ioc_scope(user)
    today = to_local(utcnow()).date()
    trends = ioc_api.trends(
        scope=scope, session=session, bucket=ioc.Bucket.day, first=today - timedelta(days=29), last=today
    )
    peak = max([p.intake for p in trends.points] + [1])
    # Processing time by week: a day's median swings with a handful of reports.
    weeks = ioc_api.trends(
        scope=scope, session=session, bucket=ioc.Bucket.week, first=today - timedelta(weeks=11), last=today
    )
    peak_hours = max([p.median_hours or 0 for p in weeks.points] + [1])
    return {
        "weeks": weeks,
        "peak_hours": peak_hours,
        "summary": ioc_api.summary(scope=scope, session=session),
        "units": ioc_api.performance(scope=scope, session=session, group_by=ioc.GroupBy.unit, first=None, last=None),
        "overdue": ioc_api.overdue(scope=scope, session=session, limit=15, offset=0),
        "trends": trends,
        "peak": peak,
    }


@router.get("/ioc")
def ioc_page(request: Request, user: IocUser, session: SessionDep) -> Response:
    scope = ioc_scope(user)
    map_data = {
        "wards": ioc.wards(session, scope, province_code=ioc_api.PROVINCE_CODE, now=utcnow()),
        "hotspots": ioc.hotspots(
            session, scope, since=utcnow() - timedelta(days=90), eps_m=200, min_reports=3, category_code=None
        ),
        "tiles": get_settings().map_tile_url,
    }
    return render(request, "ioc.html", user=user, map_data=map_data, **_dashboard(session, user))


@router.get("/ioc/summary")
def ioc_summary(request: Request, user: IocUser, session: SessionDep) -> Response:
    # Refreshed on every change a dashboard hears of: the tiles' figures only.
    summary = ioc_api.summary(scope=ioc_scope(user), session=session)
    return render(request, "_ioc_summary.html", user=user, summary=summary)
