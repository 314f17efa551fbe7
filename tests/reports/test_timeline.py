"""What a recorded timeline line sets off: the receivers listed in service/receivers.py,
each called exactly once per line; the after-commit ones only for a line that committed,
and nothing written in the transaction survives a rollback."""

from collections.abc import Iterator

import pytest
from sqlmodel import func, select

import service.receivers  # noqa: F401  connects what the test lists
from service.audit.models import AuditEvent
from service.core.signals import NoReceivers, Signal
from service.core.timeutil import utcnow
from service.notifications.models import Notification
from service.reports import timeline
from service.reports.models import Complaint, ComplaintEvent
from tests.workflow.test_handling_dispatch import new_report, row


def test_the_receivers_are_the_listed_ones_in_order():
    assert timeline.line_recorded.receivers() == {
        "in_transaction": ["service.receivers.audit_line", "service.notifications.outbox.on_line"],
        "after_commit": ["service.notifications.live.publish_after_commit"],
    }


def test_a_signal_nobody_listens_to_refuses_to_be_sent(db):
    with pytest.raises(NoReceivers):
        Signal("nobody").send(db, object())


@pytest.fixture
def probes() -> Iterator[dict[str, list]]:
    calls: dict[str, list] = {"in_transaction": [], "prepared": [], "after_commit": []}

    def in_transaction(session, complaint: Complaint, line: ComplaintEvent) -> None:
        calls["in_transaction"].append(line.action)

    def after_commit(complaint: Complaint, line: ComplaintEvent):
        calls["prepared"].append(line.action)
        action = line.action
        return lambda: calls["after_commit"].append(action)

    timeline.line_recorded.connect(in_transaction)
    timeline.line_recorded.connect_after_commit(after_commit)
    try:
        yield calls
    finally:
        timeline.line_recorded.disconnect(in_transaction)
        timeline.line_recorded.disconnect(after_commit)


def _audited(db, complaint: Complaint, action: str) -> int:
    return db.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.object_id == str(complaint.id), AuditEvent.action == f"complaint.{action}")
    ).one()


def _notified(db, complaint: Complaint, event: str) -> int:
    return db.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.complaint_id == complaint.id, Notification.event == event)
    ).one()


def test_each_receiver_runs_once_per_committed_line_and_never_after_a_rollback(client, db, probes):
    complaint = row(db, new_report(client))
    probes["in_transaction"].clear(), probes["prepared"].clear(), probes["after_commit"].clear()

    # A committed line: every receiver once, the after-commit one once it has committed.
    timeline.record(db, complaint, "info_requested", at=utcnow(), note="Ở đâu?")
    assert probes["in_transaction"] == ["info_requested"]
    assert probes["prepared"] == ["info_requested"]
    assert probes["after_commit"] == []
    db.commit()
    assert probes["after_commit"] == ["info_requested"]
    assert _audited(db, complaint, "info_requested") == 1
    assert _notified(db, complaint, "info_requested") == 1  # the citizen is asked

    # A rolled-back line: the in-transaction receivers ran, and what they wrote is gone;
    # the after-commit receiver never runs.
    timeline.record(db, complaint, "reopened", at=utcnow(), note="Chưa sửa")
    assert probes["in_transaction"] == ["info_requested", "reopened"]
    db.rollback()
    db.commit()
    assert probes["after_commit"] == ["info_requested"]
    assert _audited(db, complaint, "reopened") == 0
    assert db.exec(select(func.count()).select_from(ComplaintEvent).where(ComplaintEvent.action == "reopened",
                   ComplaintEvent.complaint_id == complaint.id)).one() == 0  # fmt: skip
