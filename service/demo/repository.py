"""The only place the demo queries: who is there to play the history, and what it left."""

from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.identity.models import Role, User
from service.reports.models import Complaint
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
