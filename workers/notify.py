"""The notification relay: deliver outbox rows, and sweep for those still owed."""

import uuid

from sqlalchemy.exc import OperationalError

from service.core.database import session_scope
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.notifications import relay
from workers.app import celery_app


@celery_app.task(name=TaskName.DELIVER, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def deliver(outbox_id: str) -> str:
    """One attempt at one outbox row. A failure for now leaves the row pending with its
    next time set; the sweep sends it again then, so retries survive a restart."""
    with session_scope() as session:
        return relay.deliver(session, uuid.UUID(outbox_id), now=utcnow()).value


@celery_app.task(name=TaskName.SWEEP_OUTBOX)
def sweep() -> int:
    """Beat: every row whose time has come — retries, and first attempts whose task was
    lost (Redis was down at commit, the message expired) — gets a task."""
    total = 0
    while True:
        with session_scope() as session:
            due = relay.claim_due(session, now=utcnow())
        for outbox_id in due:
            deliver.delay(str(outbox_id))
        total += len(due)
        if len(due) < 500:
            return total
