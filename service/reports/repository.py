"""The only place that queries reports and their timeline."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Text, cast, func, literal, or_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.categories.models import Category
from service.core.timeutil import utcnow
from service.reports.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintFollower,
    Photo,
    PhotoKind,
    Visibility,
)


def get(session: Session, complaint_id: uuid.UUID) -> Complaint | None:
    return session.get(Complaint, complaint_id)


def is_follower(session: Session, complaint_id: uuid.UUID, user_id: int) -> bool:
    return session.get(ComplaintFollower, (complaint_id, user_id)) is not None


def has_handled(session: Session, complaint_id: uuid.UUID, user_id: int) -> bool:
    """Whether the user held the report at some point (a line handed it to them or took
    it from them) or did anything on its timeline."""
    events = col(ComplaintEvent.data)
    statement = select(ComplaintEvent.id).where(
        ComplaintEvent.complaint_id == complaint_id,
        or_(
            col(ComplaintEvent.actor_id) == user_id,
            events.contains({"officer_id": user_id}),
            events.contains({"from_officer_id": user_id}),
        ),
    )
    return session.exec(statement.limit(1)).first() is not None


def province_code(session: Session, complaint: Complaint) -> str | None:
    """The province of the report's ward."""
    return session.exec(select(Area.province_code).where(Area.id == complaint.area_id)).first()


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


# Open reports near a point: "someone already reported this" for residents, and duplicate
# candidates for officers. Same category group, within the category's radius (metres, on
# geography) and time window.
def open_reports_near(
    session: Session,
    *,
    category: Category,
    lat: float,
    lon: float,
    exclude: uuid.UUID | None = None,
    visible_to_citizen: int | None = None,
    limit: int = 20,
) -> list[tuple[Complaint, float]]:
    """(report, distance in metres), nearest first. ``visible_to_citizen`` limits the
    answer to public reports plus that citizen's own; None means staff see all."""
    # A plain ``geography`` cast: the same expression as ix_complaints_location_geography.
    # geoalchemy2's default type renders ``geography(GEOMETRY,-1)``, which the planner does
    # not match to the index, and a search then scans the whole table (bench/routing.py).
    plain = Geography(geometry_type=None)
    here = cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), plain)
    location = cast(Complaint.location, plain)
    distance = func.ST_Distance(location, here)
    statement = (
        select(Complaint, distance)
        .join(Category, col(Category.id) == Complaint.category_id)
        .where(
            func.ST_DWithin(location, here, category.duplicate_radius_m),
            Category.group_code == category.group_code,
            col(Complaint.status).in_(OPEN_STATUSES),
            Complaint.submitted_at >= utcnow() - timedelta(days=category.duplicate_window_days),
        )
        .order_by(distance)
        .limit(limit)
    )
    if exclude is not None:
        statement = statement.where(Complaint.id != exclude)
    if visible_to_citizen is not None:
        statement = statement.where(
            or_(col(Complaint.visibility) == Visibility.public, col(Complaint.citizen_id) == visible_to_citizen)
        )
    return [(complaint, float(metres)) for complaint, metres in session.exec(statement).all()]
