"""Scheduled handling steps: what happens to a report when nobody acts."""

import uuid
from datetime import datetime

from sqlalchemy.exc import OperationalError

from service.core.database import session_scope
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.sla import escalation
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
            closed = close_batch(session=session, now=utcnow())
        total += closed
        if closed == 0:
            return total


@celery_app.task(name=TaskName.SCAN_DEADLINES)
def scan_deadlines() -> int:
    """Beat, every minute: one ``escalate`` task per report and level now due. The scan
    only reads; the tasks decide, so a second beat or a retried scan fires nothing twice."""
    with session_scope() as session:
        due = escalation.scan(session=session, now=utcnow())
    for item in due:
        escalate.delay(str(item.complaint_id), item.clock, int(item.level), item.due_at.isoformat())
    return len(due)


@celery_app.task(name=TaskName.ESCALATE, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def escalate(complaint_id: str, clock: str, level: int, due_at: str) -> bool:
    with session_scope() as session:
        return escalation.fire(
            session=session,
            due=escalation.Due(uuid.UUID(complaint_id), clock, escalation.Level(level), datetime.fromisoformat(due_at)),
            now=utcnow(),
        )
