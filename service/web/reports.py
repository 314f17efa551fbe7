"""A report's page in the console and the handling actions taken from it.

The page shows what the caller may see of the report (``views.audience``: the reporter's
details only on a need-to-know basis), the evidence behind its photo flags, and a form for
every action the workflow's policy lets the caller take in the report's state."""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.areas import repository as areas
from service.categories import repository as categories
from service.core.clock import RequestTime
from service.core.database import SessionDep
from service.core.errors import PhanAnhError
from service.core.geojson import feature_collection
from service.core.settings import get_settings
from service.identity import repository as identity
from service.identity.models import User
from service.media.imaging import MAX_BYTES
from service.media.storage import get_storage
from service.media.uploads import Upload
from service.replies import service as replies
from service.replies.models import ReplyPurpose
from service.reports import repository as complaints
from service.reports import views
from service.reports.models import Complaint, PhotoKind
from service.reports.policies import Audience
from service.reports.schemas import ComplaintRead
from service.units import repository as units
from service.web import session as cookies
from service.web.labels import FIELD, label, options
from service.web.policies import Page
from service.web.router import PageRefused, page_user, render, translator, unit_groups
from service.workflow import repository as handling
from service.workflow import service as workflow
from service.workflow.machine import Action, can_move
from service.workflow.policies import may_act
from service.workflow.schemas import (
    ChangeCategoryBody,
    ChangePriorityBody,
    ClearFlagsBody,
    DuplicateBody,
    EditAddressBody,
    ExtendBody,
    ExtensionDecisionBody,
    NoteBody,
    QuestionBody,
    ReassignBody,
    RejectBody,
    RejectKind,
    ReturnBody,
    RouteBody,
    TransferBody,
)

router = APIRouter(prefix="/web", include_in_schema=False)
ReportUser = Annotated[User, Depends(page_user(Page.report))]

# The actions the console offers, in the order of their forms on the page.
OFFERED = (
    Action.clear_flags,
    Action.route,
    Action.acknowledge,
    Action.start,
    Action.request_info,
    Action.resolve,
    Action.extend,
    Action.approve_extension,
    Action.reassign,
    Action.change_category,
    Action.change_priority,
    Action.edit_address,
    Action.mark_duplicate,
    Action.transfer,
    Action.return_,
    Action.reject,
)


def offered(session: Session, user: User, complaint: Complaint) -> list[Action]:
    """The actions the caller may take now; those that would only be refused (no flag left
    to clear, an extension already asked or none to decide) are not offered."""
    allowed = [a for a in OFFERED if can_move(a, complaint.status) and may_act(user, a, complaint)]
    flagged = (complaint.location_mismatch or complaint.reused_photo) and complaint.flags_reviewed_at is None
    pending = handling.pending_extension(session, complaint.id) is not None
    skip = {
        Action.clear_flags: not flagged,
        Action.extend: pending,
        Action.approve_extension: not pending,
    }
    return [a for a in allowed if not skip.get(a, False)]


def category_choices(session: Session, lang: str, *, leave_out: int | None = None) -> list[tuple[str, list[Any]]]:
    """Active categories for a picker, under their groups' names, in the catalogue's order."""
    groups = {g.code: (g.name if lang == "vi" else g.name_en) for g in categories.list_groups(session)}
    grouped: dict[str, list[Any]] = {}
    for category in categories.list_categories(session, include_inactive=False):
        if category.id != leave_out:
            name = category.name if lang == "vi" else category.name_en
            grouped.setdefault(groups.get(category.group_code, ""), []).append((category.code, name))
    return list(grouped.items())


