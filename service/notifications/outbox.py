"""Who must hear about a line of a report's timeline, written in the same transaction.

Every line of the timeline passes through :func:`on_line`. It decides which people are
owed which notification, writes their inbox rows and one outbox row per channel they
receive it on, and — once the transaction commits — asks the relay to deliver them. If
that request is lost (Redis down, the process killed), the rows are still there and the
relay's sweep finds them: the commit is the promise, the sweep keeps it.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session

from service.categories import repository as categories
from service.core.settings import Settings, get_settings
from service.core.tasks import TaskName, send_now
from service.core.timeutil import utcnow
from service.core.transaction_hooks import on_commit
from service.identity.models import Role
from service.notifications import repository
from service.notifications.models import ChannelName, Event, Notification, Outbox
from service.notifications.preferences import is_enabled
from service.reports.models import Complaint, ComplaintEvent
from service.units import repository as units

log = logging.getLogger(__name__)


def configured_channels(settings: Settings) -> list[ChannelName]:
    """The outbox channels this deployment can deliver on (the inbox needs no settings)."""
    channels = []
    if settings.fcm_project_id and settings.fcm_access_token is not None:
        channels.append(ChannelName.push)
    if settings.sms_gateway_url and settings.sms_api_key is not None:
        channels.append(ChannelName.sms)
    if settings.smtp_host:
        channels.append(ChannelName.email)
    return channels


# --- who hears what ----------------------------------------------------------------------


@dataclass
class Owed:
    event: Event
    user_ids: list[int]
    context: dict[str, Any] = field(default_factory=dict)
    # The actor is not told of their own act, except for a receipt they keep.
    tell_actor: bool = False


def _citizens(session: Session, complaint: Complaint) -> list[int]:
    """The sender and those whose duplicate was merged into this report."""
    return [complaint.citizen_id, *repository.followers(session, complaint.id)]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def owed_for(session: Session, complaint: Complaint, line: ComplaintEvent) -> list[Owed]:
    """What a timeline line owes to whom. One table, read top to bottom."""
    data = line.data or {}
    officer = complaint.current_officer_id
    officer_ids = [officer] if officer else []
    match line.action:
        case "submitted":
            return [Owed(Event.received, [complaint.citizen_id], tell_actor=True)]
        case "assigned" | "reassigned" | "reopened":
            return [Owed(Event.new_work, officer_ids, {"due": _iso(complaint.ack_due_at)})]
        case "routed" | "transferred":
            return [
                Owed(Event.new_work, officer_ids, {"due": _iso(complaint.ack_due_at)}),
                Owed(Event.assigned, _citizens(session, complaint)),
            ]
        case "acknowledged":
            return [Owed(Event.acknowledged, _citizens(session, complaint), {"due": _iso(complaint.resolve_due_at)})]
        case "info_requested":
            # Only the sender can answer.
            return [Owed(Event.info_requested, [complaint.citizen_id], {"question": line.note})]
        case "info_provided":
            return [Owed(Event.info_provided, officer_ids, {"due": _iso(complaint.due_at)})]
        case "resolved":
            return [Owed(Event.resolved, _citizens(session, complaint), {"result": line.note})]
        case "closed":
            return [Owed(Event.closed, _citizens(session, complaint))]
        case "rejected":
            return [Owed(Event.rejected, _citizens(session, complaint), {"reason": line.note})]
        case "marked_duplicate":
            return [Owed(Event.duplicate, _citizens(session, complaint), {"original_code": data.get("original_code")})]
        case "extension_requested":
            leads = repository.active_staff(session, role=Role.unit_lead, unit_id=complaint.current_unit_id)
            extra = {"working_days": data.get("working_days"), "reason": line.internal_note}
            return [Owed(Event.extension_requested, leads, extra)]
        case "extension_approved" | "extension_refused":
            approved = line.action == "extension_approved"
            extra = {
                "due": _iso(complaint.resolve_due_at),
                "decision_vi": "được duyệt" if approved else "không được duyệt",
                "decision_en": "approved" if approved else "refused",
            }
            return [Owed(Event.extension_decided, officer_ids, extra)]
        case "deadline_warning" | "overdue" | "escalated":
            return _escalation(session, line.action, data)
    return []


def _escalation(session: Session, action: str, data: dict[str, Any]) -> list[Owed]:
    extra = {"due": data.get("due_at"), "clock": data.get("clock")}
    audience = set(data.get("notify", []))
    users: list[int] = []
    if "officer" in audience and data.get("officer_id"):
        users.append(data["officer_id"])
    if "unit_lead" in audience and data.get("unit_id"):
        users += repository.active_staff(session, role=Role.unit_lead, unit_id=data["unit_id"])
    if "dispatcher" in audience:
        users += repository.active_staff(session, role=Role.dispatcher)
    return [Owed(Event(action), users, extra)]


def _base_context(session: Session, complaint: Complaint) -> dict[str, Any]:
    category = categories.get(session, complaint.category_id)
    unit = units.get(session, complaint.current_unit_id) if complaint.current_unit_id else None
    return {
        "code": complaint.code,
        "category_vi": category.name if category else None,
        "category_en": category.name_en if category else None,
        "unit_vi": unit.name if unit else None,
        "unit_en": unit.name_en if unit else None,
    }


# --- writing the rows ------------------------------------------------------------------


def on_line(session: Session, complaint: Complaint, line: ComplaintEvent) -> list[Notification]:
    """Write what the line owes (the actor is not told of their own action)."""
    owed = owed_for(session, complaint, line)
    if not any(item.user_ids for item in owed):
        return []
    base = _base_context(session, complaint)
    return notify(
        session,
        [
            (item.event, user_id, {**base, **item.context})
            for item in owed
            for user_id in dict.fromkeys(item.user_ids)
            if item.tell_actor or user_id != line.actor_id
        ],
        complaint_id=complaint.id,
        # The line's own time: a notification is as old as what it tells of.
        now=line.at,
    )


def notify(
    session: Session,
    items: Iterable[tuple[Event, int, dict[str, Any]]],
    *,
    complaint_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Inbox rows, and outbox rows for every channel each person receives the event on."""
    settings = get_settings()
    now = now or utcnow()
    notifications = [
        Notification(user_id=user_id, event=event, complaint_id=complaint_id, context=context, created_at=now)
        for event, user_id, context in items
    ]
    session.add_all(notifications)
    channels = configured_channels(settings)
    if not notifications or not channels:
        return notifications
    user_ids = sorted({n.user_id for n in notifications})
    reach = _reach(session, user_ids, channels)
    choices = _choices(session, user_ids)
    deliveries = [
        Delivery(notification.id, channel, device_id)
        for notification in notifications
        for channel in channels
        if is_enabled(notification.event, channel, choices.get((notification.user_id, notification.event, channel)))
        for device_id in reach.get((notification.user_id, channel), [])
    ]
    enqueue(session=session, deliveries=deliveries, now=now)
    return notifications


