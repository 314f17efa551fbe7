"""The inbox, channel choices and devices as the apps see them."""

import uuid

from pydantic import Field

from service.core.schemas import Input, LocalDatetime, ReadModel
from service.notifications.models import ChannelName, Event, Platform


class NotificationComplaint(ReadModel):
    id: uuid.UUID
    code: str | None


class NotificationRead(ReadModel):
    id: uuid.UUID
    event: Event
    title: str = Field(description="In the reader's language")
    body: str = Field(description="In the reader's language; times as dd/MM/yyyy HH:mm, Vietnam time")
    complaint: NotificationComplaint | None
    created_at: LocalDatetime
    read_at: LocalDatetime | None


class NotificationPage(ReadModel):
    items: list[NotificationRead] = Field(description="Unread first, then newest first")
    unread: int
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last")


class UnreadCount(ReadModel):
    unread: int


class MarkedRead(ReadModel):
    marked: int


class PreferenceRead(ReadModel):
    event: Event
    channel: ChannelName
    enabled: bool
    locked: bool = Field(description="Cannot be turned off: the inbox, and deadline warnings")


class PreferenceWrite(Input):
    event: Event
    channel: ChannelName
    enabled: bool


class PreferencesWrite(Input):
    items: list[PreferenceWrite] = Field(min_length=1, max_length=100)


class PreferencesRead(ReadModel):
    items: list[PreferenceRead]


class DeviceWrite(Input):
    token: str = Field(min_length=1, max_length=4096, description="The app's FCM registration token")
    platform: Platform


class DeviceRead(ReadModel):
    id: int
    platform: Platform
    created_at: LocalDatetime
