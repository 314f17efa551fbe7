"""The worker's broker transport (workers/broker.py) against a real redis-server that stops.

What a consumer does when its broker connection breaks is replayed step by step, as Celery
5.7 does it (``Consumer.on_connection_error_after_connected``: collect, then close with
errors ignored), in the state that made the worker exit in tests/faults: one channel
waiting in BRPOP with a message taken and not yet acknowledged, and a second channel also
waiting, created after it.
"""

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection, Consumer, Producer, Queue
from kombu.common import ignore_errors

from tests.conftest import free_port
from tests.support.stack import Processes, start_redis
from workers.app import celery_app

OURS = "workers.broker:Transport"
KOMBUS = "kombu.transport.redis:Transport"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[Processes, str]]:
    processes = Processes(tmp_path)
    port = free_port()
    start_redis(processes, port)
    try:
        yield processes, f"redis://127.0.0.1:{port}/0"
    finally:
        processes.stop_all()


def lose_the_broker(processes: Processes, url: str, transport: str) -> Exception | None:
    """What the close after a lost connection raises through ``ignore_errors``, or None."""
    connection = Connection(url, transport=transport, transport_options={"socket_timeout": 2})
    taken: list[object] = []
    with Connection(url) as sender:
        Producer(sender.default_channel).publish({"n": 1}, routing_key="photos", declare=[Queue("photos")])
    first = connection.default_channel
    first.basic_qos(prefetch_count=4)
    Consumer(first, [Queue("photos")], callbacks=[lambda _body, message: taken.append(message)]).consume()
    Consumer(connection.channel(), [Queue("mail")], callbacks=[lambda _body, _message: None]).consume()
    connection.drain_events(timeout=5)
    assert len(taken) == 1, "the message was not delivered"
    with pytest.raises(socket.timeout):
        connection.drain_events(timeout=0.3)  # both channels now wait in BRPOP
    assert first._in_poll, "the channel is not waiting in BRPOP: the replay is not the failing state"

    processes.stop("redis")
    with contextlib.suppress(Exception):  # as Celery does: the collect is best effort
        connection.collect(socket_timeout=1)
    try:
        ignore_errors(connection, connection.close)
    except Exception as exc:
        return exc
    return None


def test_the_worker_closes_a_lost_connection_cleanly(broker: tuple[Processes, str]) -> None:
    assert lose_the_broker(*broker, transport=OURS) is None


def test_kombu_still_needs_the_fix(broker: tuple[Processes, str]) -> None:
    # The day this fails, kombu closes such a channel cleanly itself: workers/broker.py can go.
    raised = lose_the_broker(*broker, transport=KOMBUS)
    assert isinstance(raised, AttributeError), raised


def test_the_worker_and_beat_use_it() -> None:
    with celery_app.connection_for_read() as connection:
        assert f"{type(connection.transport).__module__}:{type(connection.transport).__name__}" == OURS
