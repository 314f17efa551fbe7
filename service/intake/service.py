"""Taking in a report: check, store the bytes durably, insert, enqueue — nothing more on
the request path. Photos are decoded later by the media worker.

Two ways in, one path: :func:`submit` for what a citizen sends from the app, and
:func:`take_for_caller` for what a staff member takes for someone who phoned the hotline
or came to the office. Both end in :func:`_take_in`, so such a report is stored, routed,
timed and audited like any other."""

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from service.accounts import service as accounts
from service.areas import repository as areas
from service.areas.errors import OutsideServiceArea
from service.areas.models import Area
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.categories.models import Category
from service.core.errors import NotFound, PermissionDenied
from service.core.geojson import feature_collection
from service.core.settings import get_settings
from service.core.timeutil import to_local
from service.identity import repository as identity
from service.identity.models import User
from service.identity.phone import normalise_phone
from service.intake import repository as intake
from service.intake.errors import (
    AddressRequired,
    IdempotencyKeyReused,
    InvalidPhone,
    LocationRequired,
    PointOutsideWard,
    UnknownArea,
)
from service.intake.policies import may_take_reports
from service.intake.schemas import CallerAnswer, CallerSubmission, ComplaintSubmission, LastStep, TakenReport
from service.media.storage import Storage
from service.media.uploads import CheckedPhoto, Upload, check_photos, store_photos
from service.notifications import outbox
from service.notifications.models import ChannelName, Outbox, OutboxStatus
from service.reports import repository, timeline, views
from service.reports.models import Channel, Complaint, ComplaintStatus, PhotoKind
from service.reports.policies import Audience
from service.routing.service import route_new

# Someone on the phone or at the desk has often no photo to give: for these channels
# photos are optional (still at most six).
PHOTOS_OPTIONAL = frozenset({Channel.hotline, Channel.walk_in})


# The photo pipeline's lines (service/media): a photo's processing, not a step of the report.
PHOTO_LINES = frozenset({"photo_processed", "photo_failed"})


@dataclass(frozen=True)
class Submitted:
    complaint: Complaint
    replayed: bool
    # For a caller with no login yet: the one-time code staff give them to claim the account.
    claim_code: str | None = None


def request_hash(*, submission: BaseModel, photos: list[CheckedPhoto]) -> str:
    """What makes two submissions "the same": the JSON part and every photo's bytes."""
    canonical = json.dumps(submission.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode())
    for photo in photos:
        digest.update(photo.sha256.encode())
    return digest.hexdigest()


def _replay(session: Session, *, citizen: User, key: str, fingerprint: str) -> Submitted | None:
    existing = repository.find_by_key(session, citizen_id=citizen.id, idempotency_key=key)  # type: ignore[arg-type]
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    return Submitted(existing, replayed=True)


def _category(session: Session, code: str) -> Category:
    category = categories.get_by_code(session, code)
    if category is None or not category.is_active:
        raise UnknownCategory(field="complaint.category_code")
    return category


def submit(
    *,
    session: Session,
    storage: Storage,
    citizen: User,
    submission: ComplaintSubmission,
    uploads: list[Upload],
    idempotency_key: str,
    now: datetime,
    channel: Channel = Channel.mobile,
) -> Submitted:
    """Take in a report at ``now`` (the request's one clock): its arrival, its timeline's
    first lines and the start of its deadlines are all this moment."""
    photos = check_photos(uploads)
    fingerprint = request_hash(submission=submission, photos=photos)
    if (replay := _replay(session, citizen=citizen, key=idempotency_key, fingerprint=fingerprint)) is not None:
        return replay

    category = _category(session, submission.category_code)
    area = areas.area_containing(session, lat=submission.lat, lon=submission.lon)
    if area is None:
        raise OutsideServiceArea(field="complaint.lat")
    return _take_in(
        session=session,
        storage=storage,
        citizen=citizen,
        actor=citizen,
        category=category,
        area=area,
        point=(submission.lat, submission.lon),
        values={
            "description": submission.description.strip(),
            "accuracy_m": submission.accuracy_m,
            "address": submission.address,
            "captured_at": submission.captured_at,
            "visibility": submission.visibility.value,
            "channel": channel.value,
        },
        photos=photos,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        now=now,
    )


