"""The only place that queries reports and their timeline."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.intake.models import Complaint, ComplaintEvent, ComplaintFollower
from service.media.models import Photo, PhotoKind


def get(session: Session, complaint_id: uuid.UUID) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def is_follower(session: Session, complaint_id: uuid.UUID, user_id: int) -> bool:
    return session.get(ComplaintFollower, (complaint_id, user_id)) is not None


def find_by_key(session: Session, *, citizen_id: int, idempotency_key: str) -> Complaint | None:
    return session.exec(
        select(Complaint).where(Complaint.citizen_id == citizen_id, Complaint.idempotency_key == idempotency_key)
    ).first()


def insert_unless_resent(session: Session, *, values: dict[str, Any], lat: float, lon: float, year: int) -> Any:
    """Insert the report and return its id, or None when the same citizen already used the
    idempotency key (a concurrent resend: the insert waits for it, then yields to it)."""
    code = literal(f"PA-{year}-") + func.lpad(cast(func.next_complaint_number(year), Text), 6, "0")
    statement = (
        insert(Complaint)
        .values(**values, code=code, location=func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))
        .on_conflict_do_nothing(index_elements=["citizen_id", "idempotency_key"])
        .returning(col(Complaint.id))
    )
    return session.execute(statement).scalar_one_or_none()


def coordinates(session: Session, complaint_id: uuid.UUID) -> tuple[float, float]:
    lat, lon = session.exec(
        select(func.ST_Y(Complaint.location), func.ST_X(Complaint.location)).where(Complaint.id == complaint_id)
    ).one()
    return float(lat), float(lon)


def photos_of(session: Session, complaint_ids: Sequence[uuid.UUID], *, kind: PhotoKind | None = None) -> list[Photo]:
    statement = select(Photo).where(col(Photo.complaint_id).in_(complaint_ids))
    if kind is not None:
        statement = statement.where(Photo.kind == kind)
    return list(session.exec(statement.order_by(col(Photo.kind), col(Photo.position))).all())


def events_of(session: Session, complaint_id: uuid.UUID, *, public_only: bool) -> Sequence[ComplaintEvent]:
    statement = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
    if public_only:
        statement = statement.where(col(ComplaintEvent.public).is_(True))
    return session.exec(statement.order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))).all()


def list_for_citizen(session: Session, citizen_id: int, *, offset: int, limit: int) -> tuple[Sequence[Complaint], int]:
    base = select(Complaint).where(Complaint.citizen_id == citizen_id)
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    items = session.exec(
        base.order_by(col(Complaint.submitted_at).desc(), col(Complaint.id)).offset(offset).limit(limit)
    ).all()
    return items, total
