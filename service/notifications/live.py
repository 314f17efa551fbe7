"""Live updates for the web console and the IOC: Server-Sent Events fed from Redis.

Each committed timeline line is appended to one capped Redis stream (XADD, about the
last 10,000 changes). A connection reads it with a blocking XREAD from where it left
off, so a reconnect with ``Last-Event-ID`` replays what it missed; plain PUBLISH would
lose whatever happened while the browser was away. Each connection filters by
:func:`may_see_live`; what reaches the browser carries no personal data.

Live updates are best effort: with Redis down the change still commits (its
notifications wait in the outbox) and the console catches up on its next load.
"""

import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from service.core.redis import get_redis
from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.notifications.policies import Viewer, may_see_live
from service.reports.models import Complaint, ComplaintEvent

log = logging.getLogger(__name__)

STREAM_KEY = "phananh:live"
STREAM_LENGTH = 10_000
EVENT_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
# What the stream carries for filtering but never shows.
_PRIVATE_FIELDS = ("citizen_id", "public")
# What XRANGE and XREAD return on this connection (decode_responses=True, legacy response
# shapes, redis-py's default); redis-py annotates every protocol and decoding at once.
_Entries = list[tuple[str, dict[str, str]]]  # (id, fields)
_Batches = list[list[Any]]  # [stream, _Entries] for each stream


def item_of(complaint: Complaint, line: ComplaintEvent) -> dict[str, Any]:
    data = line.data or {}
    return {
        "complaint_id": str(complaint.id),
        "code": complaint.code,
        "action": line.action,
        "status": str(complaint.status),
        "visibility": str(complaint.visibility),
        "unit_id": complaint.current_unit_id,
        "from_unit": data.get("from_unit"),
        "officer_id": complaint.current_officer_id,
        "category_id": complaint.category_id,
        "area_id": complaint.area_id,
        "due_at": complaint.due_at.isoformat() if complaint.due_at else None,
        "at": (line.at or utcnow()).isoformat(),
        "citizen_id": complaint.citizen_id,
        "public": line.public,
    }


def publish_after_commit(complaint: Complaint, line: ComplaintEvent) -> Callable[[], str | None]:
    """A line's live update, taken now (the report may change again before the commit) and
    published once the transaction has committed (a receiver of ``line_recorded``)."""
    item = item_of(complaint, line)
    return lambda: publish(item)


def publish(item: dict[str, Any]) -> str | None:
    try:
        return get_redis().xadd(STREAM_KEY, {"data": json.dumps(item)}, maxlen=STREAM_LENGTH, approximate=True)  # type: ignore[return-value]
    except redis.RedisError as exc:
        log.warning("live update for %s not published: %s", item.get("code"), exc)
        return None


def _key(event_id: str) -> tuple[int, int]:
    millis, _, seq = event_id.partition("-")
    return int(millis), int(seq or 0)


def valid_event_id(value: str) -> bool:
    """An id Redis could have written: two unsigned 64-bit numbers."""
    return bool(EVENT_ID.match(value)) and max(_key(value)) < 2**64


def sse(event: str, data: dict[str, Any], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class LiveStream:
    """One connection's reader. :meth:`open` talks to Redis before the response starts,
    so an unreachable Redis is a clean 503 rather than a broken stream."""

    def __init__(self, viewer: Viewer, *, until: datetime, block_ms: int = 15_000) -> None:
        self.viewer = viewer
        self.until = until
        self.block_ms = block_ms
        # A read must outlast the blocking XREAD it waits on, or an idle stream breaks off
        # (redis-py's asyncio client reads for 5 s by default; the block is 15 s).
        self.client = aioredis.Redis.from_url(
            get_settings().redis_url,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=block_ms / 1000 + 5,
        )
        self.cursor = "0-0"
        self.gap = False

    async def open(self, last_event_id: str | None) -> None:
        try:
            last = cast(_Entries, await self.client.xrevrange(STREAM_KEY, count=1))
            newest = last[0][0] if last else "0-0"
            self.cursor = newest
            if last_event_id:
                first = cast(_Entries, await self.client.xrange(STREAM_KEY, count=1))
                wanted = _key(last_event_id)
                # Older than anything kept (changes are gone) or newer than anything
                # written (not our id): the client must reload, and gets only what
                # follows; replaying old changes over fresh state would undo it.
                self.gap = bool(first) and (wanted < _key(first[0][0]) or wanted > _key(newest))
                if not self.gap:
                    self.cursor = last_event_id
        except BaseException:
            await self.client.aclose()
            raise

    async def events(self) -> AsyncIterator[str]:
        try:
            # Browsers reconnect after this many milliseconds, sending the last id seen.
            yield "retry: 3000\n\n"
            if self.gap:
                yield sse("reset", {"reason": "missed_too_much"})
            while (left := (self.until - utcnow()).total_seconds()) > 0:
                batches = cast(
                    _Batches,
                    await self.client.xread(
                        {STREAM_KEY: self.cursor}, block=max(1, min(self.block_ms, int(left * 1000))), count=200
                    ),
                )
                if not batches:
                    yield ": keep-alive\n\n"  # a comment: proxies keep the connection open
                    continue
                for _key_name, entries in batches:
                    for entry_id, fields in entries:
                        self.cursor = entry_id
                        item = json.loads(fields["data"])
                        if may_see_live(self.viewer, item):
                            shown = {k: v for k, v in item.items() if k not in _PRIVATE_FIELDS}
                            yield sse("complaint", shown, entry_id)
            # The access token ran out: the client reconnects with a fresh one and its last id.
            yield sse("expired", {})
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # Redis went away mid-stream. The response has begun, so no 503 can be sent:
            # the stream just ends, and the browser reconnects after ``retry`` with its
            # last id (a 503 while Redis is still away, the missed changes once it is back).
            log.warning("live stream ended, Redis is away: %s", exc)
        finally:
            await self.client.aclose()