def _take_in(
    *,
    session: Session,
    storage: Storage,
    citizen: User,
    actor: User,
    category: Category,
    area: Area,
    point: tuple[float, float],
    values: dict[str, Any],
    photos: list[CheckedPhoto],
    idempotency_key: str,
    fingerprint: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Submitted:
    """Insert the checked report, store its photos, record its first line (by ``actor``,
    who sent or took it) and route it."""
    lat, lon = point
    complaint_id = repository.insert_unless_resent(
        session,
        values={
            "id": uuid.uuid4(),
            "citizen_id": citizen.id,
            "category_id": category.id,
            "area_id": area.id,
            "submitted_at": now,
            "priority": category.default_priority,
            "status": ComplaintStatus.submitted.value,
            "idempotency_key": idempotency_key,
            "request_hash": fingerprint,
            "location_mismatch": False,
            "reused_photo": False,
            **values,
        },
        lat=lat,
        lon=lon,
        year=to_local(now).year,
    )
    if complaint_id is None:
        # Lost a race with a resend of the same request, which has committed by now.
        replay = _replay(session, citizen=citizen, key=idempotency_key, fingerprint=fingerprint)
        assert replay is not None
        return replay

    complaint = repository.get(session, complaint_id)
    assert complaint is not None
    store_photos(session=session, storage=storage, complaint=complaint, photos=photos, kind=PhotoKind.report, now=now)
    timeline.record(
        session,
        complaint,
        "submitted",
        at=now,
        actor=actor,
        to_status=ComplaintStatus.submitted,
        data={"code": complaint.code, "photos": len(photos), "area": area.code, **(details or {})},
    )
    # Last: the officer row it locks is held only until the commit that follows.
    route_new(session=session, complaint=complaint, category=category, area=area, now=now)
    session.flush()
    return Submitted(complaint, replayed=False)


# --- reports taken for a caller or a visitor ----------------------------------------------------


def _place(session: Session, submission: CallerSubmission) -> tuple[Area, tuple[float, float], str]:
    """Where the report is: the point chosen on the map (in the chosen ward, if one was
    chosen too), or a point inside the chosen ward with the address saying where in it.
    Returns the ward, the point and how it was placed (``map`` or ``ward``)."""
    if (submission.lat is None) != (submission.lon is None):
        raise LocationRequired(field="complaint.lon" if submission.lon is None else "complaint.lat")
    ward = None
    if submission.area_code:
        ward = areas.get_by_code(session, submission.area_code.strip())
        if ward is None:
            raise UnknownArea(field="complaint.area_code")
    if submission.lat is not None and submission.lon is not None:
        area = areas.area_containing(session, lat=submission.lat, lon=submission.lon)
        if area is None:
            raise OutsideServiceArea(field="complaint.lat")
        if ward is not None and area.id != ward.id:
            raise PointOutsideWard(field="complaint.lat")
        return area, (submission.lat, submission.lon), "map"
    if ward is None:
        raise LocationRequired(field="complaint.area_code")
    if not (submission.address or "").strip():
        raise AddressRequired(field="complaint.address")
    assert ward.id is not None
    return ward, intake.point_inside(session, ward.id), "ward"


def take_for_caller(
    *,
    session: Session,
    storage: Storage,
    staff: User,
    submission: CallerSubmission,
    uploads: list[Upload],
    idempotency_key: str,
    now: datetime,
) -> Submitted:
    """A report ``staff`` take at ``now`` for someone who phoned or came in. The report's
    citizen is the caller — their account, found by the phone or opened for them now
    (:func:`service.accounts.service.citizen_for_caller`) — and its first line and audit
    event are the staff member's. Photos are optional. The caller is sent the report's
    code by SMS when SMS is configured: they asked for the report, so the receipt goes to
    them whatever the defaults say."""
    if not may_take_reports(staff):
        raise PermissionDenied()
    phone = normalise_phone(submission.caller_phone)
    if phone is None:
        raise InvalidPhone(field="complaint.caller_phone")
    photos = check_photos(uploads) if uploads or submission.channel not in PHOTOS_OPTIONAL else []
    fingerprint = request_hash(submission=submission, photos=photos)
    # Opened before the checks below so that a resend finds its report; a refusal rolls
    # the new account back with everything else.
    caller = accounts.citizen_for_caller(session=session, phone=phone, full_name=submission.caller_name, actor=staff)
    if (replay := _replay(session, citizen=caller, key=idempotency_key, fingerprint=fingerprint)) is not None:
        return replay
    category = _category(session, submission.category_code)
    area, point, placed = _place(session, submission)
    taken = _take_in(
        session=session,
        storage=storage,
        citizen=caller,
        actor=staff,
        category=category,
        area=area,
        point=point,
        values={
            "description": submission.description.strip(),
            "address": (submission.address or "").strip() or None,
            "visibility": submission.visibility.value,
            "channel": submission.channel.value,
            "taken_by_id": staff.id,
        },
        photos=photos,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        now=now,
        details={"channel": submission.channel.value, "taken_by_id": staff.id, "placed": placed},
    )
    if taken.replayed:
        return taken
    _text_the_code(session=session, complaint=taken.complaint, caller=caller, now=now)
    if accounts.awaits_registration(user=caller):
        # Told to the caller by the staff member (never texted: an SMS may reach whoever
        # has the phone now, and the code is what proves the caller is who they say).
        return replace(taken, claim_code=accounts.issue_claim_code(session=session, user=caller, actor=staff))
    return taken


def _text_the_code(*, session: Session, complaint: Complaint, caller: User, now: datetime) -> None:
    """An SMS of the receipt the submitted line wrote ("we have received report PA-…"),
    through the outbox like every delivery: written in this transaction, sent by the relay
    after the commit. The caller's own choice may already have made it; then there is
    nothing to add."""
    if ChannelName.sms not in outbox.configured_channels(get_settings()) or not caller.phone or not caller.is_active:
        return
    notice = intake.receipt(session, complaint)
    if notice is None or intake.sms_of(session, notice.id) is not None:
        return
    outbox.enqueue(session=session, deliveries=[outbox.Delivery(notice.id, ChannelName.sms)], now=now)


def code_texted(*, session: Session, complaint: Complaint) -> Outbox | None:
    """The SMS that carries the report's code to its citizen, unless it was given up."""
    notice = intake.receipt(session, complaint)
    sms = intake.sms_of(session, notice.id) if notice is not None else None
    return sms if sms is not None and sms.status != OutboxStatus.dead else None


def taken_report(*, session: Session, staff: User, complaint: Complaint, claim_code: str | None = None) -> TakenReport:
    """The report as the staff member who took it sees it (having acted on it, they need to
    know its reporter), with what they tell the caller: whether the code is on its way by
    SMS, and whether the caller must still register in the app to follow it."""
    audience = views.audience(session, staff, complaint) or Audience.public
    read = views.complaint_read(session, complaint, audience, staff)
    caller = identity.get_user(session, complaint.citizen_id)
    assert caller is not None
    return TakenReport(
        **read.model_dump(),
        caller_registered=not accounts.awaits_registration(user=caller),
        code_sent_by_sms=code_texted(session=session, complaint=complaint) is not None,
        claim_code=claim_code,
    )


def confirmation(*, session: Session, staff: User, code: str) -> TakenReport | None:
    """The report with ``code`` as :func:`taken_report` shows it, if ``staff`` took it."""
    complaint = intake.by_code(session, code.strip().upper())
    if complaint is None or complaint.taken_by_id != staff.id:
        return None
    return taken_report(session=session, staff=staff, complaint=complaint)


def wards(*, session: Session) -> list[Area]:
    """The wards of this deployment's province, in Vietnamese order: where a caller may be."""
    return intake.wards_of(session, get_settings().province_code)


def ward_map(*, session: Session) -> dict[str, Any]:
    """The province's ward outlines as GeoJSON, for a map to click the spot on."""
    return feature_collection(intake.ward_outlines(session, get_settings().province_code))


def taken_recently(*, session: Session, staff: User, limit: int = 10) -> list[Complaint]:
    """What ``staff`` took for callers lately, newest first."""
    assert staff.id is not None
    return list(intake.taken_by(session, staff.id, limit=limit))


# --- answering a caller who asks how their report is doing --------------------------------------


def caller_answer(*, session: Session, user: User, code: str) -> CallerAnswer:
    """The report with this public code as ``user`` may see it (``views.audience``): its
    state, the last step in words, the unit and the deadlines; the reporter only where
    the user's work needs them. Any code of no report is "not found"."""
    complaint = intake.by_code(session, code.strip().upper())
    audience = views.audience(session, user, complaint) if complaint else None
    if complaint is None or audience is None:
        raise NotFound(field="code")
    read = views.complaint_read(session, complaint, audience, user)
    # What the caller may be told happened last: their own timeline's latest line about the
    # report (its photos being processed is no news to them).
    public = [e for e in repository.events_of(session, complaint.id, public_only=True) if e.action not in PHOTO_LINES]
    last_step = None
    if public:
        vi, en = timeline.label(public[-1].action)
        last_step = LastStep(action=public[-1].action, label=vi, label_en=en, at=public[-1].at)
    return CallerAnswer(
        **read.model_dump(
            include={
                "id",
                "code",
                "status",
                "category",
                "area",
                "address",
                "submitted_at",
                "unit",
                "ack_due_at",
                "resolve_due_at",
                "due_at",
                "resolved_at",
                "result",
                "duplicate_of",
                "reporter",
            }
        ),
        channel=complaint.channel,
        last_step=last_step,
    )
