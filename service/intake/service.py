"""Taking in a report: check, store the bytes durably, insert, enqueue — nothing more on
the request path. Photos are decoded later by the media worker."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.areas import repository as areas
from service.areas.errors import OutsideServiceArea
from service.categories import repository as categories
from service.categories.errors import UnknownCategory
from service.core.timeutil import to_local
from service.identity.models import User
from service.intake.errors import IdempotencyKeyReused
from service.intake.schemas import ComplaintSubmission
from service.media.storage import Storage
from service.media.uploads import CheckedPhoto, Upload, check_photos, store_photos
from service.reports import repository, timeline
from service.reports.models import Channel, Complaint, ComplaintStatus, PhotoKind
from service.routing.service import route_new


@dataclass(frozen=True)
class Submitted:
    complaint: Complaint
    replayed: bool


def request_hash(*, submission: ComplaintSubmission, photos: list[CheckedPhoto]) -> str:
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

    category = categories.get_by_code(session, submission.category_code)
    if category is None or not category.is_active:
        raise UnknownCategory(field="complaint.category_code")
    area = areas.area_containing(session, lat=submission.lat, lon=submission.lon)
    if area is None:
        raise OutsideServiceArea(field="complaint.lat")

    complaint_id = repository.insert_unless_resent(
        session,
        values={
            "id": uuid.uuid4(),
            "citizen_id": citizen.id,
            "category_id": category.id,
            "description": submission.description.strip(),
            "accuracy_m": submission.accuracy_m,
            "address": submission.address,
            "area_id": area.id,
            "captured_at": submission.captured_at,
            "submitted_at": now,
            "channel": channel.value,
            "visibility": submission.visibility.value,
            "priority": category.default_priority,
            "status": ComplaintStatus.submitted.value,
            "idempotency_key": idempotency_key,
            "request_hash": fingerprint,
            "location_mismatch": False,
            "reused_photo": False,
        },
        lat=submission.lat,
        lon=submission.lon,
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
        actor=citizen,
        to_status=ComplaintStatus.submitted,
        data={"code": complaint.code, "photos": len(photos), "area": area.code},
    )
    # Last: the officer row it locks is held only until the commit that follows.
    route_new(session=session, complaint=complaint, category=category, area=area, now=now)
    session.flush()
    return Submitted(complaint, replayed=False)
