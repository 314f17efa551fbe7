"""The engine and the one owner of sessions and commits.

Requests get a session from :func:`get_session`, which commits when the handler
returns and rolls back when it raises; services and repositories never commit.
Scripts and workers use :func:`session_scope`, which follows the same rule.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from service.core.errors import DATABASE_DOWN, PhanAnhError
from service.core.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,
        # Every connection talks UTC; conversion to Asia/Ho_Chi_Minh happens at the edge.
        # connect_timeout: with PostgreSQL unreachable (not just refusing) a request waits
        # this long at most before its 503, instead of the kernel's minutes.
        # jit=off: the IOC's figures over a million reports are estimated dear enough for
        # PostgreSQL to compile them to machine code first, which took ~1 s of a 0.2 s query
        # (bench/ioc.py); the service's queries are short and many, never worth compiling.
        connect_args={"options": "-c timezone=UTC -c jit=off", "connect_timeout": 5},
    )


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit when the block succeeds; roll back when it raises, except for errors that
    are themselves an outcome to record (``PhanAnhError.keeps_changes``)."""
    try:
        yield session
        session.commit()
    except PhanAnhError as error:
        if error.keeps_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        _roll_back(session)
        raise


def _roll_back(session: Session) -> None:
    # With PostgreSQL gone (the usual reason a commit fails) the rollback may fail too.
    # The error the caller hears is the first one (a 503, not a second traceback); the
    # session is closed so its connection is thrown away rather than reused.
    try:
        session.rollback()
    except DATABASE_DOWN as error:
        log.warning("rollback failed, the connection is gone: %s", str(error).splitlines()[0][:200])
        session.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session, transaction(session):
        yield session


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# scope="function": the commit happens when the handler returns, before the response is
# sent. With FastAPI's default ("request") it would run after the client already heard
# "201 Created", which could then be a lie, and a quick follow-up read could miss it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
