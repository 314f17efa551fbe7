"""The only place the demo queries: who is there to play the history, and what it left."""

from collections import defaultdict
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.areas.models import Area
from service.categories.models import Category
from service.identity.models import Role, User
from service.reports.models import Complaint
from service.routing.models import RoutingRule
from service.units.models import Unit


def usernames(session: Session) -> set[str]:
    return set(session.exec(select(User.username)).all())


def unit_ids_by_code(session: Session) -> dict[str, int]:
    return {code: unit_id for code, unit_id in session.exec(select(Unit.code, col(Unit.id))).all() if unit_id}


def unit_codes(session: Session) -> dict[int, str]:
    return {unit_id: code for code, unit_id in unit_ids_by_code(session).items()}


def first_dispatcher(session: Session) -> User | None:
    return session.exec(
        select(User).where(User.role == Role.dispatcher, col(User.is_active).is_(True)).order_by(col(User.id))
    ).first()


def staff_by_unit(session: Session, role: Role) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    for user in session.exec(
        select(User).where(User.role == role, col(User.is_active).is_(True)).order_by(col(User.id))
    ).all():
        if user.unit_id is not None:
            found[user.unit_id].append(user)
    return dict(found)


def users_named(session: Session, names: list[str]) -> dict[str, User]:
    rows = session.exec(select(User).where(col(User.username).in_(names))).all()
    return {user.username: user for user in rows}


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(select(Complaint.status, func.count()).group_by(col(Complaint.status))).all()
    return {str(status): count for status, count in rows}


def upsert(session: Session, model: type, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert the rows, or update those whose ``key`` exists (reference data by its code)."""
    statement = insert(model).values(rows)
    update: dict[str, Any] = {c: statement.excluded[c] for c in rows[0] if c != key}
    if "updated_at" in model.__table__.c:  # type: ignore[attr-defined]
        update["updated_at"] = func.now()
    session.execute(statement.on_conflict_do_update(index_elements=[key], set_=update))


def category_ids_by_code(session: Session) -> dict[str, int]:
    return {
        code: category_id
        for code, category_id in session.exec(select(Category.code, col(Category.id))).all()
        if category_id
    }


def rule_keys(session: Session) -> set[tuple[int | None, str | None, int | None, int]]:
    return {(r.category_id, r.group_code, r.area_id, r.unit_id) for r in session.exec(select(RoutingRule)).all()}


def wards_of(session: Session, *, province_code: str) -> list[Area]:
    return list(session.exec(select(Area).where(Area.province_code == province_code).order_by(col(Area.code))).all())


def any_report(session: Session) -> bool:
    return session.exec(select(Complaint.id).limit(1)).first() is not None
