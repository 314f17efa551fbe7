"""The photo pipeline's rules, run by the media worker for one photo at a time."""

import logging
import uuid
from datetime import datetime

from sqlmodel import Session

from service.media import imaging, repository
from service.media.storage import Storage
from service.reports import repository as reports
from service.reports import timeline
from service.reports.models import Complaint, Photo, PhotoKind, PhotoStatus

log = logging.getLogger(__name__)

# Phones report where a picture was taken; farther than this from the submitted point and
# the dispatcher should look (a photo from home, a wrong pin). Flagged, never refused.
LOCATION_TOLERANCE_M = 500.0
# Differing bits (of 64 in the DCT hash) up to which two pictures are the same photo:
# re-encoded and resized copies of the shared test photos differ by 0-4, distinct photos
# by 24 or more.
REUSE_MAX_DISTANCE = 6


def distance_m(*, session: Session, complaint_id: uuid.UUID, lat: float, lon: float) -> float:
    return repository.distance_from_report_m(session, complaint_id, lat=lat, lon=lon)


def find_reuse(*, session: Session, phash: int, complaint: Complaint) -> str | None:
    """The code of another citizen's earlier report where this picture first appeared.

    Looking at the first use, not any use, keeps the picture's author clean: a citizen who
    re-sends their own photo is not flagged because someone else copied it meanwhile.
    """
    first_use = repository.first_use_of_picture(
        session, phash=phash, complaint=complaint, max_distance=REUSE_MAX_DISTANCE
    )
    if first_use is None or first_use[1] == complaint.citizen_id:
        return None
    return first_use[0]


def process_photo(
    *, session: Session, storage: Storage, photo_id: uuid.UUID, now: datetime, attempt: int = 1
) -> PhotoStatus | None:
    """Decode, orient, strip, shrink, hash and read the GPS of one photo, then flag its
    report when the photo was taken far away or was already used by someone else.

    Safe to run twice (a redelivered task): a photo that is no longer pending is left alone.
    Storage and database errors propagate, for the task to retry; a picture that cannot
    be decoded is marked failed at once, since retrying would not help.
    """
    photo = repository.lock_photo(session, photo_id)
    if photo is None or photo.status != PhotoStatus.pending:
        return photo.status if photo else None
    photo.attempts = attempt
    complaint = reports.get(session, photo.complaint_id)
    assert complaint is not None
    try:
        processed = imaging.process(storage.get(photo.original_key))
    except imaging.PhotoRejected as rejected:
        _fail(session, photo, complaint, f"{rejected.code}: {rejected.message_en}", now)
        return PhotoStatus.failed

    keys = {}
    for name, data in processed.derivatives.items():
        keys[name] = f"derivatives/{photo.id}/{name}.jpg"
        storage.put(keys[name], data, content_type="image/jpeg")
    photo.large_key, photo.thumb_key = keys["large"], keys["thumb"]
    photo.phash = processed.phash
    photo.exif_captured_at = processed.captured_at
    if processed.gps is not None:
        photo.gps_lat, photo.gps_lon = processed.gps
    photo.status = PhotoStatus.ready
    photo.processed_at = now
    session.add(photo)
    timeline.record(session, complaint, "photo_processed", at=now, data={"photo_id": str(photo.id)})

    if photo.kind == PhotoKind.report:
        # The flags are the dispatcher's doubts about the citizen's report; an officer's
        # after-photo is judged by the citizen (who may reopen), not flagged here.
        _flag(session, complaint, photo, processed, now)
    session.add(complaint)
    return PhotoStatus.ready


def _flag(session: Session, complaint: Complaint, photo: Photo, processed: imaging.Processed, now: datetime) -> None:
    if processed.gps is not None:
        distance = distance_m(session=session, complaint_id=complaint.id, lat=processed.gps[0], lon=processed.gps[1])
        if distance > LOCATION_TOLERANCE_M:
            complaint.location_mismatch = True
            timeline.record(
                session,
                complaint,
                "location_mismatch",
                at=now,
                public=False,
                data={"photo_id": str(photo.id), "distance_m": round(distance)},
            )
    other = find_reuse(session=session, phash=processed.phash, complaint=complaint)
    if other is not None:
        complaint.reused_photo = True
        timeline.record(
            session,
            complaint,
            "reused_photo",
            at=now,
            public=False,
            data={"photo_id": str(photo.id), "other_code": other},
        )


def _fail(session: Session, photo: Photo, complaint: Complaint, reason: str, now: datetime) -> None:
    photo.status = PhotoStatus.failed
    photo.failure_reason = reason[:500]
    photo.processed_at = now
    session.add(photo)
    timeline.record(session, complaint, "photo_failed", at=now, note=reason[:500], data={"photo_id": str(photo.id)})
    log.warning("photo %s failed: %s", photo.id, reason)


def give_up(*, session: Session, photo_id: uuid.UUID, reason: str, now: datetime) -> None:
    """Retries exhausted: the photo is shown as failed with why, instead of pending forever."""
    photo = repository.lock_photo(session, photo_id)
    if photo is None or photo.status != PhotoStatus.pending:
        return
    complaint = reports.get(session, photo.complaint_id)
    assert complaint is not None
    _fail(session, photo, complaint, reason, now)


def stranded(*, session: Session, older_than: datetime, limit: int = 500) -> list[uuid.UUID]:
    """Photos still pending long after upload: their task was lost (Redis was down when
    the report committed). Sending them again is safe: processing skips what is done."""
    return repository.pending_photo_ids(session, uploaded_before=older_than, limit=limit)
