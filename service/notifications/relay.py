"""The relay: delivers outbox rows, once each, retrying what fails for now.

A delivery locks its row (``FOR UPDATE SKIP LOCKED``) for as long as it talks to the
peer, and only a ``pending`` row is sent: a second task for the same row — a lost claim
the sweep took up, a redelivered Celery message — finds it locked or already ``sent``
and does nothing. The one window left is a worker dying after the peer accepted and
before the commit: the row is sent again, with the same idempotency key (the row's id),
which the SMS gateway's ``reference`` and the email's Message-ID carry so the peer or
the reader can tell. (A commit lost because PostgreSQL went away is not that window: the
task records the delivery with :func:`record_sent` once the database is back, without
sending again.)
"""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from sqlmodel import Session

from service.core.settings import Settings, get_settings
from service.identity import repository as identity
from service.notifications import repository
from service.notifications.channels import (
    Channel,
    ChannelNotConfigured,
    EmailChannel,
    Message,
    PermanentFailure,
    PushChannel,
    SmsChannel,
    TemporaryFailure,
)
from service.notifications.models import ChannelName, Outbox, OutboxStatus
from service.notifications.templates import render

log = logging.getLogger(__name__)

_FACTORIES: dict[ChannelName, Callable[[Settings], Channel]] = {
    ChannelName.push: PushChannel.from_settings,
    ChannelName.sms: SmsChannel.from_settings,
    ChannelName.email: EmailChannel.from_settings,
}

# FCM's answers that mean the token is gone for good: stop pushing to that device.
_DEAD_TOKEN = ("UNREGISTERED", "NOT_FOUND")


@lru_cache
def channel_for(name: ChannelName) -> Channel:
    """One adapter per channel per process (HTTP clients keep their connections)."""
    return _FACTORIES[name](get_settings())


class Outcome(StrEnum):
    sent = "sent"
    retry = "retry"  # failed for now; pending with a later next_attempt_at
    dead = "dead"
    skipped = "skipped"  # not pending (already sent or dead) or another worker holds it


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds to wait after the ``attempts``-th failure (1, 2, …): doubling, capped."""
    return min(settings.notify_retry_base_seconds * 2 ** (attempts - 1), settings.notify_retry_max_seconds)


def _message(session: Session, row: Outbox) -> Message:
    notification = repository.get_notification(session, row.notification_id)
    assert notification is not None  # the foreign key cascades
    user = identity.get_user(session, notification.user_id)
    assert user is not None
    if not user.is_active:
        raise PermanentFailure("the user is disabled")
    if row.channel == ChannelName.push:
        device = repository.get_device(session, row.device_id) if row.device_id else None
        if device is None or device.disabled_at is not None or device.user_id != user.id:
            raise PermanentFailure("the device is gone")
        recipient = device.token
    elif row.channel == ChannelName.sms:
        recipient = user.phone or ""
    else:
        recipient = user.email or ""
    if not recipient:
        raise PermanentFailure(f"no {row.channel} address")
    words = render(notification.event, notification.context, user.language)
    data = {"event": str(notification.event), "notification_id": str(notification.id)}
    if notification.complaint_id:
        data["complaint_id"] = str(notification.complaint_id)
    if code := notification.context.get("code"):
        data["code"] = code
    return Message(recipient=recipient, subject=words.title, body=words.body, data=data, idempotency_key=str(row.id))


def deliver(session: Session, outbox_id: uuid.UUID, *, now: datetime) -> Outcome:
    """Try one outbox row once, and record what came of it (the caller commits)."""
    row = repository.lock_outbox(session, outbox_id)
    if row is None or row.status != OutboxStatus.pending:
        return Outcome.skipped
    settings = get_settings()
    row.attempts += 1
    try:
        channel_for(row.channel).send(_message(session, row))
    except TemporaryFailure as failure:
        row.last_error = failure.reason[:500]
        if row.attempts >= settings.notify_max_attempts:
            row.status = OutboxStatus.dead
        else:
            wait = max(backoff(row.attempts, settings), failure.retry_after or 0)
            row.next_attempt_at = now + timedelta(seconds=wait)
    except (PermanentFailure, ChannelNotConfigured) as failure:
        row.status, row.last_error = OutboxStatus.dead, str(failure)[:500]
        if row.channel == ChannelName.push and row.device_id and any(code in str(failure) for code in _DEAD_TOKEN):
            repository.disable_device(session, row.device_id, at=now)
    else:
        row.status, row.sent_at, row.last_error = OutboxStatus.sent, now, None
    session.add(row)
    if row.status == OutboxStatus.pending:
        log.info("delivery %s (%s) failed for now, attempt %d: %s", row.id, row.channel, row.attempts, row.last_error)
        return Outcome.retry
    if row.status == OutboxStatus.dead:
        log.warning("delivery %s (%s) given up, attempt %d: %s", row.id, row.channel, row.attempts, row.last_error)
        return Outcome.dead
    return Outcome.sent


def record_sent(session: Session, outbox_id: uuid.UUID, *, at: datetime) -> bool:
    """Record a delivery the peer accepted but whose commit was lost (PostgreSQL went away
    in between): the row is marked sent without talking to the peer again. False when the
    row is no longer pending or another delivery holds it."""
    row = repository.lock_outbox(session, outbox_id)
    if row is None or row.status != OutboxStatus.pending:
        return False
    row.attempts += 1
    row.status, row.sent_at, row.last_error = OutboxStatus.sent, at, None
    session.add(row)
    return True


def claim_due(session: Session, *, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    """Pending rows whose time has come, claimed for ``notify_claim_seconds`` so the next
    sweep does not send them again while their task waits in the queue."""
    claim = now + timedelta(seconds=get_settings().notify_claim_seconds)
    return repository.claim_due(session, now=now, claim=claim, limit=limit)
