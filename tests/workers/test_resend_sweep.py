"""The photo resend sweep sends a task again only for a photo that lost it: a photo whose
task still waits in the media queue is left alone, so a backlog does not grow by a copy of
itself every scan. Real Redis and PostgreSQL; no worker runs, so the queue holds still."""

import base64
import json
import uuid

from sqlalchemy import text

from service.core.database import get_engine
from service.core.tasks import TaskName
from tests.conftest import PHOTOS, register_citizen
from tests.media.test_photo_pipeline import submit
from workers.app import broker_client, celery_app, queue_keys
from workers.media import resend_stranded_photos


def _tasks_for(photo_id: str) -> int:
    """How many process_photo messages for this photo wait in the media queue."""
    count = 0
    with broker_client() as client:
        for key in queue_keys("media"):
            for raw in client.lrange(key, 0, -1):
                message = json.loads(raw)
                if message["headers"]["task"] == TaskName.PROCESS_PHOTO:
                    count += json.loads(base64.b64decode(message["body"]))[0] == [photo_id]
    return count


def test_a_queued_photo_is_not_resent_and_a_lost_one_is_once(live_server):
    celery_app.control.purge()
    headers = register_citizen(live_server)
    report = submit(live_server, headers, [("a.jpg", (PHOTOS / "gps" / "DSCN0021.jpg").read_bytes())])
    photo_id = report["photos"][0]["id"]
    # Long past the resend age: as if the queue had been slow for minutes.
    with get_engine().begin() as connection:
        connection.execute(
            text("UPDATE photos SET created_at = created_at - interval '10 minutes' WHERE id = :id"),
            {"id": uuid.UUID(photo_id)},
        )
    assert _tasks_for(photo_id) == 1  # sent after the commit; no worker took it

    resend_stranded_photos()
    resend_stranded_photos()
    assert _tasks_for(photo_id) == 1, "a photo waiting in the queue was sent again"

    # The message is lost (Redis restarted empty): the next scan sends it again, once.
    with broker_client() as client:
        client.delete(*queue_keys("media"))
    resend_stranded_photos()
    assert _tasks_for(photo_id) == 1
    celery_app.control.purge()
