"""The only place that queries users and refresh tokens."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from service.identity.models import RefreshToken, Role, User


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_in_login(session: Session, user_id: int, family_id: uuid.UUID) -> User | None:
    """The user, unless their login ``family_id`` was revoked: the check every authenticated
    request makes, in the same query as the user (the family's index).

    A family is revoked whole (logout, a reused refresh token, an admin's change) and never
    grows after, so one revoked row says it all. A family with no rows at all is a login
    whose transaction rolled back, whose token nobody received."""
    revoked = exists().where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_not(None))
    return session.exec(select(User).where(User.id == user_id, ~revoked)).first()


def get_user_by_login(session: Session, login: str) -> User | None:
    """Citizens type their phone number, staff their username; both identify one user."""
    return session.exec(select(User).where((User.username == login) | (User.phone == login))).first()


def get_user_by_phone(session: Session, phone: str) -> User | None:
    """Whoever holds ``phone`` (E.164): as their number, or as their login name (citizens)."""
    return session.exec(select(User).where((User.phone == phone) | (User.username == phone))).first()


def insert_user_unless_taken(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a user and return its id, or None when its login name or phone is already
    taken (by a concurrent request doing the same: the insert waits for it, then yields)."""
    statement = insert(User).values(**values).on_conflict_do_nothing().returning(col(User.id))
    return session.execute(statement).scalar_one_or_none()


def phone_taken(session: Session, phone: str) -> bool:
    return session.exec(select(User.id).where((User.phone == phone) | (User.username == phone))).first() is not None


def username_taken(session: Session, username: str) -> bool:
    return session.exec(select(User.id).where(User.username == username)).first() is not None


def list_users(
    session: Session,
    *,
    role: Role | None,
    unit_id: int | None,
    query: str | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[User], int]:
    statement = select(User)
    if role is not None:
        statement = statement.where(User.role == role)
    if unit_id is not None:
        statement = statement.where(User.unit_id == unit_id)
    if query:
        like = f"%{query}%"
        statement = statement.where(
            col(User.username).ilike(like) | col(User.full_name).ilike(like) | col(User.phone).ilike(like)
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    users = session.exec(statement.order_by(col(User.id)).offset(offset).limit(limit)).all()
    return users, total


def add_refresh_token(
    session: Session, *, user_id: int, token_hash: str, family_id: uuid.UUID, expires_at: datetime
) -> RefreshToken:
    token = RefreshToken(user_id=user_id, token_hash=token_hash, family_id=family_id, expires_at=expires_at)
    session.add(token)
    return token


def lock_refresh_token(session: Session, token_hash: str) -> RefreshToken | None:
    # FOR UPDATE: two concurrent refreshes with one token serialise, and only one wins.
    return session.exec(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()).first()


def revoke_family(session: Session, family_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=at)
    )


def revoke_all_for_user(session: Session, user_id: int, at: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=at)
    )
