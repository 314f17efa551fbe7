"""The console's pages. Each page asks the same services and route functions the API uses;
nothing here decides who may do what beyond which page a role opens (``policies``)."""

import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import QueryParams

from service.accounts import service as accounts
from service.areas import repository as areas
from service.categories import repository as categories
from service.core import request_context
from service.core.clock import RequestTime
from service.core.database import SessionDep
from service.core.errors import PhanAnhError
from service.core.redis import get_redis
from service.core.schemas import IdPath
from service.core.settings import get_settings
from service.core.timeutil import format_local, to_local
from service.identity.models import Role, User
from service.identity.policies import ACCESS_COOKIE, client_address, user_for_claims
from service.identity.security import decode_access_token
from service.ioc import exports
from service.reports import repository as complaint_records
from service.reports import views
from service.reports.models import IN_HAND_STATUSES, ComplaintStatus
from service.reports.policies import Audience
from service.units import repository as units
from service.web import session as cookies
from service.web.labels import FIELD, decimal, label, options, percent, working_time
from service.web.policies import HOME, Page, may_open, pages_for
from service.workflow import bulk, queue
from service.workflow import router as workflow_api
from service.workflow.schemas import (
    BulkAction,
    BulkReassignBody,
    BulkRejectBody,
    BulkRouteBody,
    DeadlineBand,
    QueueFilters,
    QueueItem,
    RejectKind,
    SavedFilterCreate,
)

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


def _in_page_language(format_: Callable[..., str]) -> Callable[..., Any]:
    # Figures in the page's language: {{ row.median_hours | working_time }}, {{ rate | percent }}.
    return pass_context(lambda context, value, **options: format_(value, context.get("lang", "vi"), **options))


templates.env.filters["working_time"] = _in_page_language(working_time)
templates.env.filters["percent"] = _in_page_language(percent)
templates.env.filters["decimal"] = _in_page_language(decimal)
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
        # The API's own check (revoked login, new password, disabled, role changed).
        user = user_for_claims(session, claims) if claims else None
        if user is not None:
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
PAGE_SIZE = 50
# The view's filters in the page's address, by the API's names (GET /api/v1/queue).
VIEW_KEYS = tuple(QueueFilters.model_fields)
LIST_KEYS = frozenset({"status", "priority"})


def view_of(params: QueryParams) -> tuple[QueueFilters, bool]:
    """The view an address asks for, and whether all of it made sense: a filter that does
    not (a state typed by hand) is left out rather than refusing the page."""
    raw: dict[str, Any] = {}
    for key in VIEW_KEYS:
        if key in LIST_KEYS:
            if values := [v for v in params.getlist(key) if v]:
                raw[key] = values
        elif value := params.get(key, "").strip():
            raw[key] = value
    if params.get("overdue") == "true":  # the queue's first address for the overdue tab
        raw.setdefault("band", DeadlineBand.overdue.value)
    try:
        return QueueFilters.model_validate(raw), True
    except ValidationError as invalid:
        wrong = {str(error["loc"][0]) for error in invalid.errors() if error["loc"]}
        return QueueFilters.model_validate({k: v for k, v in raw.items() if k not in wrong}), False


def view_query(filters: QueueFilters, **changes: Any) -> str:
    """The address's query of a view (defaults left out), with some filters changed."""
    params = {**filters.model_dump(mode="json", exclude_defaults=True), **changes}
    return urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)


# The colour of a row: late, due within four working hours, later, or paused.
BAND_CLASS = {
    DeadlineBand.overdue: "late",
    DeadlineBand.soon: "soon",
    DeadlineBand.later: "ok",
    DeadlineBand.paused: "paused",
}


def band_class(item: QueueItem) -> str:
    return BAND_CLASS.get(item.band, "") if item.band else ""


def unit_groups(session: Session, lang: str, *, leave_out: int | None = None) -> list[tuple[str, list[Any]]]:
    """Units for a picker, grouped as people look for them: those serving many wards, then
    each ward's own units under the ward's name; Vietnamese alphabetical order."""
    t = translator(lang)
    groups: dict[str, list[Any]] = {}
    for unit, ward in units.picker(session):
        if unit.id == leave_out:
            continue
        if ward is None:
            group = t("Đơn vị phụ trách nhiều phường, xã", "Units serving several wards")
        else:
            group = ward.full_name if lang == "vi" else ward.full_name_en
        groups.setdefault(group, []).append((unit.code, unit.name if lang == "vi" else unit.name_en))
    return list(groups.items())


def _bulk_actions(user: User) -> list[BulkAction]:
    # What the console offers to do to several at once; the workflow's policy decides each.
    if user.role == Role.unit_lead:
        return [BulkAction.reassign]
    if user.role == Role.dispatcher:
        return [BulkAction.route, BulkAction.reject]
    return []


