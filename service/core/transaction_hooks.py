"""Work that must follow a transaction's outcome: run once it has committed (send a task),
or undo once it has rolled back (delete bytes stored for it).

Only the session's own transaction counts: a SAVEPOINT (begin_nested) released or rolled
back inside it changes nothing here.

One outcome is unknown: the COMMIT was sent and its answer lost (PostgreSQL restarted in
between). The change may have taken effect, so the undo actions are dropped: a photo file
nobody refers to costs disk, a report whose photo was deleted has lost its evidence.
"""

import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from service.core.errors import QUEUE_DOWN

log = logging.getLogger(__name__)

# What an action returns is ignored.
Action = Callable[[], object]
_ON_COMMIT = "phananh_on_commit"
_ON_ROLLBACK = "phananh_on_rollback"
_COMMIT_SENT = "phananh_commit_sent"
# Which session's transaction a connection is running, so that the engine's commit event
# (which knows only the connection) can mark that session's COMMIT as sent.
_SESSION_INFO = "phananh_session_info"


def on_commit(session: Session, action: Action) -> None:
    _register(session, _ON_COMMIT, action)


def on_rollback(session: Session, action: Action) -> None:
    _register(session, _ON_ROLLBACK, action)


def _register(session: Session, key: str, action: Action) -> None:
    session.connection()  # the transaction the action belongs to has begun
    session.info.setdefault(key, []).append(action)


@event.listens_for(Session, "after_begin")
def _began(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    connection.info[_SESSION_INFO] = session.info
    session.info.pop(_COMMIT_SENT, None)


@event.listens_for(Engine, "commit")
def _commit_sent(connection: Connection) -> None:
    # Called just before the driver sends COMMIT: from here on a failure leaves the outcome unknown.
    session_info = connection.info.get(_SESSION_INFO)
    if session_info is not None:
        session_info[_COMMIT_SENT] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    session.info.pop(_COMMIT_SENT, None)
    # The transaction has committed: nothing here may turn it into an error for the
    # caller (a 500 for a change that took effect), nor stop the actions after it. What
    # an action fails to do (Redis down) is picked up by the sweeps that look for it.
    for action in session.info.pop(_ON_COMMIT, []):
        try:
            action()
        except QUEUE_DOWN as error:
            # Redis away: expected for as long as the outage lasts, one line each, no traceback.
            log.warning("an action after commit failed, Redis is away (the change is committed): %s", error)
        except Exception:
            log.exception("an action after commit failed; the change itself is committed")


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(_ON_COMMIT, None)
    undo = session.info.pop(_ON_ROLLBACK, [])
    if session.info.pop(_COMMIT_SENT, False):
        if undo:
            log.warning(
                "a COMMIT went unanswered; %d undo action(s) dropped, its change may have taken effect", len(undo)
            )
        return
    for action in undo:
        action()
