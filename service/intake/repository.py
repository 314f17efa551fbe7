"""The only place intake queries: where a ward-only report is placed, the wards a staff
member picks from, and what became of the SMS owed to a caller."""

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.areas.repository import WITHOUT_GEOMETRY
from service.notifications.models import ChannelName, Event, Notification, Outbox
from service.reports.models import Complaint

# Vietnamese alphabetical order ("Bạch Thông" before "Bình Yên"): PostgreSQL's ICU collation.
VIETNAMESE = "vi-VN-x-icu"


def point_inside(session: Session, area_id: int) -> tuple[float, float]:
    """(lat, lon) of a point surely inside the ward (ST_PointOnSurface: unlike the centroid,
    never outside a crescent-shaped or split ward)."""
    inside = func.ST_PointOnSurface(Area.geom)
    lat, lon = session.exec(select(func.ST_Y(inside), func.ST_X(inside)).where(Area.id == area_id)).one()
    return float(lat), float(lon)


def wards_of(session: Session, province_code: str) -> list[Area]:
    """The province's wards and communes, for a person to pick from, in Vietnamese order."""
    return list(
        session.exec(
            select(Area)
            .where(Area.province_code == province_code)
            .order_by(col(Area.name).collate(VIETNAMESE), col(Area.code))
            .options(WITHOUT_GEOMETRY)
        )
    )


def ward_outlines(session: Session, province_code: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The province's ward outlines, thinned for a small map (~50 m), with code and names."""
    rows = session.exec(
        select(
            Area.code,
            Area.name,
            Area.name_en,
            Area.map_outline,
        )
        .where(Area.province_code == province_code)
        .order_by(col(Area.code))
    ).all()
    # map_outline is never NULL: PostgreSQL makes it from the outline, which is required.
    return [
        (json.loads(cast(str, shape)), {"code": code, "name": name, "name_en": name_en})
        for code, name, name_en, shape in rows
    ]


def by_code(session: Session, code: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.code == code)).first()


def taken_by(session: Session, user_id: int, *, limit: int) -> Sequence[Complaint]:
    """The reports a staff member took for callers, newest first."""
    return session.exec(
        select(Complaint)
        .where(Complaint.taken_by_id == user_id)
        .order_by(col(Complaint.submitted_at).desc())
        .limit(limit)
    ).all()


def receipt(session: Session, complaint: Complaint) -> Notification | None:
    """The "report received" notification its citizen got (the submitted line owes it)."""
    return session.exec(
        select(Notification).where(
            Notification.complaint_id == complaint.id,
            Notification.user_id == complaint.citizen_id,
            Notification.event == Event.received,
        )
    ).first()


def sms_of(session: Session, notification_id: Any) -> Outbox | None:
    return session.exec(
        select(Outbox).where(Outbox.notification_id == notification_id, Outbox.channel == ChannelName.sms)
    ).first()