def _choices(session: Session, user: User, lang: str) -> dict[str, Any]:
    """What the filters and the bulk actions offer this user."""
    name = (lambda o: o.name) if lang == "vi" else (lambda o: o.name_en)
    states = [s for s in ComplaintStatus if s in IN_HAND_STATUSES]
    if user.role == Role.dispatcher:
        states.insert(0, ComplaintStatus.submitted)
        province = get_settings().province_code
        wards = [a for a in areas.list_areas(session) if a.province_code == province]
    else:
        wards = units.areas_of(session, [user.unit_id]).get(user.unit_id, []) if user.unit_id else []
    officers = units.officers_of(session, user.unit_id) if user.role == Role.unit_lead and user.unit_id else []
    bulk_actions = _bulk_actions(user)
    return {
        "states": states,
        "categories": [(c.code, name(c)) for c in categories.list_categories(session, include_inactive=False)],
        "wards": sorted(((w.code, w.full_name if lang == "vi" else w.full_name_en) for w in wards), key=lambda w: w[1]),
        "officers": officers,
        "bulk_actions": [a.value for a in bulk_actions],
        "unit_groups": unit_groups(session, lang) if BulkAction.route in bulk_actions else [],
        "reject_kinds": list(RejectKind),
    }


def _queue_view(session: Session, user: User, filters: QueueFilters, cursor: str | None, now: Any) -> dict[str, Any]:
    page = queue.page(session=session, user=user, filters=filters, cursor=cursor, limit=PAGE_SIZE, now=now)
    counts = queue.counts(session=session, user=user, filters=filters, now=now)
    here = view_query(filters)
    return {
        "view": filters,
        "here": here,
        "items": page.items,
        "next_url": f"/web/queue?{view_query(filters, cursor=page.next_cursor)}" if page.next_cursor else None,
        "first_url": f"/web/queue?{here}" if cursor else None,
        "counts": counts,
        "tabs": [(None, counts.all, f"/web/queue?{view_query(filters, band=None)}")]
        + [
            (band, getattr(counts, band.value), f"/web/queue?{view_query(filters, band=band.value)}")
            for band in DeadlineBand
        ],
        "live": f"/web/queue/table?{view_query(filters, cursor=cursor)}",
        "colour": band_class,
        "selectable": bool(_bulk_actions(user)),
    }


def _queue_page(
    request: Request, session: Session, user: User, filters: QueueFilters, cursor: str | None, now: Any, **extra: Any
) -> Response:
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    try:
        shown = _queue_view(session, user, filters, cursor, now)
    except PhanAnhError:  # a view that no longer holds (a category since removed), or a stale cursor
        filters, cursor = QueueFilters(), None
        shown = _queue_view(session, user, filters, cursor, now)
        extra["problem"] = translator(lang)(
            "Bộ lọc không còn hợp lệ; đã bỏ lọc.", "The filter no longer holds: cleared."
        )
    saved = [(f, f"/web/queue?{view_query(f.filters)}") for f in queue.saved_filters(session=session, user=user)]
    return render(request, "queue.html", user=user, saved=saved, **_choices(session, user, lang), **shown, **extra)


@router.get("/queue")
def queue_page(request: Request, user: QueueUser, session: SessionDep, now: RequestTime) -> Response:
    filters, whole = view_of(request.query_params)
    problem = (
        None
        if whole
        else translator(request.cookies.get(cookies.LANG_COOKIE, "vi"))(
            "Một bộ lọc không hợp lệ đã được bỏ qua.", "A filter that was not valid was left out."
        )
    )
    return _queue_page(request, session, user, filters, request.query_params.get("cursor"), now, problem=problem)


@router.get("/queue/table")
def queue_table(request: Request, user: QueueUser, session: SessionDep, now: RequestTime) -> Response:
    # The live region: the tabs and the table of the same view, refreshed on every change heard of.
    filters, _ = view_of(request.query_params)
    cursor = request.query_params.get("cursor")
    try:
        shown = _queue_view(session, user, filters, cursor, now)
    except PhanAnhError:
        shown = _queue_view(session, user, QueueFilters(), None, now)
    return render(request, "_queue_table.html", user=user, **shown)


QUEUE_COLUMNS = (
    "Mã phản ánh / Code",
    "Trạng thái / Status",
    "Lĩnh vực / Category",
    "Phường, xã / Ward",
    "Địa chỉ / Address",
    "Nội dung / Description",
    "Ưu tiên / Priority",
    "Hạn / Due",
    "Tình trạng hạn / Deadline",
    "Tiếp nhận / Submitted",
    "Đơn vị / Unit",
    "Cán bộ / Officer",
)


