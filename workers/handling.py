"""Scheduled handling steps: what happens to a report when nobody acts."""

from service.core.database import session_scope
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.workflow.service import close_unrated as close_batch
from workers.app import celery_app


@celery_app.task(name=TaskName.CLOSE_UNRATED)
def close_unrated() -> int:
    """Close resolved reports the citizen left unrated past the configured days, a batch
    per transaction until none is left. Safe to run twice at once: rows are locked and
    skipped by the other run."""
    total = 0
    while True:
        with session_scope() as session:
            closed = close_batch(session, now=utcnow())
        total += closed
        if closed == 0:
            return total
