"""The Redis transport the worker consumes through: kombu's own, with one defect worked
around, which took the worker down for good when Redis went away.

When the broker connection breaks, Celery (5.7, ``Consumer.on_connection_error_after_connected``)
first collects the connection, then closes it. Collecting closes the channels and then
detaches the transport from the connection (``transport.client = None``). But a channel
that was waiting in BRPOP raises on its first close, and the transport's loop over its
channels stops at the first that raises, so a channel can come out of the collect still
open. The close that follows closes it again: it re-queues its unacknowledged messages,
builds a connection pool for that from ``transport.client`` — now ``None`` — and raises
``AttributeError``. That is no connection error, so nothing catches it: "Unrecoverable
error", and the worker exits with Redis back a few seconds later (tests/faults, about one
outage in four on a loaded machine; tests/workers/test_broker.py reproduces it exactly).

Here a channel whose transport has been detached answers as what it is, a channel with no
connection: ``ConnectionError``, which the closing code ignores, and the consumer
reconnects as after any outage. The messages it could not re-queue stay in Redis's unacked
set and are handed out again after the visibility timeout (see workers/app.py), or, if
Redis lost them, found by the photo and outbox sweeps.
"""

from typing import Any

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise redis.ConnectionError("the broker connection of this channel is already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
