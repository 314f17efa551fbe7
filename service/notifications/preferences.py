"""Each person's choice of channels per event, over the defaults."""

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, select

from service.accounts.models import Role, User
from service.notifications.errors import EventNotForRole, PreferenceLocked
from service.notifications.models import (
    CITIZEN_EVENTS,
    LOCKED_EVENTS,
    STAFF_EVENTS,
    ChannelName,
    Event,
    NotificationPreference,
)
from service.notifications.outbox import enabled_by_default
from service.notifications.schemas import PreferenceRead, PreferenceWrite


def events_for(user: User) -> list[Event]:
    """The events a person can receive at all, in the order of the enum."""
    mine = CITIZEN_EVENTS if user.role == Role.citizen else STAFF_EVENTS
    return [event for event in Event if event in mine]


def is_locked(event: Event, channel: ChannelName) -> bool:
    return channel == ChannelName.inbox or event in LOCKED_EVENTS


def read(session: Session, user: User) -> list[PreferenceRead]:
    chosen = {
        (row.event, row.channel): row.enabled
        for row in session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    return [
        PreferenceRead(
            event=event,
            channel=channel,
            locked=is_locked(event, channel),
            enabled=is_locked(event, channel) or chosen.get((event, channel), enabled_by_default(event, channel)),
        )
        for event in events_for(user)
        for channel in ChannelName
    ]


def write(session: Session, user: User, items: list[PreferenceWrite]) -> None:
    """Every choice is checked before any is stored: a refused item stores nothing."""
    mine = set(events_for(user))
    for index, item in enumerate(items):
        if item.event not in mine:
            raise EventNotForRole(field=f"items[{index}].event")
        if is_locked(item.event, item.channel) and not item.enabled:
            raise PreferenceLocked(field=f"items[{index}].channel")
    # The same pair twice: the last one counts (one statement may not update a row twice).
    latest = {(item.event, item.channel): item.enabled for item in items if not is_locked(item.event, item.channel)}
    values = [
        {"user_id": user.id, "event": event.value, "channel": channel.value, "enabled": enabled}
        for (event, channel), enabled in latest.items()
    ]
    if values:
        statement = insert(NotificationPreference).values(values)
        session.execute(
            statement.on_conflict_do_update(
                constraint="uq_notification_preferences", set_={"enabled": statement.excluded.enabled}
            )
        )
