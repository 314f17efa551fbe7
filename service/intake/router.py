import json
import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, Header, Path, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from service.accounts.service import CallerIsStaff
from service.areas.errors import OutsideServiceArea
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.clock import RequestTime
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, PermissionDenied, responses
from service.core.limits import JsonTooDeep, json_too_deep
from service.core.settings import get_settings
from service.identity.models import STAFF_ROLES
from service.identity.policies import CitizenUser, OptionalUser, StaffUser
from service.intake import service
from service.intake.errors import (
    AddressRequired,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidPhone,
    LocationRequired,
    PointOutsideWard,
    UnknownArea,
)
from service.intake.policies import IntakeStaff
from service.intake.schemas import CallerAnswer, CallerSubmission, ComplaintSubmission, TakenReport
from service.media.imaging import MAX_BYTES
from service.media.storage import get_storage
from service.media.uploads import MAX_PHOTOS, Upload
from service.reports import repository, views
from service.reports.errors import InvalidSubmission, MissingPhoto, PhotoInvalid, TooManyPhotos
from service.reports.policies import Audience
from service.reports.repository import open_reports_near
from service.reports.schemas import ComplaintPage, ComplaintRead, NearbyReport

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

SUBMISSION_ERRORS = responses(
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidSubmission,
    UnknownCategory,
    OutsideServiceArea,
    MissingPhoto,
    TooManyPhotos,
    PhotoInvalid,
    NotAuthenticated,
    PermissionDenied,
)


Part = TypeVar("Part", bound=BaseModel)


def _parse_part(raw: str | None, model: type[Part]) -> Part:
    """The JSON part ``complaint`` of a multipart submission, validated as ``model``."""
    if raw is None:
        raise InvalidSubmission(
            "Thiếu phần dữ liệu 'complaint'.", "The 'complaint' part is missing.", field="complaint"
        )
    # Checked before parsing: the parser and the validator recurse on nesting, and fail
    # (RecursionError) long before the part's size limit.
    depth = get_settings().max_json_depth
    if json_too_deep(raw, limit=depth):
        raise JsonTooDeep(limit=depth, field="complaint")
    try:
        return model.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise InvalidSubmission(
            "Phần 'complaint' không phải JSON hợp lệ.",
            "The 'complaint' part is not valid JSON.",
            code="invalid_json",
            field="complaint",
        ) from exc
    except ValidationError as exc:
        # Reported like any other validation error, with the field inside the part named.
        raise RequestValidationError(
            [{**error, "loc": ("body", "complaint", *error["loc"])} for error in exc.errors()]
        ) from exc


def _parse_submission(raw: str | None) -> ComplaintSubmission:
    return _parse_part(raw, ComplaintSubmission)


async def _take_with_photos(
    response: Response,
    photos: list[UploadFile] | None,
    take: Callable[[list[Upload]], service.Submitted],
    *,
    skip_empty: bool = False,
) -> service.Submitted:
    """What both ways in do around the service: read the photos, hand them to ``take`` off
    the event loop, and mark a resend answered with the report it already made."""
    # Reading one byte past the limit is enough to know a photo is too large. An optional
    # file input left empty still sends a part, with neither a name nor bytes: no photo.
    uploads = [
        Upload(p.filename, await p.read(MAX_BYTES + 1)) for p in photos or [] if not skip_empty or p.filename or p.size
    ]
    result = await run_in_threadpool(take, uploads)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


