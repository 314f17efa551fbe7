"""Task names shared by the API (which sends) and the workers (which run).

The API sends by name through :func:`send_after_commit`, so it never imports worker code,
and a task never runs before the rows it needs are committed.
"""

from functools import lru_cache
from typing import Any

from celery import Celery
from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from service.core.settings import get_settings


class TaskName:
    HEARTBEAT = "phananh.system.heartbeat"
    PROCESS_PHOTO = "phananh.media.process_photo"


@lru_cache
def _producer() -> Celery:
    # A bare client: only the broker address is needed to send by name.
    return Celery("phananh-api", broker=get_settings().redis_url)


def send_now(name: str, *, args: tuple[Any, ...] = (), queue: str = "default") -> None:
    _producer().send_task(name, args=args, queue=queue)


_BUFFER_KEY = "phananh_pending_tasks"


def send_after_commit(session: Session, name: str, *, args: tuple[Any, ...] = (), queue: str = "default") -> None:
    """Queue a task to be sent once ``session`` commits; a rollback drops it."""
    session.connection()  # make sure the transaction the task belongs to has begun
    pending = session.info.setdefault(_BUFFER_KEY, [])
    pending.append((name, args, queue))


@event.listens_for(Session, "after_commit")
def _flush_pending(session: Session) -> None:
    for name, args, queue in session.info.pop(_BUFFER_KEY, []):
        send_now(name, args=args, queue=queue)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    # Only when the session's own transaction ends: a SAVEPOINT rolled back inside it
    # (begin_nested) leaves the outer work, and its tasks, in place.
    if previous_transaction.parent is None:
        session.info.pop(_BUFFER_KEY, None)
