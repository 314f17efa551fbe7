"""Work that must follow a transaction's outcome: run once it has committed (send a task),
or undo once it has rolled back (delete bytes stored for it).

Only the session's own transaction counts: a SAVEPOINT (begin_nested) released or rolled
back inside it changes nothing here.
"""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from service.core.errors import QUEUE_DOWN

log = logging.getLogger(__name__)

# What an action returns is ignored.
Action = Callable[[], object]
_ON_COMMIT = "phananh_on_commit"
_ON_ROLLBACK = "phananh_on_rollback"


def on_commit(session: Session, action: Action) -> None:
    _register(session, _ON_COMMIT, action)


def on_rollback(session: Session, action: Action) -> None:
    _register(session, _ON_ROLLBACK, action)


def _register(session: Session, key: str, action: Action) -> None:
    session.connection()  # the transaction the action belongs to has begun
    session.info.setdefault(key, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
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
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()
