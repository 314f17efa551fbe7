"""Queue ``media``: the photo pipeline."""

import uuid
from datetime import timedelta

from celery import Task

from service.core.database import session_scope
from service.core.settings import get_settings
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.media import service
from service.media.storage import get_storage
from workers.app import celery_app

MAX_RETRIES = 3


@celery_app.task(name=TaskName.PROCESS_PHOTO, bind=True, max_retries=MAX_RETRIES)
def process_photo(self: Task, photo_id: str) -> str | None:
    """Acknowledged only when done (acks_late in workers/app.py): a worker killed
    mid-photo leaves the message to be delivered again, and the pipeline is idempotent."""
    attempt = self.request.retries + 1
    try:
        with session_scope() as session:
            result = service.process_photo(
                session=session, storage=get_storage(), photo_id=uuid.UUID(photo_id), now=utcnow(), attempt=attempt
            )
        return result.value if result else None
    except Exception as exc:
        # Storage or database trouble usually passes; a bug does not, but either way the
        # photo must end up failed with a reason rather than pending forever.
        if self.request.retries >= MAX_RETRIES:
            with session_scope() as session:
                service.give_up(
                    session=session,
                    photo_id=uuid.UUID(photo_id),
                    reason=f"gave up after {attempt} attempts: {type(exc).__name__}: {exc}",
                    now=utcnow(),
                )
            return "failed"
        # Backoff 1, 2, 4 s: long enough for a database failover or a storage hiccup.
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@celery_app.task(name=TaskName.RESEND_STRANDED_PHOTOS)
def resend_stranded_photos() -> int:
    """Beat: photos left pending past ``PHOTO_RESEND_AFTER_SECONDS`` get their task again."""
    older_than = utcnow() - timedelta(seconds=get_settings().photo_resend_after_seconds)
    with session_scope() as session:
        stranded = service.stranded(session=session, older_than=older_than)
    for photo_id in stranded:
        process_photo.delay(str(photo_id))
    return len(stranded)
