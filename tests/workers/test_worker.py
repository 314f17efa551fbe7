"""A real Celery worker and beat, on real Redis, run the tasks the API sends by name."""

import os
import subprocess
import sys
import time

import pytest

from service.core.redis import get_redis
from service.core.tasks import TaskName, send_now
from workers.system import HEARTBEAT_KEY


@pytest.fixture
def worker_process(database, tmp_path):
    env = {**os.environ, "PHANANH_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker", "--concurrency", "1", "--queues", "default"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def _wait_for(key: str, seconds: float = 30) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := get_redis().get(key)) is not None:
            return value
        time.sleep(0.2)
    return None


def test_a_task_sent_by_name_runs_on_a_real_worker(worker_process):
    send_now(TaskName.HEARTBEAT)
    value = _wait_for(HEARTBEAT_KEY)
    if value is None:
        worker_process.terminate()
        pytest.fail("the worker never ran the task:\n" + worker_process.communicate(timeout=30)[0])
    assert value.endswith("+00:00")


def test_tasks_sent_inside_a_transaction_wait_for_the_commit(db, worker_process):
    from service.core.tasks import send_after_commit

    send_after_commit(db, TaskName.HEARTBEAT)
    time.sleep(2)
    assert get_redis().get(HEARTBEAT_KEY) is None, "sent before the commit"
    db.commit()
    assert _wait_for(HEARTBEAT_KEY) is not None


def test_a_rolled_back_transaction_sends_nothing(db, worker_process):
    from service.core.tasks import send_after_commit

    send_after_commit(db, TaskName.HEARTBEAT)
    db.rollback()
    db.commit()
    assert _wait_for(HEARTBEAT_KEY, seconds=4) is None
