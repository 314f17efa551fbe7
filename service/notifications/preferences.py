"""Each person's choice of channels per event, over the defaults."""

from sqlmodel import Session

from service.identity.models import Role, User
from service.notifications import repository
from service.notifications.errors import EventNotForRole, PreferenceLocked
from service.notifications.models import CITIZEN_EVENTS, LOCKED_EVENTS, STAFF_EVENTS, ChannelName, Event
from service.notifications.schemas import PreferenceRead, PreferenceWrite


def events_for(user: User) -> list[Event]:
    """The events a person can receive at all, in the order of the enum."""
    mine = CITIZEN_EVENTS if user.role == Role.citizen else STAFF_EVENTS
    return [event for event in Event if event in mine]


# SMS costs the province money per message: by default it carries what the citizen must
# act on or must not miss, and the deadline warnings; push and email carry everything.
SMS_BY_DEFAULT = frozenset({Event.info_requested, Event.resolved, Event.rejected, Event.duplicate, *LOCKED_EVENTS})


def is_locked(event: Event, channel: ChannelName) -> bool:
    return channel == ChannelName.inbox or event in LOCKED_EVENTS


def is_enabled(event: Event, channel: ChannelName, chosen: bool | None) -> bool:
    """Whether ``event`` goes out on ``channel``: always when locked, else the person's
    choice (``None``: they never chose) or the default."""
    if is_locked(event, channel):
        return True
    if chosen is not None:
        return chosen
    return channel != ChannelName.sms or event in SMS_BY_DEFAULT


def read(session: Session, user: User) -> list[PreferenceRead]:
    assert user.id is not None
    chosen = {(row.event, row.channel): row.enabled for row in repository.preferences_of(session, [user.id])}
    return [
        PreferenceRead(
            event=event,
            channel=channel,
            locked=is_locked(event, channel),
            enabled=is_enabled(event, channel, chosen.get((event, channel))),
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
        repository.upsert_preferences(session, values)
