"""Queue ``media``: the photo pipeline."""

import base64
import json
import logging
import uuid
from datetime import timedelta

from celery import Task

from service.core.database import session_scope
from service.core.errors import DATABASE_DOWN
from service.core.settings import get_settings
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.media import service
from service.media.storage import get_storage
from workers.app import broker_client, celery_app, queue_keys, queue_length

log = logging.getLogger(__name__)

MAX_RETRIES = 3
# PostgreSQL away (a restart, a failover) is retried longer, backoff capped at 10 s:
# 1+2+4+8+10+10 s covers a 35 s outage. Past that the photo stays pending, not failed
# (nothing is wrong with it), and the resend sweep sends it again once the database is back.
DATABASE_RETRIES = 6
BACKOFF_CAP_SECONDS = 10
# Longer than this, the media queue is a backlog the pending photos are waiting in:
# reading it all would cost more than a scan should, and every resend would only add to it.
QUEUE_READ_LIMIT = 10_000


@celery_app.task(name=TaskName.PROCESS_PHOTO, bind=True, max_retries=DATABASE_RETRIES)
def process_photo(self: Task, photo_id: str) -> str | None:
    """Acknowledged only when done (acks_late in workers/app.py): a worker killed
    mid-photo leaves the message to be delivered again. Safe to run twice, even at the
    same time: the second run waits on the photo's row lock, then finds it no longer pending."""
    attempt = self.request.retries + 1
    try:
        with session_scope() as session:
            result = service.process_photo(
                session=session, storage=get_storage(), photo_id=uuid.UUID(photo_id), now=utcnow(), attempt=attempt
            )
        return result.value if result else None
    except DATABASE_DOWN as exc:
        if self.request.retries >= DATABASE_RETRIES:
            log.warning("photo %s left pending for the resend sweep: the database is away (%s)", photo_id, exc)
            return None
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, BACKOFF_CAP_SECONDS)) from exc
    except Exception as exc:
        # Storage trouble usually passes; a bug does not, but either way the photo must
        # end up failed with a reason rather than pending forever.
        if self.request.retries >= MAX_RETRIES:
            with session_scope() as session:
                service.give_up(
                    session=session,
                    photo_id=uuid.UUID(photo_id),
                    reason=f"gave up after {attempt} attempts: {type(exc).__name__}: {exc}",
                    now=utcnow(),
                )
            return "failed"
        # Backoff 1, 2, 4 s: long enough for a storage hiccup.
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


def queued_photo_ids() -> set[str] | None:
    """The photos whose task waits in the media queue now; ``None`` when the queue is a
    backlog too long to read. Reads kombu's Redis layout: one list per queue (and one per
    priority step), each entry a JSON message whose base64 body is ``[args, kwargs, embed]``."""
    if queue_length("media") > QUEUE_READ_LIMIT:
        return None
    with broker_client() as client:
        found: set[str] = set()
        for key in queue_keys("media"):
            for raw in client.lrange(key, 0, -1):
                try:
                    message = json.loads(raw)
                    if message["headers"].get("task") != TaskName.PROCESS_PHOTO:
                        continue
                    args = json.loads(base64.b64decode(message["body"]))[0]
                    found.add(str(args[0]))
                except (ValueError, KeyError, IndexError, TypeError):
                    continue  # not a message of ours: nothing to learn from it
        return found


@celery_app.task(name=TaskName.RESEND_STRANDED_PHOTOS)
def resend_stranded_photos() -> int:
    """Beat: photos left pending past ``PHOTO_RESEND_AFTER_SECONDS`` whose task is not
    waiting in the media queue get it again — their task was lost (Redis was down at
    commit, its worker was killed, its retries ran out while PostgreSQL was away).

    A photo whose task is merely queued is not resent, so a backlog does not grow by a
    copy of itself every scan. One that is running right now may be: its copy waits on
    the photo's lock and finds it done.
    """
    older_than = utcnow() - timedelta(seconds=get_settings().photo_resend_after_seconds)
    with session_scope() as session:
        stranded = service.stranded(session=session, older_than=older_than)
    if not stranded:
        return 0
    queued = queued_photo_ids()
    if queued is None:
        log.info("media queue is a backlog: %d pending photos wait in it, none resent", len(stranded))
        return 0
    resent = [photo_id for photo_id in stranded if str(photo_id) not in queued]
    for photo_id in resent:
        process_photo.delay(str(photo_id))
    if resent:
        log.info("resent %d stranded photos", len(resent))
    return len(resent)