@router.get("/queue/export.csv")
def queue_export(request: Request, user: QueueUser, session: SessionDep, now: RequestTime) -> Response:
    """The view as a CSV file (every row of it, up to ten thousand), through the project's
    one export writer: Excel shows Vietnamese, and a cell that looks like a formula stays text."""
    filters, _ = view_of(request.query_params)
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    rows = [
        (
            item.code,
            label("status", item.status, lang),
            item.category.name if lang == "vi" else item.category.name_en,
            item.area.full_name if lang == "vi" else item.area.full_name_en,
            item.address or "",
            item.description,
            label("priority", item.priority, lang),
            format_local(item.due_at) if item.due_at else "",
            label("deadline_band", item.band, lang),
            format_local(item.submitted_at),
            (item.unit.name if lang == "vi" else item.unit.name_en) if item.unit else "",
            item.officer_name or "",
        )
        for item in queue.export(session=session, user=user, filters=filters, now=now)
    ]
    body = exports.render(exports.FileFormat.csv, QUEUE_COLUMNS, rows, sheet="queue")
    name = f"hang-doi-{to_local(now).date()}.csv"
    return Response(
        body,
        media_type=exports.MEDIA_TYPES[exports.FileFormat.csv],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _form_problem(invalid: ValidationError, lang: str) -> str:
    """A form's first invalid field, in words (pydantic's messages are English)."""
    where = [str(part) for part in invalid.errors()[0].get("loc", ())]
    field = label("field", where[0], lang) if where and where[0] in FIELD else "?"
    return translator(lang)(f"Dữ liệu không hợp lệ: «{field}» chưa đúng.", f"Invalid input: «{field}» is not right.")


BULK_BODIES: dict[BulkAction, type[bulk.BulkBody]] = {
    BulkAction.reassign: BulkReassignBody,
    BulkAction.route: BulkRouteBody,
    BulkAction.reject: BulkRejectBody,
}


@router.post("/queue/bulk/{action}")
async def queue_bulk(
    request: Request, action: BulkAction, user: QueueUser, session: SessionDep, now: RequestTime
) -> Response:
    """One action on the reports ticked in the queue; the page answers with a result per
    report, over the same view."""
    form = await request.form()
    cookies.check_csrf(request, str(form.get("csrf") or ""))
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    t = translator(lang)
    filters, _ = view_of(QueryParams(str(form.get("view") or "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str) and v.strip() and k not in ("csrf", "view", "ids")}
    if action not in _bulk_actions(user):
        raise PageRefused(request, user)
    result, problem = None, None
    try:
        body = BULK_BODIES[action].model_validate({**fields, "complaint_ids": form.getlist("ids")})
        result = await run_in_threadpool(
            partial(bulk.run, session=session, user=user, action=action, body=body, now=now)
        )
    except ValidationError as invalid:
        if any(error["loc"][:1] == ("complaint_ids",) for error in invalid.errors()):
            problem = t("Chưa chọn phản ánh nào (tối đa 100).", "No report chosen (100 at most).")
        else:
            problem = _form_problem(invalid, lang)
    return _queue_page(request, session, user, filters, None, now, results=result, problem=problem)


@router.post("/queue/filters")
def save_filter(
    request: Request,
    user: QueueUser,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    view: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    cookies.check_csrf(request, csrf)
    t = translator(request.cookies.get(cookies.LANG_COOKIE, "vi"))
    filters, _ = view_of(QueryParams(view))
    try:
        saved = queue.save_filter(session=session, user=user, body=SavedFilterCreate(name=name, filters=filters))
        message = t(f"Đã lưu bộ lọc «{saved.name}».", f"Filter «{saved.name}» saved.")
    except ValidationError:
        message = t("Hãy đặt tên cho bộ lọc (tối đa 80 ký tự).", "Give the filter a name (80 characters at most).")
    except PhanAnhError as refusal:
        message = t(refusal.detail_message, refusal.detail_message_en)
    response = RedirectResponse(f"/web/queue?{view_query(filters)}", status_code=303)
    cookies.flash(response, message)
    return response


@router.post("/queue/filters/{filter_id}/delete")
def delete_filter(
    request: Request,
    filter_id: IdPath,
    user: QueueUser,
    session: SessionDep,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    cookies.check_csrf(request, csrf)
    t = translator(request.cookies.get(cookies.LANG_COOKIE, "vi"))
    try:
        queue.forget_filter(session=session, user=user, filter_id=filter_id)
        message = t("Đã xoá bộ lọc.", "Filter deleted.")
    except PhanAnhError as refusal:
        message = t(refusal.detail_message, refusal.detail_message_en)
    response = RedirectResponse("/web/queue", status_code=303)
    cookies.flash(response, message)
    return response


# --- a report on paper ---------------------------------------------------------------------


@router.get("/reports/{complaint_id}/print")
def report_print(
    request: Request,
    complaint_id: uuid.UUID,
    user: Annotated[User, Depends(page_user(Page.report))],
    session: SessionDep,
    now: RequestTime,
) -> Response:
    """A report as offices file it: its facts, its timeline and its photos, on paper. What
    it shows is what the report's page shows the same person (``views.audience``)."""
    complaint = complaint_records.get(session, complaint_id)
    audience = views.audience(session, user, complaint) if complaint else None
    if complaint is None or audience is None:
        return render(request, "error.html", user=user, status=404, code="not_found")
    read = views.complaint_read(session, complaint, audience, user)
    return render(
        request,
        "print.html",
        user=user,
        report=read,
        limited=audience != Audience.staff,
        channel=complaint.channel,
        printed_at=now,
    )


@router.get("/dispatch")
def dispatch_page(
    request: Request, user: Annotated[User, Depends(page_user(Page.dispatch))], session: SessionDep
) -> Response:
    page = workflow_api.dispatch_queue(user=user, session=session, reason=None, offset=0, limit=100)
    return render(request, "dispatch.html", user=user, page=page)
