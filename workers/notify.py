"""The notification relay: deliver outbox rows, and sweep for those still owed."""

import logging
import time
import uuid
from datetime import datetime

from sqlalchemy.exc import OperationalError

from service.core.database import session_scope
from service.core.errors import DATABASE_DOWN
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.notifications import relay
from workers.app import celery_app, queue_length

log = logging.getLogger(__name__)


# How long a worker keeps trying to record a delivery the peer has already accepted, while
# PostgreSQL is away; past it the row would be sent a second time, which is worse than the
# wait (one pool slot, only for the deliveries caught at the moment of the outage).
RECORD_PATIENCE_SECONDS = 300
# Tasks waiting in the notify queue above which a sweep sends no more (two sweeps' worth).
BACKLOG = 1000


@celery_app.task(name=TaskName.DELIVER, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def deliver(outbox_id: str) -> str:
    """One attempt at one outbox row. A failure for now leaves the row pending with its
    next time set; the sweep sends it again then, so retries survive a restart.

    The database failing before the peer was asked is retried (autoretry); failing after
    the peer accepted — at the commit — must not send it again: the task records it as
    sent once the database answers."""
    row_id, now = uuid.UUID(outbox_id), utcnow()
    outcome: relay.Outcome | None = None
    try:
        with session_scope() as session:
            outcome = relay.deliver(session, row_id, now=now)
    except DATABASE_DOWN:
        if outcome is not relay.Outcome.sent:
            raise
        _record_sent(row_id, at=now)
    assert outcome is not None
    return outcome.value


def _record_sent(row_id: uuid.UUID, *, at: datetime) -> None:
    deadline = time.monotonic() + RECORD_PATIENCE_SECONDS
    while True:
        try:
            with session_scope() as session:
                recorded = relay.record_sent(session, row_id, at=at)
            log.warning("delivery %s recorded after its commit was lost (recorded: %s)", row_id, recorded)
            return
        except DATABASE_DOWN:
            if time.monotonic() > deadline:
                log.error("delivery %s accepted by the peer but never recorded: it may be sent again", row_id)
                raise
            time.sleep(1)


@celery_app.task(name=TaskName.SWEEP_OUTBOX)
def sweep() -> int:
    """Beat: every row whose time has come — retries, and first attempts whose task was
    lost (Redis was down at commit, the message expired) — gets a task. Not while the
    notify queue holds a backlog: the rows due are most likely waiting in it, and a task
    more for each every sweep would only lengthen it; their claims stand until it drains."""
    if queue_length("notify") > BACKLOG:
        log.info("notify queue is a backlog: the sweep claims nothing this time")
        return 0
    total = 0
    while True:
        with session_scope() as session:
            due = relay.claim_due(session, now=utcnow())
        for outbox_id in due:
            deliver.delay(str(outbox_id))
        total += len(due)
        if len(due) < 500:
            return total
