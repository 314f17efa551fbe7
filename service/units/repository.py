"""The only place that queries units and their coverage."""

from collections.abc import Sequence
from typing import cast

from sqlalchemy import delete, func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.identity.models import User
from service.units.models import Unit, UnitArea, UnitKind


def get(session: Session, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


def get_by_code(session: Session, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


def active(session: Session) -> list[Unit]:
    """Units that take reports, by code: what a dispatcher routes to, what a rule names."""
    return list(session.exec(select(Unit).where(col(Unit.is_active)).order_by(col(Unit.code))))


def code_taken(session: Session, code: str) -> bool:
    return get_by_code(session, code) is not None


def search(
    session: Session,
    *,
    query: str | None,
    kind: UnitKind | None,
    area_code: str | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[Unit], int]:
    statement = select(Unit)
    if query:
        like = f"%{query}%"
        statement = statement.where(col(Unit.code).ilike(like) | col(Unit.name).ilike(like))
    if kind is not None:
        statement = statement.where(Unit.kind == kind)
    if area_code is not None:
        statement = statement.where(
            col(Unit.id).in_(
                select(UnitArea.unit_id).join(Area, col(Area.id) == UnitArea.area_id).where(Area.code == area_code)
            )
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    units = session.exec(statement.order_by(col(Unit.code)).offset(offset).limit(limit)).all()
    return units, total


def areas_of(session: Session, unit_ids: Sequence[int]) -> dict[int, list[Area]]:
    rows = session.exec(
        select(UnitArea.unit_id, Area)
        .join(Area, col(Area.id) == UnitArea.area_id)
        .where(col(UnitArea.unit_id).in_(unit_ids))
        .order_by(col(Area.code))
        .options(defer(Area.geom))
    ).all()
    result: dict[int, list[Area]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, area in rows:
        result[unit_id].append(area)
    return result


def area_ids_by_code(session: Session, codes: Sequence[str]) -> dict[str, int]:
    rows = session.exec(select(Area.code, col(Area.id)).where(col(Area.code).in_(codes))).all()
    # An id read back from the table is never None; the model allows None only before insert.
    return cast(dict[str, int], dict(rows))


def set_areas(session: Session, unit_id: int, area_ids: Sequence[int]) -> None:
    session.execute(delete(UnitArea).where(col(UnitArea.unit_id) == unit_id))
    session.add_all(UnitArea(unit_id=unit_id, area_id=area_id) for area_id in set(area_ids))


def member_count(session: Session, unit_id: int) -> int:
    return session.exec(select(func.count()).select_from(User).where(User.unit_id == unit_id)).one()


# Vietnamese alphabetical order ("Bạch Thông" before "Bình Yên"): PostgreSQL's ICU collation.
VIETNAMESE = "vi-VN-x-icu"


def picker(session: Session) -> list[tuple[Unit, Area | None]]:
    """Active units for a person to choose from, each with the one ward it serves (None for a
    unit that covers several, such as the power company or a provincial department): the
    units of many wards first, then ward by ward, each in Vietnamese alphabetical order."""
    covered = (
        select(UnitArea.unit_id, func.min(UnitArea.area_id).label("area_id"))
        .group_by(col(UnitArea.unit_id))
        .having(func.count() == 1)
        .subquery()
    )
    rows = session.exec(
        select(Unit, Area)
        .outerjoin(covered, covered.c.unit_id == col(Unit.id))
        .outerjoin(Area, col(Area.id) == covered.c.area_id)
        .where(col(Unit.is_active))
        .order_by(
            col(Area.id).is_not(None),
            col(Area.name).collate(VIETNAMESE),
            col(Unit.name).collate(VIETNAMESE),
        )
        .options(defer(Area.geom))
    ).all()
    return [(unit, area) for unit, area in rows]


def officers_of(session: Session, unit_id: int) -> list[User]:
    """The unit's active officers and leads, by given name as Vietnamese lists are (the last
    word of the full name), then by the whole name."""
    given = func.regexp_replace(col(User.full_name), r"^.*\s", "")
    return list(
        session.exec(
            select(User)
            .where(User.unit_id == unit_id, col(User.is_active))
            .where(col(User.role).in_(("officer", "unit_lead")))
            .order_by(given.collate(VIETNAMESE), col(User.full_name).collate(VIETNAMESE))
        )
    )
