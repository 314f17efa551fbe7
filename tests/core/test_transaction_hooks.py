"""What follows a transaction: actions after its commit, undo after its rollback — and
nothing undone when the COMMIT was sent and its answer lost (PostgreSQL went away at that
moment), since the change may have taken effect. Real PostgreSQL; the lost answer is a
real one too: the server process of the session's connection is terminated just before
the driver sends COMMIT."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session

from service.core.database import transaction
from service.core.errors import DATABASE_DOWN
from service.core.transaction_hooks import on_commit, on_rollback


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    engine = create_engine(database, pool_pre_ping=True)
    yield engine
    engine.dispose()


@contextmanager
def _transaction(engine: Engine, happened: list[str]) -> Iterator[Session]:
    with Session(engine) as session, transaction(session):
        session.execute(text("SELECT 1"))
        on_commit(session, lambda: happened.append("after commit"))
        on_rollback(session, lambda: happened.append("undone"))
        yield session


def test_a_commit_runs_what_follows_it_and_undoes_nothing(engine) -> None:
    happened: list[str] = []
    with _transaction(engine, happened):
        pass
    assert happened == ["after commit"]


def test_a_rollback_undoes_and_runs_nothing_after(engine) -> None:
    happened: list[str] = []
    with pytest.raises(ValueError), _transaction(engine, happened):
        raise ValueError("refused")
    assert happened == ["undone"]


def test_a_commit_whose_answer_is_lost_undoes_nothing(engine, caplog) -> None:
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    happened: list[str] = []

    def kill_before_commit(connection) -> None:
        # The session's server process goes, as in a PostgreSQL restart, right before COMMIT.
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while other.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.05)

    event.listen(engine, "commit", kill_before_commit)
    try:
        with pytest.raises(DATABASE_DOWN), _transaction(engine, happened):
            pass
    finally:
        event.remove(engine, "commit", kill_before_commit)
        admin.dispose()
    assert happened == []  # neither: the outcome is unknown
    assert "COMMIT went unanswered" in caplog.text
    # The next transaction on the same engine is an ordinary one again.
    after: list[str] = []
    with _transaction(engine, after):
        pass
    assert after == ["after commit"]
