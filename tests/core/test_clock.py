"""One clock per request: a report's arrival, its first timeline lines and the start of
its deadlines are one moment, however loaded the machine is.

The load is real: a busy loop on every core and heavy queries on the test database run
beside the requests, so the time between reading the clock and using it grows from
microseconds to tenths of a second (as on a loaded CI machine)."""

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from service.sla import service as sla
from tests.conftest import DATABASE_URL
from tests.workflow.test_handling_dispatch import events, new_report, row


def _spin(stop: "multiprocessing.synchronize.Event") -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _grind_database(stop: threading.Event) -> None:
    with psycopg.connect(DATABASE_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        while not stop.is_set():
            connection.execute("SELECT count(DISTINCT md5(i::text)) FROM generate_series(1, 200000) i")


@pytest.fixture
def loaded_machine() -> Iterator[None]:
    stop_cpu = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=_spin, args=(stop_cpu,), daemon=True) for _ in range(os.cpu_count() or 2)]
    stop_db = threading.Event()
    grinders = [threading.Thread(target=_grind_database, args=(stop_db,), daemon=True) for _ in range(2)]
    for worker in [*hogs, *grinders]:
        worker.start()
    time.sleep(0.5)  # the hogs have the cores before the first request
    try:
        yield
    finally:
        stop_cpu.set()
        stop_db.set()
        for hog in hogs:
            hog.join(timeout=5)
            if hog.is_alive():
                hog.kill()
        for grinder in grinders:
            grinder.join(timeout=10)


def test_a_reports_deadlines_and_first_lines_start_at_its_arrival_under_load(client, db, loaded_machine):
    started = time.monotonic()
    checked = 0
    while checked < 6 or time.monotonic() - started < 3:
        report = new_report(client)
        complaint = row(db, report)
        assert complaint.status == "assigned", complaint.dispatch_reason
        arrived = complaint.submitted_at
        cal = sla.calendar(session=db)
        ack, resolve = sla.allowed(session=db, category_id=complaint.category_id, priority=complaint.priority)
        assert complaint.ack_due_at == cal.add(arrived, ack)
        assert complaint.resolve_due_at == cal.add(arrived, resolve)
        lines = {line.action: line.at for line in events(db, report)}
        assert lines["submitted"] == arrived
        assert lines["assigned"] == arrived
        checked += 1