def correcting(session: Session, complaint: Complaint, allowed: list[Action], lang: str) -> dict[str, Any]:
    """What the correction forms and the reply-template pickers need: the categories and
    priorities to choose from (not the current one: nothing is chosen for the caller), and
    the templates filled in for this report, the reporter's language first."""
    t = translator(lang)
    found: dict[str, Any] = {"category_groups": [], "priority_choices": [], "replies": {}, "reply_texts": {}}
    if Action.change_category in allowed:
        found["category_groups"] = category_choices(session, lang, leave_out=complaint.category_id)
    if Action.change_priority in allowed:
        found["priority_choices"] = [(c, w) for c, w in options("priority", lang) if c != complaint.priority]
    fields = {Action.resolve: ReplyPurpose.result, Action.request_info: ReplyPurpose.question}
    if not set(fields) & set(allowed):
        return found
    filled = replies.filled_for(session=session, complaint=complaint)
    for action, purpose in fields.items():
        if action in allowed:
            found["replies"][purpose.value] = [r for r in filled if r.purpose == purpose]
    found["reply_texts"] = {f"{r.id}-vi": r.text_vi for r in filled} | {f"{r.id}-en": r.text_en for r in filled}
    citizen = identity.get_user(session, complaint.citizen_id)
    theirs = str(citizen.language) if citizen else "vi"
    languages = [
        ("vi", t("Tiếng Việt", "Vietnamese")),
        ("en", t("Tiếng Anh", "English")),
    ]
    found["reply_languages"] = [
        (code, f"{name} — {t('ngôn ngữ của người dân', 'the citizen’s language')}" if code == theirs else name)
        for code, name in sorted(languages, key=lambda pair: pair[0] != theirs)
    ]
    return found


def evidence(session: Session, complaint: Complaint, read: ComplaintRead, user: User) -> dict[str, Any]:
    """Why the photo pipeline flagged the report, for the dispatcher to judge: where each
    photo was taken against the pin, and the earlier report a photo was already used in."""
    if not read.flags:
        return {}
    taken = [
        {"lat": p.gps_lat, "lon": p.gps_lon}
        for p in complaints.photos_of(session, [complaint.id], kind=PhotoKind.report)
        if p.gps_lat is not None and p.gps_lon is not None
    ]
    photos = {str(p.id): p for p in read.photos}
    distance = None
    reused = []
    for line in read.timeline:
        details = line.details or {}
        if line.action == "location_mismatch":
            distance = details.get("distance_m")
        elif line.action == "reused_photo" and (other := handling.by_code(session, details.get("other_code", ""))):
            earlier = views.complaint_read(session, other, Audience.public, user)
            reused.append({"photo": photos.get(details.get("photo_id", "")), "other": earlier})
    return {"distance_m": distance, "taken": taken, "reused": reused}


@router.get("/reports/{complaint_id}")
def report_page(request: Request, complaint_id: uuid.UUID, user: ReportUser, session: SessionDep) -> Response:
    complaint = complaints.get(session, complaint_id)
    audience = views.audience(session, user, complaint) if complaint else None
    if complaint is None or audience is None:
        return render(request, "error.html", user=user, status=404, code="not_found")
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    read = views.complaint_read(session, complaint, audience, user)
    allowed = offered(session, user, complaint)
    proof = evidence(session, complaint, read, user)
    outline = areas.geometry_geojson(session, complaint.area_id, simplify=0.0002)
    map_data = {
        "point": {"lat": read.lat, "lon": read.lon},
        "taken": proof.get("taken", []),
        "wards": feature_collection([(outline, {})]) if outline else None,
        "tiles": get_settings().map_tile_url,
    }
    officers = []
    if Action.reassign in allowed and complaint.current_unit_id:
        officers = [
            o for o in units.officers_of(session, complaint.current_unit_id) if o.id != complaint.current_officer_id
        ]
    originals = {c.code for c in read.duplicate_candidates or []}
    earlier = [r["other"] for r in proof.get("reused", []) if r["other"].code not in originals]
    return render(
        request,
        "report.html",
        user=user,
        report=read,
        limited=audience != Audience.staff,
        channel=complaint.channel,
        allowed=[a.value for a in allowed],
        unit_groups=unit_groups(session, lang, leave_out=complaint.current_unit_id)
        if {Action.route, Action.transfer} & set(allowed)
        else [],
        officers=officers,
        extension=handling.pending_extension(session, complaint.id),
        originals=[*(read.duplicate_candidates or []), *earlier],
        proof=proof,
        map_data=map_data,
        reject_kinds=list(RejectKind),
        **correcting(session, complaint, allowed, lang),
    )


