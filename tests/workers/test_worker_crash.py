"""A worker killed in the middle of a photo does not lose it: the task was not
acknowledged (acks_late), so Redis hands it to the next worker."""

import os
import signal
import time
import uuid

from sqlmodel import Session, select

from service.core.database import get_engine
from service.reports.models import Photo, PhotoStatus
from tests.conftest import DATA_DIR, PHOTOS, register_citizen, start_worker, stop_worker
from tests.media.test_photo_pipeline import submit


def _photo(complaint_id: str) -> Photo:
    with Session(get_engine()) as session:
        return session.exec(select(Photo).where(Photo.complaint_id == uuid.UUID(complaint_id))).one()


def test_a_task_survives_its_worker_being_killed(live_server, monkeypatch):
    marker = os.path.join(DATA_DIR, f"slow-worker-{uuid.uuid4().hex}")
    monkeypatch.setenv("SLOW_WORKER_MARKER", marker)
    headers = register_citizen(live_server)
    doomed = start_worker(module="tests.support.slow_media_worker")
    report = submit(live_server, headers, [("a.jpg", (PHOTOS / "gps" / "DSCN0038.jpg").read_bytes())])
    deadline = time.monotonic() + 60
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert os.path.exists(marker), "the slow worker never started the photo:\n" + stop_worker(doomed)
    # kill -9 the whole worker (main process and its pool child), mid-task.
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    assert _photo(report["id"]).status == PhotoStatus.pending

    rescuer = start_worker()
    try:
        deadline = time.monotonic() + 90
        while _photo(report["id"]).status == PhotoStatus.pending and time.monotonic() < deadline:
            time.sleep(0.5)
        photo = _photo(report["id"])
    finally:
        output = stop_worker(rescuer)
    assert photo.status == PhotoStatus.ready, output[-5000:]
    assert photo.large_key is not None
