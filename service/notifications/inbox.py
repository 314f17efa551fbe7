"""A person's inbox: their notifications, unread first, and marking them read."""

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, tuple_
from sqlmodel import Session, col, select, update

from service.core.paging import InvalidCursor, decode_cursor, encode_cursor
from service.core.timeutil import utcnow
from service.notifications.models import Notification

# The sort key: unread before read, then newest first (id breaks ties within a commit).
Key = tuple[bool, datetime, uuid.UUID]


def cursor_of(notification: Notification) -> str:
    return encode_cursor([notification.read_at is None, notification.created_at.isoformat(), str(notification.id)])


def _key(cursor: str) -> Key:
    unread, created_at, last_id = decode_cursor(cursor, 3)
    try:
        return bool(unread), datetime.fromisoformat(created_at), uuid.UUID(last_id)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor(field="cursor") from exc


def page(session: Session, user_id: int, *, limit: int, cursor: str | None) -> tuple[list[Notification], str | None]:
    unread = col(Notification.read_at).is_(None)
    query = select(Notification).where(Notification.user_id == user_id)
    if cursor is not None:
        was_unread, created_at, last_id = _key(cursor)
        older = tuple_(col(Notification.created_at), col(Notification.id)) < (created_at, last_id)
        # After an unread row: older unread ones, then every read one; after a read row: older read ones.
        query = query.where(or_(and_(unread, older), ~unread) if was_unread else and_(~unread, older))
    rows = list(
        session.exec(
            query.order_by(unread.desc(), col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
                limit + 1
            )
        )
    )
    items = rows[:limit]
    return items, cursor_of(items[-1]) if len(rows) > limit else None


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


def mark_read(session: Session, user_id: int, notification_id: uuid.UUID) -> Notification | None:
    """None when it is not the caller's (they may not know it exists)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount  # type: ignore[attr-defined]
