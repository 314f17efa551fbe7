"""Taking a report for someone who phones the hotline or comes to the office, and looking a
report up by its code for a caller who asks how it is doing.

The page calls the same service functions as ``POST /api/v1/complaints/for-caller`` and
``GET /api/v1/complaints/by-code/{code}``; who may open it is ``intake.policies``' rule."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from service.categories import service as categories
from service.core.clock import RequestTime
from service.core.database import SessionDep
from service.core.errors import NotFound, PhanAnhError
from service.core.settings import get_settings
from service.identity.models import User
from service.intake import service as intake
from service.intake.schemas import CallerAnswer, CallerSubmission
from service.media.imaging import MAX_BYTES
from service.media.storage import get_storage
from service.media.uploads import Upload
from service.reports import views
from service.reports.models import Channel
from service.web import session as cookies
from service.web.labels import FIELD, label
from service.web.policies import Page
from service.web.router import page_user, render, translator

router = APIRouter(prefix="/web", include_in_schema=False)
IntakeUser = Annotated[User, Depends(page_user(Page.intake))]

# The form's fields a refusal may name (the map's point is one field to the person).
FIELDS = {
    "channel": "channel",
    "caller_phone": "caller_phone",
    "caller_name": "caller_name",
    "category_code": "category_code",
    "description": "description",
    "area_code": "area_code",
    "address": "address",
    "lat": "map_point",
    "lon": "map_point",
}
CHANNELS = (Channel.hotline, Channel.walk_in)


def _category_groups(session: Session, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active categories under their group's name, in the catalogue's order."""
    names = {g.code: (g.name if lang == "vi" else g.name_en) for g in categories.list_groups(session=session)}
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in categories.list_categories(session=session, include_inactive=False):
        name = category.name if lang == "vi" else category.name_en
        groups.setdefault(names.get(category.group_code, ""), []).append((category.code, name))
    return list(groups.items())


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str] | None = None,
    problem: str | None = None,
    problem_field: str | None = None,
    status: int = 200,
    code: str | None = None,
    taken: str | None = None,
) -> Response:
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    t = translator(lang)
    answer: CallerAnswer | None = None
    lookup_problem = None
    if code:
        try:
            answer = intake.caller_answer(session=session, user=user, code=code)
        except NotFound:
            lookup_problem = t(f"Không có phản ánh nào mã «{code}».", f"No report has the code «{code}».")
    recent = intake.taken_recently(session=session, staff=user)
    return render(
        request,
        "intake.html",
        user=user,
        status=status,
        values=values or {},
        problem=problem,
        problem_field=problem_field,
        # A new key for each blank form; a refused form keeps its own, so a resend is one report.
        idempotency_key=(values or {}).get("idempotency_key") or uuid.uuid4().hex,
        channels=CHANNELS,
        category_groups=_category_groups(session, lang),
        wards=[(w.code, w.full_name if lang == "vi" else w.full_name_en) for w in intake.wards(session=session)],
        map_data={"wards": intake.ward_map(session=session), "tiles": get_settings().map_tile_url},
        code=code or "",
        answer=answer,
        lookup_problem=lookup_problem,
        taken=intake.confirmation(session=session, staff=user, code=taken) if taken else None,
        recent=views.summaries(session, recent, viewer=user),
    )


@router.get("/intake")
def intake_page(
    request: Request, user: IntakeUser, session: SessionDep, code: str | None = None, taken: str | None = None
) -> Response:
    """The form, the code lookup (``?code=``) and, after a report was taken, its confirmation
    (``?taken=``, for the staff member who took it)."""
    return _page(request, session, user, code=(code or "").strip()[:20] or None, taken=taken)


def _submission(form: dict[str, str]) -> CallerSubmission:
    def number(name: str) -> float | None:
        raw = form.get(name, "").strip().replace(",", ".")
        return float(raw) if raw else None

    return CallerSubmission.model_validate(
        {
            "channel": form.get("channel") or None,
            "caller_phone": form.get("caller_phone", ""),
            "caller_name": form.get("caller_name", "").strip() or None,
            "category_code": form.get("category_code", ""),
            "description": form.get("description", "").strip(),
            "lat": number("lat"),
            "lon": number("lon"),
            "area_code": form.get("area_code") or None,
            "address": form.get("address", "").strip() or None,
        }
    )


def _field_of(where: str | None) -> str | None:
    """The form's field a refusal names (``complaint.caller_phone`` -> ``caller_phone``)."""
    name = (where or "").removeprefix("complaint.")
    if name.startswith("photos"):
        return "photos"
    return FIELDS.get(name)


def _invalid(invalid: ValueError, t: Callable[[str, str], str], lang: str) -> tuple[str, str | None]:
    """A form's first invalid field, in words (pydantic's messages are English)."""
    errors = invalid.errors() if isinstance(invalid, ValidationError) else []
    where = [str(part) for part in errors[0].get("loc", ())] if errors else []
    name = FIELDS.get(where[0], "") if where else ""
    if name not in FIELD:
        return t("Dữ liệu không hợp lệ.", "Invalid input."), None
    field = label("field", name, lang)
    return t(f"Dữ liệu không hợp lệ: «{field}» chưa đúng.", f"Invalid input: «{field}» is not right."), name


@router.post("/intake")
async def take_report(
    request: Request,
    user: IntakeUser,
    session: SessionDep,
    now: RequestTime,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    cookies.check_csrf(request, form.get("csrf"))
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    t = translator(lang)
    # A file input left empty still sends one nameless, empty part.
    uploads = [Upload(p.filename, await p.read(MAX_BYTES + 1)) for p in photos or [] if p.filename]
    key = form.get("idempotency_key", "").strip()[:128] or uuid.uuid4().hex
    try:
        submission = _submission(form)
        taken = await run_in_threadpool(
            lambda: intake.take_for_caller(
                session=session,
                storage=get_storage(),
                staff=user,
                submission=submission,
                uploads=uploads,
                idempotency_key=key,
                now=now,
            )
        )
    except PhanAnhError as refusal:
        session.rollback()
        message = t(refusal.detail_message, refusal.detail_message_en)
        return _page(
            request,
            session,
            user,
            values={**form, "idempotency_key": key},
            problem=message,
            problem_field=_field_of(refusal.field),
            status=refusal.status_code,
        )
    except ValueError as invalid:  # the form did not make a valid submission
        session.rollback()
        message, field = _invalid(invalid, t, lang)
        return _page(
            request,
            session,
            user,
            values={**form, "idempotency_key": key},
            problem=message,
            problem_field=field,
            status=422,
        )
    response = RedirectResponse(f"/web/intake?taken={taken.complaint.code}", status_code=303)
    if taken.claim_code:
        # Shown once (the flash line) and never stored in clear: the staff member reads it out.
        cookies.flash(
            response,
            t(
                f"Mã nhận tài khoản cho người dân: {taken.claim_code} — đọc cho họ; họ đăng ký trong ứng dụng bằng "
                "số điện thoại này và mã này để theo dõi phản ánh.",
                f"Account code for the caller: {taken.claim_code} — read it to them; they register in the app with "
                "this phone and this code to follow the report.",
            ),
        )
    return response