def _body(action: Action, form: dict[str, str]) -> Any:
    """The API's body for an action, from the console's form (validated the same way)."""
    match action:
        case Action.acknowledge | Action.start:
            return NoteBody(note=form.get("note") or None)
        case Action.request_info:
            return QuestionBody(question=form.get("question", ""))
        case Action.extend:
            return ExtendBody(working_days=int(form.get("working_days") or 0), reason=form.get("reason", ""))
        case Action.approve_extension:
            return ExtensionDecisionBody(approve=form.get("approve") == "true", note=form.get("note") or None)
        case Action.route:
            return RouteBody(unit_code=form.get("unit_code", ""), note=form.get("note") or None)
        case Action.transfer:
            return TransferBody(unit_code=form.get("unit_code", ""), reason=form.get("reason", ""))
        case Action.return_:
            return ReturnBody(reason=form.get("reason", ""))
        case Action.reassign:
            return ReassignBody(officer_id=int(form.get("officer_id") or 0), reason=form.get("reason") or None)
        case Action.reject:
            return RejectBody(kind=form.get("kind", ""), reason=form.get("reason", ""))  # type: ignore[arg-type]
        case Action.mark_duplicate:
            return DuplicateBody(original_code=form.get("original_code", ""), note=form.get("note") or None)
        case Action.clear_flags:
            return ClearFlagsBody(note=form.get("note") or None)
        case Action.change_category:
            return ChangeCategoryBody(category_code=form.get("category_code", ""), reason=form.get("reason", ""))
        case Action.change_priority:
            return ChangePriorityBody(priority=form.get("priority", ""), reason=form.get("reason", ""))  # type: ignore[arg-type]
        case Action.edit_address:
            return EditAddressBody(address=form.get("address", ""), reason=form.get("reason") or None)
    raise ValueError(action)


_SERVICE: dict[Action, Callable[..., Any]] = {
    Action.acknowledge: workflow.acknowledge,
    Action.start: workflow.start,
    Action.request_info: workflow.request_info,
    Action.extend: workflow.request_extension,
    Action.approve_extension: workflow.decide_extension,
    Action.route: workflow.route,
    Action.transfer: workflow.transfer,
    Action.return_: workflow.return_to_dispatcher,
    Action.reassign: workflow.reassign,
    Action.reject: workflow.reject,
    Action.mark_duplicate: workflow.mark_duplicate,
    Action.clear_flags: workflow.clear_flags,
    Action.change_category: workflow.change_category,
    Action.change_priority: workflow.change_priority,
    Action.edit_address: workflow.edit_address,
}
# Once one of these is done the report has left the dispatcher's hands: back to their queue.
LEAVES_DISPATCH = (Action.route, Action.reject, Action.mark_duplicate, Action.clear_flags)


@router.post("/reports/{complaint_id}/{action}")
async def act(
    request: Request,
    complaint_id: uuid.UUID,
    action: Action,
    user: ReportUser,
    session: SessionDep,
    now: RequestTime,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    cookies.check_csrf(request, form.get("csrf"))
    back = f"/web/reports/{complaint_id}"
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    t = translator(lang)
    done = False
    try:
        if action == Action.resolve:
            uploads = [Upload(p.filename, await p.read(MAX_BYTES + 1)) for p in photos or [] if p.filename]
            run = partial(
                workflow.resolve,
                session=session,
                storage=get_storage(),
                user=user,
                complaint_id=complaint_id,
                result=form.get("result", "").strip(),
                uploads=uploads,
                now=now,
            )
        elif action in _SERVICE:
            body = _body(action, form)
            run = partial(_SERVICE[action], session=session, user=user, complaint_id=complaint_id, body=body, now=now)
        else:
            raise PageRefused(request, user)
        await run_in_threadpool(run)
        done, message = True, label("action_done", action, lang)
    except PhanAnhError as refusal:
        session.rollback()
        message = t(refusal.detail_message, refusal.detail_message_en)
    except ValueError as invalid:  # the form did not make a valid body
        session.rollback()
        message = t("Dữ liệu không hợp lệ: ", "Invalid input: ") + _first_problem(invalid, lang)
    leaves = done and action in LEAVES_DISPATCH and user.role == "dispatcher"
    response = RedirectResponse("/web/dispatch" if leaves else back, 303)
    cookies.flash(response, message)
    return response


def _first_problem(invalid: ValueError, lang: str) -> str:
    """A form's first invalid field, in words (pydantic's messages are English)."""
    errors = getattr(invalid, "errors", None)
    if not callable(errors):
        return translator(lang)("giá trị không hợp lệ", "a value is not valid")
    where = [str(part) for part in errors()[0].get("loc", ())]
    field = label("field", where[-1], lang) if where and where[-1] in FIELD else "?"
    return translator(lang)(f"«{field}» chưa đúng", f"«{field}» is not right")
