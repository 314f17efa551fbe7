"""Escalation at 80, 100 and 150 % of a deadline: once per level, with a real beat and a
real worker on Redis."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta

import httpx2 as httpx
from sqlalchemy import create_engine
from sqlmodel import Session, col, func, select

from service.core.timeutil import utcnow
from service.reports.models import Complaint, ComplaintEvent
from service.sla import escalation
from service.sla.models import Escalation
from service.sla.service import calendar
from tests.conftest import register_citizen, start_worker, stop_worker
from tests.routing.test_routing import send
from tests.workflow.test_handling_dispatch import new_report, row

BACH_QUANG = (21.5063, 105.868)


def _place_deadline(session: Session, complaint: Complaint, *, elapsed: float) -> None:
    """Make ``elapsed`` (0.9 = 90 %) of the report's acknowledgement time gone, now."""
    cal = calendar(session=session)
    allowed = timedelta(minutes=complaint.ack_minutes or 0)
    now = utcnow()
    if elapsed <= 1:
        due = cal.add(now, allowed * (1 - elapsed))
    else:
        # Late: find the deadline that many working minutes ago by walking back in days.
        late = allowed * (elapsed - 1)
        due = now
        while cal.between(due, now) < late:
            due -= timedelta(hours=1)
    complaint.ack_due_at = complaint.due_at = due
    session.add(complaint)


def test_each_level_fires_when_reached_and_only_once(client, db):
    report = new_report(client)
    complaint = row(db, report)
    assert complaint.ack_minutes == 8 * 60  # the default: 8 working hours to acknowledge

    _place_deadline(db, complaint, elapsed=0.9)
    db.flush()
    due = [d for d in escalation.scan(session=db, now=utcnow()) if d.complaint_id == complaint.id]
    assert [d.level for d in due] == [escalation.Level.warning]
    assert escalation.fire(session=db, due=due[0], now=utcnow()) is True
    assert escalation.fire(session=db, due=due[0], now=utcnow()) is False  # a retry, a second beat
    assert [d for d in escalation.scan(session=db, now=utcnow()) if d.complaint_id == complaint.id] == []

    _place_deadline(db, complaint, elapsed=1.6)
    db.flush()
    later = [d for d in escalation.scan(session=db, now=utcnow()) if d.complaint_id == complaint.id]
    # A new deadline: every level reached fires for it, the warning included.
    assert sorted(d.level for d in later) == [80, 100, 150]
    for item in later:
        assert escalation.fire(session=db, due=item, now=utcnow()) is True
    lines = [e for e in db.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id))]
    actions = [e.action for e in lines if e.action in escalation.ACTIONS.values()]
    assert sorted(actions) == sorted(["deadline_warning", "deadline_warning", "overdue", "escalated"])
    escalated = next(e for e in lines if e.action == "escalated")
    assert escalated.data["notify"] == ["dispatcher"] and escalated.public is False


def test_a_paused_or_finished_report_does_not_escalate(client, db):
    report = new_report(client)
    complaint = row(db, report)
    _place_deadline(db, complaint, elapsed=2)
    complaint.status = "awaiting_info"
    db.add(complaint)
    db.flush()
    assert [d for d in escalation.scan(session=db, now=utcnow()) if d.complaint_id == complaint.id] == []


def test_beat_and_worker_fire_each_level_exactly_once(live_server):
    """The real thing: beat scans every second, the worker runs the tasks on Redis, on
    reports committed through the live server."""
    from tests.conftest import DATABASE_URL

    citizen = register_citizen(live_server)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        sent = [
            uuid.UUID(send(http, citizen, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])["id"])
            for _ in range(2)
        ]
    engine = create_engine(DATABASE_URL)
    with Session(engine) as session:
        for complaint_id, elapsed in zip(sent, (0.9, 1.6), strict=True):
            _place_deadline(session, session.get(Complaint, complaint_id), elapsed=elapsed)
        session.commit()
    warned_id, late_id = sent

    worker = start_worker()
    beat = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "beat", "--loglevel", "INFO"],
        env={**os.environ, "ESCALATION_SCAN_SECONDS": "1", "PHANANH_DATA_DIR": tempfile.mkdtemp(prefix="beat-")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if (_fired(session, warned_id), _fired(session, late_id)) == (1, 3):
                    break
            time.sleep(0.5)
        time.sleep(4)  # several more scans: nothing fires again
        with Session(engine) as session:
            assert (_fired(session, warned_id), _fired(session, late_id)) == (1, 3)
            assert _lines(session, warned_id) == ["deadline_warning"]
            assert _lines(session, late_id) == ["deadline_warning", "escalated", "overdue"]
    finally:
        beat.terminate()
        beat_output = beat.communicate(timeout=30)[0]
        worker_output = stop_worker(worker)
        print("---- beat ----\n" + beat_output[-5000:] + "\n---- worker ----\n" + worker_output[-10000:])
        engine.dispose()


def _fired(session: Session, complaint_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count()).select_from(Escalation).where(Escalation.complaint_id == complaint_id)
    ).one()


def _lines(session: Session, complaint_id: uuid.UUID) -> list[str]:
    actions = session.exec(
        select(ComplaintEvent.action).where(
            ComplaintEvent.complaint_id == complaint_id,
            col(ComplaintEvent.action).in_(list(escalation.ACTIONS.values())),
        )
    ).all()
    return sorted(actions)
