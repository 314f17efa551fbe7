"""Notifications: how a message reaches a citizen or an officer (push, SMS, email)."""

from service.notifications.channels import (
    Channel,
    ChannelNotConfigured,
    DeliveryFailure,
    EmailChannel,
    Message,
    PermanentFailure,
    PushChannel,
    SmsChannel,
    TemporaryFailure,
)

__all__ = [
    "Channel",
    "ChannelNotConfigured",
    "DeliveryFailure",
    "EmailChannel",
    "Message",
    "PermanentFailure",
    "PushChannel",
    "SmsChannel",
    "TemporaryFailure",
]
