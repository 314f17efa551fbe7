"""Task names shared by the API (which sends) and the workers (which run).

The API sends by name through :func:`send_after_commit`, so it never imports worker code,
and a task never runs before the rows it needs are committed.
"""

from functools import lru_cache, partial
from typing import Any

from celery import Celery
from sqlmodel import Session

from service.core.settings import get_settings
from service.core.transaction_hooks import on_commit


class TaskName:
    HEARTBEAT = "phananh.system.heartbeat"
    PROCESS_PHOTO = "phananh.media.process_photo"
    RESEND_STRANDED_PHOTOS = "phananh.media.resend_stranded"
    CLOSE_UNRATED = "phananh.handling.close_unrated"
    SCAN_DEADLINES = "phananh.handling.scan_deadlines"
    ESCALATE = "phananh.handling.escalate"
    DELIVER = "phananh.notify.deliver"
    SWEEP_OUTBOX = "phananh.notify.sweep"
    MONTHLY_REPORT = "phananh.ioc.monthly_report"


@lru_cache
def _producer() -> Celery:
    # A bare client: only the broker address is needed to send by name. With Redis away a
    # send fails fast (one retry, 2 s timeouts) rather than hold the request: what it
    # would have sent is found by the sweeps (photos, outbox) once Redis is back.
    producer = Celery("phananh-api", broker=get_settings().redis_url)
    producer.conf.update(
        broker_connection_timeout=2,
        broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
    )
    return producer


def send_now(name: str, *, args: tuple[Any, ...] = (), queue: str = "default") -> None:
    _producer().send_task(name, args=args, queue=queue)


def send_after_commit(session: Session, name: str, *, args: tuple[Any, ...] = (), queue: str = "default") -> None:
    """Queue a task to be sent once ``session`` commits; a rollback drops it."""
    on_commit(session, partial(send_now, name, args=args, queue=queue))
