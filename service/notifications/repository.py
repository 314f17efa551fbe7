"""The only place that queries notifications, their deliveries, devices and choices."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, delete, func, or_, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select, update

from service.identity.models import Role, User
from service.notifications.models import Device, Notification, NotificationPreference, Outbox
from service.reports.models import ComplaintFollower

# --- the inbox -----------------------------------------------------------------------------


def inbox(
    session: Session, user_id: int, *, after: tuple[bool, datetime, uuid.UUID] | None, limit: int
) -> list[Notification]:
    """Up to ``limit`` of the person's notifications, unread first, then newest first,
    from just past ``after`` (the sort key of the last one already shown)."""
    unread = col(Notification.read_at).is_(None)
    query = select(Notification).where(Notification.user_id == user_id)
    if after is not None:
        was_unread, created_at, last_id = after
        older = tuple_(col(Notification.created_at), col(Notification.id)) < (created_at, last_id)
        # After an unread row: older unread ones, then every read one; after a read row: older read ones.
        query = query.where(or_(and_(unread, older), ~unread) if was_unread else and_(~unread, older))
    return list(
        session.exec(
            query.order_by(unread.desc(), col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


def get_notification(session: Session, notification_id: uuid.UUID) -> Notification | None:
    return session.get(Notification, notification_id)


def mark_all_read(session: Session, user_id: int, *, at: datetime) -> int:
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=at)
    )
    return result.rowcount  # type: ignore[attr-defined]


# --- who is told, and where they are reached -------------------------------------------------


def followers(session: Session, complaint_id: uuid.UUID) -> list[int]:
    """Those whose duplicate report was merged into this one."""
    return list(session.exec(select(ComplaintFollower.user_id).where(ComplaintFollower.complaint_id == complaint_id)))


def active_staff(session: Session, *, role: Role, unit_id: int | None = None) -> list[int]:
    query = select(col(User.id)).where(User.role == role, col(User.is_active))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    # An id read back from the table is never None; the model allows None only before insert.
    return cast(list[int], list(session.exec(query)))


def contacts(session: Session, user_ids: Sequence[int]) -> list[tuple[int, str | None, str | None]]:
    """(id, phone, email) of each of these people whose account is active."""
    rows = session.exec(select(User.id, User.phone, User.email).where(col(User.id).in_(user_ids), col(User.is_active)))
    # An id read back from the table is never None; the model allows None only before insert.
    return cast(list[tuple[int, str | None, str | None]], list(rows))


def push_devices(session: Session, user_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(user id, device id) of every device still receiving push, oldest device first."""
    rows = session.exec(
        select(Device.user_id, Device.id)
        .where(col(Device.user_id).in_(user_ids), col(Device.disabled_at).is_(None))
        .order_by(col(Device.id))
    )
    return cast(list[tuple[int, int]], list(rows))


def preferences_of(session: Session, user_ids: Sequence[int]) -> Sequence[NotificationPreference]:
    return session.exec(select(NotificationPreference).where(col(NotificationPreference.user_id).in_(user_ids))).all()


def upsert_preferences(session: Session, values: list[dict[str, Any]]) -> None:
    """Store each (user, event, channel) choice, replacing the one it had."""
    statement = insert(NotificationPreference).values(values)
    session.execute(
        statement.on_conflict_do_update(
            constraint="uq_notification_preferences", set_={"enabled": statement.excluded.enabled}
        )
    )


# --- devices ---------------------------------------------------------------------------------


def get_device(session: Session, device_id: int) -> Device | None:
    return session.get(Device, device_id)


def upsert_device(session: Session, *, user_id: int, token: str, platform: str) -> Device:
    """The device with this token, now the user's and enabled (a token moves with whoever
    logs in on that phone), read back as stored."""
    statement = insert(Device).values(user_id=user_id, token=token, platform=platform)
    device_id = session.execute(
        statement.on_conflict_do_update(
            index_elements=["token"],
            set_={"user_id": user_id, "platform": platform, "disabled_at": None},
        ).returning(col(Device.id))
    ).scalar_one()
    device = session.get(Device, device_id, populate_existing=True)
    assert device is not None
    return device


def delete_device(session: Session, *, device_id: int, user_id: int) -> bool:
    """False when the user has no such device."""
    removed = session.execute(delete(Device).where(col(Device.id) == device_id, col(Device.user_id) == user_id))
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def disable_device(session: Session, device_id: int, *, at: datetime) -> None:
    session.execute(update(Device).where(col(Device.id) == device_id).values(disabled_at=at))


# --- the outbox ------------------------------------------------------------------------------


def lock_outbox(session: Session, outbox_id: uuid.UUID) -> Outbox | None:
    """The row, locked for this delivery; None when missing or another worker holds it."""
    return session.exec(select(Outbox).where(Outbox.id == outbox_id).with_for_update(skip_locked=True)).first()


def claim_due(session: Session, *, now: datetime, claim: datetime, limit: int) -> list[uuid.UUID]:
    """Pending rows whose time has come, their time moved to ``claim``."""
    rows = session.execute(
        text(
            """
            UPDATE notification_outbox SET next_attempt_at = :claim
            WHERE id IN (
                SELECT id FROM notification_outbox
                WHERE status = 'pending' AND next_attempt_at <= :now
                ORDER BY next_attempt_at
                LIMIT :limit
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """
        ),
        {"claim": claim, "now": now, "limit": limit},
    )
    return [row_id for (row_id,) in rows]
