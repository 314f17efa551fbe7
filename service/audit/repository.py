"""The only place that queries the audit trail."""

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy
from sqlalchemy import Connection, RowMapping, and_, or_
from sqlmodel import Session, col, select

from service.audit.models import AuditEvent
from service.identity.models import User


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def for_complaint(
    session: Session, complaint_id: uuid.UUID, *, photo_ids: Sequence[uuid.UUID], after_id: int, limit: int
) -> Sequence[AuditEvent]:
    """The report's events and those of its photos (an original viewed), oldest first."""
    condition = and_(col(AuditEvent.object_type) == "complaint", col(AuditEvent.object_id) == str(complaint_id))
    if photo_ids:
        ids = [str(i) for i in photo_ids]
        photos = and_(col(AuditEvent.object_type) == "photo", col(AuditEvent.object_id).in_(ids))
        condition = or_(condition, photos)
    statement = select(AuditEvent).where(condition, col(AuditEvent.id) > after_id)
    return session.exec(statement.order_by(col(AuditEvent.id)).limit(limit)).all()


def search(
    session: Session,
    *,
    actor_id: int | None,
    action_prefix: str | None,
    object_type: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Events matching every filter given, newest first."""
    statement = select(AuditEvent)
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if action_prefix:
        statement = statement.where(col(AuditEvent.action).like(_escape_like(action_prefix) + "%", escape="\\"))
    if object_type is not None:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        statement = statement.where(AuditEvent.object_id == object_id)
    if since is not None:
        statement = statement.where(col(AuditEvent.at) >= since)
    if until is not None:
        statement = statement.where(col(AuditEvent.at) < until)
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    return session.exec(statement.order_by(col(AuditEvent.id).desc()).limit(limit)).all()


def names_of(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(user_ids))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def chain_rows(connection: Connection) -> Iterator[RowMapping]:
    """Every event as stored, in chain (id) order, read in batches: what audit-verify walks."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    statement = sqlalchemy.select(table).order_by(table.c.id).execution_options(yield_per=1000)
    return iter(connection.execute(statement).mappings())
