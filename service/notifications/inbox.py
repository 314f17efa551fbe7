"""A person's inbox: their notifications, unread first, and marking them read."""

import uuid
from datetime import datetime

from sqlmodel import Session

from service.core.paging import InvalidCursor, decode_cursor, encode_cursor
from service.core.timeutil import utcnow
from service.notifications import repository
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
    after = _key(cursor) if cursor is not None else None
    # One more than asked for says whether another page follows.
    rows = repository.inbox(session, user_id, after=after, limit=limit + 1)
    items = rows[:limit]
    return items, cursor_of(items[-1]) if len(rows) > limit else None


def unread_count(session: Session, user_id: int) -> int:
    return repository.unread_count(session, user_id)


def mark_read(session: Session, user_id: int, notification_id: uuid.UUID) -> Notification | None:
    """None when it is not the caller's (they may not know it exists)."""
    notification = repository.get_notification(session, notification_id)
    if notification is None or notification.user_id != user_id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    return repository.mark_all_read(session, user_id, at=utcnow())
