"""Fixed-window counters in Redis, shared by every API process."""

from dataclasses import dataclass

import redis


@dataclass(frozen=True)
class Window:
    """``limit`` events per ``seconds`` for one key prefix."""

    prefix: str
    limit: int
    seconds: int

    def _key(self, subject: str) -> str:
        return f"phananh:rl:{self.prefix}:{subject}"

    def retry_after(self, client: redis.Redis, subject: str) -> int | None:
        """Seconds until ``subject`` may try again, or None when it is under the limit."""
        key = self._key(subject)
        count = client.get(key)
        if count is None or int(count) < self.limit:
            return None
        ttl = client.ttl(key)
        return max(int(ttl), 1)

    def hit(self, client: redis.Redis, subject: str) -> int:
        key = self._key(subject)
        pipe = client.pipeline()
        pipe.incr(key)
        # NX: the window starts at the first hit and is not pushed back by later ones.
        pipe.expire(key, self.seconds, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def reset(self, client: redis.Redis, subject: str) -> None:
        client.delete(self._key(subject))
