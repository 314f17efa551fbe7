"""What the service owes people: inbox notifications, their deliveries on other channels
(the outbox), the phones that receive push, and each person's channel choices."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, optional_time_field


class Event(StrEnum):
    """Why someone is told something. Each has a template in Vietnamese and English."""

    # To the citizen who sent the report (and, where it says so, those who follow it).
    received = "received"
    assigned = "assigned"
    acknowledged = "acknowledged"
    info_requested = "info_requested"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    duplicate = "duplicate"
    # To staff.
    new_work = "new_work"
    info_provided = "info_provided"
    extension_requested = "extension_requested"
    extension_decided = "extension_decided"
    deadline_warning = "deadline_warning"
    overdue = "overdue"
    escalated = "escalated"


# Deadline warnings reach the officer (and lead, and dispatchers) whatever they chose:
# the IOC judges them on these deadlines, so nobody may mute the warning.
LOCKED_EVENTS = frozenset({Event.deadline_warning, Event.overdue, Event.escalated})
CITIZEN_EVENTS = frozenset(
    {
        Event.received,
        Event.assigned,
        Event.acknowledged,
        Event.info_requested,
        Event.resolved,
        Event.closed,
        Event.rejected,
        Event.duplicate,
    }
)
STAFF_EVENTS = frozenset(Event) - CITIZEN_EVENTS


class ChannelName(StrEnum):
    inbox = "inbox"  # always on: the notification row itself
    push = "push"
    sms = "sms"
    email = "email"


# The channels an outbox row may name: everything but the inbox, which needs no delivery.
OUTBOX_CHANNELS = (ChannelName.push, ChannelName.sms, ChannelName.email)


class Notification(SQLModel, table=True):
    """One thing one person is told: their inbox line, and the head of its deliveries.

    ``context`` holds what the templates need (code, category in both languages, the
    deadline, the reason) as it was when the event happened; the words are rendered in
    the reader's language when read or sent.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("event", Event, name="ck_notifications_event"),
        # The inbox: unread first, newest first; and the unread count.
        Index("ix_notifications_user_inbox", "user_id", "created_at", "id"),
        Index("ix_notifications_user_unread", "user_id", "created_at", "id", postgresql_where=text("read_at IS NULL")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    event: Event = enum_field(32)
    complaint_id: uuid.UUID | None = Field(default=None, foreign_key="complaints.id", ondelete="CASCADE", index=True)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime = created_at_field()
    read_at: datetime | None = optional_time_field()


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"  # gave up: a permanent failure, or the last attempt failed


class Outbox(SQLModel, table=True):
    """One delivery of a notification on one channel (to one device, for push).

    Written in the transaction that changed the report, so a change never commits
    without what it owes. The relay claims pending rows whose time has come; the row's
    id is the idempotency key the peer sees, so a resend can be recognised.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        enum_check("channel", ChannelName, name="ck_notification_outbox_channel"),
        enum_check("status", OutboxStatus, name="ck_notification_outbox_status"),
        UniqueConstraint(
            "notification_id", "channel", "device_id", name="uq_notification_outbox", postgresql_nulls_not_distinct=True
        ),
        # The relay's sweep: pending rows by the time they are due.
        Index("ix_notification_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    notification_id: uuid.UUID = Field(foreign_key="notifications.id", ondelete="CASCADE")
    channel: ChannelName = enum_field(8)
    device_id: int | None = Field(default=None, foreign_key="devices.id", ondelete="SET NULL")
    status: OutboxStatus = enum_field(8, default=OutboxStatus.pending)
    attempts: int = 0
    next_attempt_at: datetime = created_at_field()
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()


class Platform(StrEnum):
    android = "android"
    ios = "ios"
    web = "web"


class Device(SQLModel, table=True):
    """A phone (or browser) that receives push for a user: its FCM registration token."""

    __tablename__ = "devices"
    __table_args__ = (enum_check("platform", Platform, name="ck_devices_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    # A token belongs to one app install; it moves with whoever logs in on that phone.
    token: str = Field(max_length=4096, unique=True)
    platform: Platform = enum_field(8)
    created_at: datetime = created_at_field()
    # FCM said the token is no longer valid (app removed, token rotated): push stops.
    disabled_at: datetime | None = optional_time_field()


class NotificationPreference(SQLModel, table=True):
    """A person's choice for one event on one channel; no row means the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "event", "channel", name="uq_notification_preferences"),
        enum_check("event", Event, name="ck_notification_preferences_event"),
        enum_check("channel", ChannelName, name="ck_notification_preferences_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    event: Event = enum_field(32)
    channel: ChannelName = enum_field(8)
    enabled: bool
