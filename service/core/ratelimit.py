"""Fixed-window counters in Redis, shared by every API process — and, while Redis is away,
in this process's memory, so a login is still checked and limited (per process) rather
than refused or let through unlimited.

The fallback starts when Redis raises a connection error or a timeout, is logged once per
outage, and for a few seconds after each failure skips Redis altogether (a login makes
several calls; each would otherwise wait for the connect timeout). Counters counted locally
are not carried over when Redis comes back: a window's worth of attempts at most is lost.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import redis

log = logging.getLogger(__name__)

T = TypeVar("T")

# Redis is tried again this long after it last failed.
RETRY_REDIS_SECONDS = 5.0
# Enough for every address and account one process sees in a window; past it the oldest
# windows are dropped first (one address cannot fill it: its own limit stops it).
LOCAL_MAX_KEYS = 100_000


class LocalCounters:
    """A bounded, thread-safe map of counters that expire, for when Redis is away."""

    def __init__(self, max_keys: int = LOCAL_MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._lock = threading.Lock()
        # key -> (count, monotonic time it expires), oldest window first.
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] <= now:
            del self._entries[key]
            return None
        return entry

    def get(self, key: str) -> tuple[int, float] | None:
        """The count and the seconds left, or None."""
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
        return (entry[0], entry[1] - now) if entry else None

    def incr(self, key: str, seconds: int) -> int:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            if entry is None:
                self._make_room(now)
                entry = (0, now + seconds)
            count = entry[0] + 1
            self._entries[key] = (count, entry[1])
            return count

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _make_room(self, now: float) -> None:
        if len(self._entries) < self.max_keys:
            return
        for key in [key for key, (_, expires) in self._entries.items() if expires <= now]:
            del self._entries[key]
        while len(self._entries) >= self.max_keys:
            self._entries.popitem(last=False)


local_counters = LocalCounters()
_state_lock = threading.Lock()
# When Redis last failed (monotonic), or None while it answers.
_redis_failed_at: float | None = None


def _with_fallback(on_redis: Callable[[], T], on_local: Callable[[], T]) -> T:
    global _redis_failed_at
    failed_at = _redis_failed_at
    if failed_at is not None and time.monotonic() - failed_at < RETRY_REDIS_SECONDS:
        return on_local()
    try:
        result = on_redis()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        with _state_lock:
            if _redis_failed_at is None:
                log.warning("Redis unavailable (%s): rate limits are counted in this process until it is back", error)
            _redis_failed_at = time.monotonic()
        return on_local()
    if failed_at is not None:
        with _state_lock:
            if _redis_failed_at is not None:
                log.warning("Redis is back: rate limits are shared again")
            _redis_failed_at = None
    return result


@dataclass(frozen=True)
class Window:
    """``limit`` events per ``seconds`` for one key prefix."""

    prefix: str
    limit: int
    seconds: int

    def _key(self, subject: str) -> str:
        return f"phananh:rl:{self.prefix}:{subject}"

    def count(self, client: redis.Redis, subject: str) -> int:
        """Events counted for ``subject`` in its current window."""
        key = self._key(subject)

        def on_local() -> int:
            entry = local_counters.get(key)
            return entry[0] if entry else 0

        return _with_fallback(lambda: int(client.get(key) or 0), on_local)

    def retry_after(self, client: redis.Redis, subject: str) -> int | None:
        """Seconds until ``subject`` may try again, or None when it is under the limit."""
        key = self._key(subject)

        def on_redis() -> tuple[int, float]:
            pipe = client.pipeline(transaction=False)
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
            return int(count or 0), float(ttl)

        def on_local() -> tuple[int, float]:
            entry = local_counters.get(key)
            return entry if entry else (0, 0.0)

        count, ttl = _with_fallback(on_redis, on_local)
        if count < self.limit:
            return None
        return max(int(ttl), 1)

    def hit(self, client: redis.Redis, subject: str) -> int:
        key = self._key(subject)

        def on_redis() -> int:
            pipe = client.pipeline()
            pipe.incr(key)
            # NX: the window starts at the first hit and is not pushed back by later ones.
            pipe.expire(key, self.seconds, nx=True)
            count, _ = pipe.execute()
            return int(count)

        return _with_fallback(on_redis, lambda: local_counters.incr(key, self.seconds))

    def reset(self, client: redis.Redis, subject: str) -> None:
        key = self._key(subject)
        # Both: a count made locally during an outage must not outlive the success either.
        local_counters.delete(key)
        _with_fallback(lambda: client.delete(key), lambda: 0)
