"""The demo's history: planned from a seed, lived through the real services.

The plan is pure (no database). The history itself is played into two fresh databases
with the same seed: they must come out the same, every state a report can be in must be
there, the timeline must agree with each report's state, the figures with the rows, and
the audit trail must verify."""

import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlmodel import Session

import service.receivers  # noqa: F401  the history's lines are audited and notified
from service.audit.verify import verify
from service.core.migrate import upgrade
from service.core.settings import LOCAL_TZ
from service.demo import history
from service.demo.seed import seed_demo
from service.ioc import repository as ioc
from service.ioc.policies import Scope
from service.media.storage import LocalStorage
from tests.conftest import TEST_DB, drop_database, recreate_database

# A fixed end, so the history does not depend on the day the test runs: Friday 20
# November 2026, 16:00 in Thái Nguyên.
END = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_the_plan_is_the_same_for_the_same_seed_and_looks_like_a_province():
    first = history.plan(seed=11, days=30, per_day=40, end=END, citizens=300)
    again = history.plan(seed=11, days=30, per_day=40, end=END, citizens=300)
    other = history.plan(seed=12, days=30, per_day=40, end=END, citizens=300)
    assert first == again
    assert first != other
    assert 800 < len(first) < 2200
    assert all(a.at < END for a in first) and first == sorted(first, key=lambda a: a.at)
    hours = Counter(a.at.astimezone(LOCAL_TZ).hour for a in first)
    assert hours[8] > 3 * hours[3]  # the morning, not the small hours
    weekdays = Counter(a.at.astimezone(LOCAL_TZ).weekday() for a in first)
    assert weekdays[1] > weekdays[6]  # a Tuesday over a Sunday
    assert len({a.ward for a in first}) > 60
    assert len({a.category for a in first}) == len(history.CATEGORY_WEIGHTS)
    assert sum(a.fate.duplicate for a in first) > 10
    photo = Image.open(io.BytesIO(first[0].photos[0]))
    assert photo.format == "JPEG" and photo.size == (160, 120)


@pytest.fixture(scope="module")
def lived(tmp_path_factory) -> Iterator[list[tuple[str, Session, history.HistoryReport]]]:
    """The same history played into two fresh databases."""
    played = []
    engines = []
    names = [f"{TEST_DB}_history_{copy}" for copy in ("a", "b")]  # one pair per test run and worker
    for copy, name in zip(("a", "b"), names, strict=True):
        url = recreate_database(name)
        upgrade(url)
        engine = create_engine(url)
        engines.append(engine)
        session = Session(engine, expire_on_commit=False)
        seed_demo(session)
        session.commit()
        storage = LocalStorage(tmp_path_factory.mktemp(f"media-{copy}"))
        report = history.generate(
            session=session, storage=storage, seed=5, days=14, per_day=30, end=END, checkpoint=session.commit
        )
        session.commit()
        played.append((url, session, report))
    yield played
    for _, session, _ in played:
        session.close()
    for engine in engines:
        engine.dispose()
    for name in names:
        drop_database(name)


def _rows(session: Session) -> list[tuple]:
    return session.execute(
        text(
            "SELECT c.code, c.status, o.username, c.rating, c.reopened_count, c.resolve_working_minutes, "
            "(SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id) "
            "FROM complaints c LEFT JOIN users o ON o.id = c.current_officer_id ORDER BY c.code"
        )
    ).all()


@pytest.mark.slow
def test_the_same_seed_lives_the_same_history(lived):
    (_, first, report), (_, second, again) = lived
    assert report.reports > 300
    assert _rows(first) == _rows(second)
    assert report.by_status == again.by_status


@pytest.mark.slow
def test_every_state_a_report_can_be_in_is_there(lived):
    _, session, report = lived[0]
    states = report.by_status
    for state in (
        "submitted",
        "assigned",
        "in_progress",
        "awaiting_info",
        "resolved",
        "closed",
        "rejected",
        "duplicate",
    ):
        assert states.get(state, 0) > 0, (state, states)
    counts = dict(session.execute(text("SELECT action, count(*) FROM complaint_events GROUP BY action")).all())
    for action in (
        "routed", "transferred", "returned", "reassigned", "info_provided", "extension_approved",
        "extension_refused", "rated", "reopened", "location_mismatch", "reused_photo", "flags_reviewed",
        "deadline_warning", "overdue",
    ):  # fmt: skip
        assert counts.get(action, 0) > 0, (action, counts)
    closed_by_beat = session.execute(
        text("SELECT count(*) FROM complaint_events WHERE action = 'closed' AND data->>'auto' = 'true'")
    ).scalar()
    assert closed_by_beat > 0
    ratings = session.execute(text("SELECT count(*) FROM complaints WHERE rating IS NOT NULL")).scalar()
    assert ratings > 20
    officers = session.execute(
        text("SELECT count(DISTINCT current_officer_id) FROM complaints WHERE status IN ('resolved', 'closed')")
    ).scalar()
    assert officers > 24


@pytest.mark.slow
def test_each_reports_timeline_agrees_with_its_state_and_its_times(lived):
    _, session, _ = lived[0]
    # The last line that moved a report names the state it is in.
    disagree = session.execute(
        text(
            "SELECT c.code, c.status, last.to_status FROM complaints c CROSS JOIN LATERAL ("
            "  SELECT to_status FROM complaint_events e WHERE e.complaint_id = c.id AND e.to_status IS NOT NULL"
            "  ORDER BY e.at DESC, e.id DESC LIMIT 1) last WHERE last.to_status <> c.status"
        )
    ).all()
    assert disagree == []
    # Lines are in time order, none after the end, the first one at the arrival.
    late = session.execute(text("SELECT count(*) FROM complaint_events WHERE at > :end"), {"end": END}).scalar()
    assert late == 0
    first_lines = session.execute(
        text(
            "SELECT count(*) FROM complaints c JOIN complaint_events e ON e.complaint_id = c.id "
            "AND e.action = 'submitted' WHERE e.at <> c.submitted_at"
        )
    ).scalar()
    assert first_lines == 0
    # Notifications and audit rows carry the time of what they tell of.
    stray = session.execute(
        text("SELECT count(*) FROM notifications WHERE created_at > :end"), {"end": END + timedelta(seconds=1)}
    ).scalar()
    assert stray == 0
    audited = session.execute(
        text(
            "SELECT count(*) FROM audit_events a JOIN complaint_events e ON a.object_type = 'complaint' "
            "AND a.object_id = e.complaint_id::text AND a.action = 'complaint.' || e.action AND a.at = e.at"
        )
    ).scalar()
    lines = session.execute(text("SELECT count(*) FROM complaint_events")).scalar()
    assert audited >= lines


@pytest.mark.slow
def test_the_figures_count_the_history_and_the_audit_trail_verifies(lived):
    url, session, report = lived[0]
    local_end = END.astimezone(LOCAL_TZ)
    figures = ioc.summary(
        session,
        Scope(unit_id=None),
        now=END,
        today=local_end.replace(hour=0, minute=0, second=0, microsecond=0),
        month=local_end.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    )
    assert figures.by_status == report.by_status
    assert sum(figures.by_status.values()) == report.reports
    assert figures.overdue_now > 0
    assert figures.handled_this_month > 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            result = verify(connection)
    finally:
        engine.dispose()
    assert result.ok, result.problems[:3]
    assert result.count > report.steps
