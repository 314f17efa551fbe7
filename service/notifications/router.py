"""The inbox, channel choices, devices for push, and the live stream."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import StreamingResponse
from redis.exceptions import RedisError

from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, NotFound, responses
from service.core.paging import InvalidCursor
from service.identity.models import User
from service.identity.policies import AccessExpiry, CurrentUser
from service.notifications import inbox, preferences, repository
from service.notifications.errors import EventNotForRole, InvalidLastEventId, LiveUnavailable, PreferenceLocked
from service.notifications.live import LiveStream, valid_event_id
from service.notifications.models import Notification
from service.notifications.policies import Viewer
from service.notifications.schemas import (
    DeviceRead,
    DeviceWrite,
    MarkedRead,
    NotificationComplaint,
    NotificationPage,
    NotificationRead,
    PreferencesRead,
    PreferencesWrite,
    UnreadCount,
)
from service.notifications.templates import render

router = APIRouter(tags=["notifications"], responses=responses(NotAuthenticated))


def _read(notification: Notification, user: User) -> NotificationRead:
    words = render(notification.event, notification.context, user.language)
    complaint = (
        NotificationComplaint(id=notification.complaint_id, code=notification.context.get("code"))
        if notification.complaint_id
        else None
    )
    return NotificationRead(
        id=notification.id,
        event=notification.event,
        title=words.title,
        body=words.body,
        complaint=complaint,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


@router.get("/api/v1/notifications", response_model=NotificationPage, responses=responses(InvalidCursor))
def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
):
    """Your notifications, unread first and newest first, in your language."""
    assert user.id is not None
    items, next_cursor = inbox.page(session, user.id, limit=limit, cursor=cursor)
    return NotificationPage(
        items=[_read(n, user) for n in items], unread=inbox.unread_count(session, user.id), next_cursor=next_cursor
    )


@router.get("/api/v1/notifications/unread-count", response_model=UnreadCount)
def unread_count(user: CurrentUser, session: SessionDep):
    assert user.id is not None
    return UnreadCount(unread=inbox.unread_count(session, user.id))


@router.post(
    "/api/v1/notifications/{notification_id}/read", response_model=NotificationRead, responses=responses(NotFound)
)
def mark_read(notification_id: uuid.UUID, user: CurrentUser, session: SessionDep):
    assert user.id is not None
    notification = inbox.mark_read(session, user.id, notification_id)
    if notification is None:
        raise NotFound(field="notification_id")
    return _read(notification, user)


@router.post("/api/v1/notifications/read-all", response_model=MarkedRead)
def mark_all_read(user: CurrentUser, session: SessionDep):
    assert user.id is not None
    return MarkedRead(marked=inbox.mark_all_read(session, user.id))


@router.get("/api/v1/me/notification-preferences", response_model=PreferencesRead)
def get_preferences(user: CurrentUser, session: SessionDep):
    """Every event you can receive × every channel: on or off, and whether you may change it."""
    return PreferencesRead(items=preferences.read(session, user))


@router.put(
    "/api/v1/me/notification-preferences",
    response_model=PreferencesRead,
    responses=responses(PreferenceLocked, EventNotForRole),
)
def put_preferences(body: PreferencesWrite, user: CurrentUser, session: SessionDep):
    """Turn channels on or off per event. The inbox is always on, and deadline warnings
    always reach staff; the pairs not named keep their setting."""
    preferences.write(session, user, body.items)
    return PreferencesRead(items=preferences.read(session, user))


@router.post("/api/v1/me/devices", response_model=DeviceRead, status_code=status.HTTP_201_CREATED)
def register_device(body: DeviceWrite, user: CurrentUser, session: SessionDep):
    """Receive push on this app install. A token already known moves to you (the phone
    changed hands or accounts) and is enabled again."""
    assert user.id is not None
    device = repository.upsert_device(session, user_id=user.id, token=body.token, platform=body.platform.value)
    assert device.id is not None
    return DeviceRead(id=device.id, platform=device.platform, created_at=device.created_at)


@router.delete("/api/v1/me/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def remove_device(device_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Stop push on this install (on logout)."""
    assert user.id is not None
    if not repository.delete_device(session, device_id=device_id, user_id=user.id):
        raise NotFound(field="device_id")


@router.get(
    "/api/v1/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `complaint` per change, `reset`, `expired`",
            "content": {"text/event-stream": {}},
        },
        **responses(InvalidLastEventId, LiveUnavailable),
    },
)
async def stream(
    user: CurrentUser,
    until: AccessExpiry,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=45)] = None,
) -> StreamingResponse:
    """Live changes to the reports you may see: your unit's (officers, leads), the whole
    province's (dispatchers, admins), your own (citizens). Reconnect with
    ``Last-Event-ID`` to receive what you missed; the stream ends when your access token
    does (event ``expired``)."""
    if last_event_id is not None and not valid_event_id(last_event_id):
        raise InvalidLastEventId(field="Last-Event-ID")
    live = LiveStream(Viewer.of(user), until=until)
    try:
        await live.open(last_event_id)
    except RedisError as exc:
        raise LiveUnavailable() from exc
    return StreamingResponse(
        live.events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