# What the app really sends: the form parts as the mobile team must build them. FastAPI
# can only describe ``complaint`` as a string, since it is parsed by hand (to report its
# errors field by field).
SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["complaint", "photos"],
                    "properties": {
                        "complaint": {"$ref": "#/components/schemas/ComplaintSubmission"},
                        "photos": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_PHOTOS,
                            "items": {"type": "string", "format": "binary"},
                            "description": "JPEG, PNG, WebP or HEIC; each at most 10 MB and 40 megapixels",
                        },
                    },
                },
                "encoding": {
                    "complaint": {"contentType": "application/json"},
                    "photos": {"contentType": "image/jpeg, image/png, image/webp, image/heic, image/heif"},
                },
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ComplaintRead,
    responses=SUBMISSION_ERRORS,
    openapi_extra=SUBMISSION_BODY,
)
async def submit_complaint(
    citizen: CitizenUser,
    session: SessionDep,
    response: Response,
    now: RequestTime,
    complaint: Annotated[
        str | None, Form(description="JSON: ComplaintSubmission (category_code, description, lat, lon, ...)")
    ] = None,
    photos: Annotated[list[UploadFile] | None, File(description="1 to 6 photos: JPEG, PNG, WebP or HEIC")] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            description="A random value the app makes once per report and resends with every retry",
        ),
    ] = None,
):
    """Send a report: ``multipart/form-data`` with a JSON part ``complaint`` and 1–6 files
    ``photos``.

    Resending with the same ``Idempotency-Key`` and the same content returns the same
    report (``Idempotent-Replayed: true``), never a second one; the same key with other
    content is refused with 409 ``idempotency_key_reused``. Photos are processed after
    the answer: each starts ``pending`` and becomes ``ready`` (or ``failed``, with a reason).
    """
    if not idempotency_key:
        raise IdempotencyKeyRequired(field="Idempotency-Key")
    submission = _parse_submission(complaint)
    result = await _take_with_photos(
        response,
        photos,
        lambda uploads: service.submit(
            session=session,
            storage=get_storage(),
            citizen=citizen,
            submission=submission,
            uploads=uploads,
            idempotency_key=idempotency_key,
            now=now,
        ),
    )
    return await run_in_threadpool(views.complaint_read, session, result.complaint, Audience.owner)


# --- reports staff take for a caller or a visitor ------------------------------------------------

CALLER_ERRORS = responses(
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidSubmission,
    InvalidPhone,
    CallerIsStaff,
    UnknownCategory,
    UnknownArea,
    LocationRequired,
    AddressRequired,
    PointOutsideWard,
    OutsideServiceArea,
    TooManyPhotos,
    PhotoInvalid,
    NotAuthenticated,
    PermissionDenied,
)


def _caller_part() -> dict:
    schema = CallerSubmission.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # Visibility, which the reports' answers already put in the components
    return schema


CALLER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["complaint"],
                    "properties": {
                        "complaint": _caller_part(),
                        "photos": {
                            "type": "array",
                            "minItems": 0,
                            "maxItems": MAX_PHOTOS,
                            "items": {"type": "string", "format": "binary"},
                            "description": "Optional for these channels: 0 to 6 photos (JPEG, PNG, WebP or HEIC)",
                        },
                    },
                },
                "encoding": {
                    "complaint": {"contentType": "application/json"},
                    "photos": {"contentType": "image/jpeg, image/png, image/webp, image/heic, image/heif"},
                },
            }
        },
    }
}


def _parse_caller_submission(raw: str | None) -> CallerSubmission:
    return _parse_part(raw, CallerSubmission)