class Delivery(NamedTuple):
    """One delivery a notification is owed: on a channel, to one device for push."""

    notification_id: uuid.UUID
    channel: ChannelName
    device_id: int | None = None


def enqueue(*, session: Session, deliveries: list[Delivery], now: datetime) -> list[Outbox]:
    """Outbox rows for ``deliveries``, in the caller's transaction, and the relay asked to
    deliver them once it commits."""
    # Claimed for the task sent at commit; if that task never comes, the sweep takes
    # the row once the claim runs out.
    claimed_until = now + timedelta(seconds=get_settings().notify_claim_seconds)
    rows = [
        Outbox(
            notification_id=delivery.notification_id,
            channel=delivery.channel,
            device_id=delivery.device_id,
            next_attempt_at=claimed_until,
            created_at=now,
        )
        for delivery in deliveries
    ]
    if rows:
        session.add_all(rows)
        ids = [str(row.id) for row in rows]
        on_commit(session, lambda: request_delivery(ids))
    return rows


def _reach(session: Session, user_ids: list[int], channels: list[ChannelName]) -> dict[tuple[int, str], list]:
    """Where each person can be reached: their devices for push (one row each), a phone
    for SMS, an address for email. ``None`` in the list means "the user's own"."""
    reach: dict[tuple[int, str], list] = {}
    for user_id, phone, email in repository.contacts(session, user_ids):
        if ChannelName.sms in channels and phone:
            reach[(user_id, ChannelName.sms)] = [None]
        if ChannelName.email in channels and email:
            reach[(user_id, ChannelName.email)] = [None]
    if ChannelName.push in channels:
        for user_id, device_id in repository.push_devices(session, user_ids):
            reach.setdefault((user_id, ChannelName.push), []).append(device_id)
    return reach


def _choices(session: Session, user_ids: list[int]) -> dict[tuple[int, str, str], bool]:
    rows = repository.preferences_of(session, user_ids)
    return {(row.user_id, row.event, row.channel): row.enabled for row in rows}


def request_delivery(outbox_ids: list[str]) -> None:
    """Ask the relay to deliver now. Best effort: with Redis down the rows wait for the
    sweep, and the change that owed them has already committed."""
    try:
        for outbox_id in outbox_ids:
            send_now(TaskName.DELIVER, args=(outbox_id,), queue="notify")
    except Exception as exc:  # kombu raises several types for an unreachable broker
        log.warning("could not queue %d deliveries (%s); the sweep will send them", len(outbox_ids), exc)
