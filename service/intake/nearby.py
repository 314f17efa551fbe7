"""Open reports near a point: "someone already reported this" for residents, and
duplicate candidates for officers. Same category group, within the category's radius
(metres, on geography) and time window."""

import uuid
from datetime import timedelta

from geoalchemy2 import Geography
from sqlalchemy import cast, func, or_
from sqlmodel import Session, col, select

from service.categories.models import Category
from service.core.timeutil import utcnow
from service.intake.models import OPEN_STATUSES, Complaint, Visibility


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
