"""The only place in media that queries: photos by id, and the two checks on a new photo."""

import uuid
from datetime import datetime

from geoalchemy2 import Geography
from sqlalchemy import BigInteger, cast, func, literal
from sqlalchemy.dialects.postgresql import BIT
from sqlmodel import Session, col, select

from service.reports.models import Complaint, Photo, PhotoStatus


def get_photo(session: Session, photo_id: uuid.UUID) -> Photo | None:
    return session.get(Photo, photo_id)


def lock_photo(session: Session, photo_id: uuid.UUID) -> Photo | None:
    # FOR UPDATE: a redelivered task waits for the first, then sees the photo is done.
    return session.exec(select(Photo).where(Photo.id == photo_id).with_for_update()).first()


def distance_from_report_m(session: Session, complaint_id: uuid.UUID, *, lat: float, lon: float) -> float:
    """Metres, on geography, from the report's submitted point to (lat, lon)."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return float(
        session.exec(
            select(func.ST_Distance(cast(Complaint.location, Geography), cast(point, Geography))).where(
                Complaint.id == complaint_id
            )
        ).one()
    )


def first_use_of_picture(
    session: Session, *, phash: int, complaint: Complaint, max_distance: int
) -> tuple[str, int] | None:
    """(code, citizen id) of the earliest other report, submitted no later than this one,
    with a photo whose hash differs from ``phash`` in at most ``max_distance`` bits."""
    differing = func.bit_count(cast(cast(Photo.phash, BigInteger).op("#")(literal(phash, BigInteger)), BIT(64)))
    row = session.exec(
        select(Complaint.code, Complaint.citizen_id)
        .join(Photo, col(Photo.complaint_id) == Complaint.id)
        .where(
            col(Photo.phash).is_not(None),
            Complaint.id != complaint.id,
            Complaint.submitted_at <= complaint.submitted_at,
            differing <= max_distance,
        )
        .order_by(col(Complaint.submitted_at))
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def pending_photo_ids(session: Session, *, uploaded_before: datetime, limit: int) -> list[uuid.UUID]:
    """Photos still pending that were uploaded before the cutoff, oldest first."""
    return list(
        session.exec(
            select(Photo.id)
            .where(Photo.status == PhotoStatus.pending, col(Photo.created_at) < uploaded_before)
            .order_by(col(Photo.created_at))
            .limit(limit)
        )
    )