@router.post(
    "/for-caller",
    status_code=status.HTTP_201_CREATED,
    response_model=TakenReport,
    responses=CALLER_ERRORS,
    openapi_extra=CALLER_BODY,
    tags=["staff intake"],
)
async def take_for_caller(
    staff: IntakeStaff,
    session: SessionDep,
    response: Response,
    now: RequestTime,
    complaint: Annotated[
        str | None,
        Form(description="JSON: CallerSubmission (channel, caller_phone, category_code, description, ...)"),
    ] = None,
    photos: Annotated[list[UploadFile] | None, File(description="0 to 6 photos: JPEG, PNG, WebP or HEIC")] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            description="A random value the form makes once per report and resends with every retry",
        ),
    ] = None,
):
    """Staff only (officers, unit leads, dispatchers): file a report for someone who phoned
    the hotline (``channel: hotline``) or came to the office (``walk_in``).
    ``multipart/form-data`` with a JSON part ``complaint`` and 0–6 files ``photos``.

    The report is the caller's: their citizen account is found by ``caller_phone`` or
    opened for them without a password — they register in the app with that phone to log
    in and follow it. The location is a point from the map (``lat``/``lon``), or a ward
    (``area_code``) and an ``address``: the report is then placed at a point inside the
    ward, and its first timeline line says so (``details.placed: ward``). It is routed,
    timed and audited like any other; its first line and audit event name the staff member.
    When SMS is configured the caller is sent the report's code (``code_sent_by_sms``).
    Resends with the same ``Idempotency-Key`` return the same report."""
    if not idempotency_key:
        raise IdempotencyKeyRequired(field="Idempotency-Key")
    submission = _parse_caller_submission(complaint)
    result = await _take_with_photos(
        response,
        photos,
        lambda uploads: service.take_for_caller(
            session=session,
            storage=get_storage(),
            staff=staff,
            submission=submission,
            uploads=uploads,
            idempotency_key=idempotency_key,
            now=now,
        ),
        skip_empty=True,
    )
    return await run_in_threadpool(
        lambda: service.taken_report(
            session=session, staff=staff, complaint=result.complaint, claim_code=result.claim_code
        )
    )


@router.get(
    "/by-code/{code}",
    response_model=CallerAnswer,
    responses=responses(NotFound, NotAuthenticated, PermissionDenied),
    tags=["staff intake"],
)
def complaint_by_code(
    code: Annotated[str, Path(min_length=1, max_length=20, examples=["PA-2026-000123"])],
    user: StaffUser,
    session: SessionDep,
):
    """Staff only: how the report with this public code is doing, to answer a caller who
    asks — its state, the last step in words, the unit and the deadline. The reporter's
    name and phone only for staff whose work needs them (as on the report itself)."""
    return service.caller_answer(session=session, user=user, code=code)


@router.get("/mine", response_model=ComplaintPage, responses=responses(NotAuthenticated, PermissionDenied))
def my_complaints(
    citizen: CitizenUser,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """The caller's reports, newest first."""
    items, total = repository.list_for_citizen(session, citizen.id, offset=offset, limit=limit)  # type: ignore[arg-type]
    return ComplaintPage(items=views.summaries(session, items, viewer=citizen), total=total, offset=offset, limit=limit)


@router.get("/nearby", response_model=list[NearbyReport], responses=responses(UnknownCategory))
def nearby_complaints(
    session: SessionDep,
    user: OptionalUser,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    category_code: Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")],
):
    """Before sending: open reports of the same kind near this point ("someone already
    reported this"), nearest first, within the category's radius and recent window. Only
    public reports (and the caller's own), without personal data."""
    category = categories.get_by_code(session, category_code)
    if category is None:
        raise UnknownCategory(field="category_code")
    citizen_id = None if user is not None and user.role in STAFF_ROLES else (user.id if user else -1)
    found = open_reports_near(session, category=category, lat=lat, lon=lon, visible_to_citizen=citizen_id)
    return views.nearby(session, found, viewer=user)


@router.get("/{complaint_id}", response_model=ComplaintRead, responses=responses(NotFound))
def read_complaint(complaint_id: uuid.UUID, session: SessionDep, user: OptionalUser):
    """One report with its photos and timeline. Its sender and staff see it whatever its
    visibility; anyone may see a public report, without the sender's personal data, and
    so may a citizen whose report was merged into it as a duplicate, even a private one."""
    # Staff see the reporter and the originals only where their work needs them
    # (service/reports/policies.py); any other staff member sees it as the public does.
    complaint = repository.get(session, complaint_id)
    audience = views.audience(session, user, complaint) if complaint else None
    if complaint is None or audience is None:
        raise NotFound(field="complaint_id")
    return views.complaint_read(session, complaint, audience, user)
