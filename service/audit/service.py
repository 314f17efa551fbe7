"""Recording audit events in the transaction of the change, and chaining them at commit.

:func:`record` only buffers the event on the session. When the session's own
transaction commits, :func:`_write_chain` takes the chain lock (a transaction-level
advisory lock), reads the last hash, links the buffered events in order and inserts
them; the lock goes with the COMMIT. So the lock is held for the inserts and the commit,
not for the whole request, and a request that rolls back writes nothing.

The buffer follows the session's transactions the way transaction_hooks does: only the
session's own transaction counts (a test's savepoint-joined session included), and an
event recorded inside a SAVEPOINT that is rolled back goes with it.

Chain order is id order only because every writer reads the tail under the lock in READ
COMMITTED; a REPEATABLE READ transaction would chain from its stale snapshot (and then
fail on ``uq_audit_events_prev_hash`` rather than fork the chain).
"""

import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, SQLModel

from service.audit import chain, repository
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventRead, AuditPage
from service.core import request_context
from service.core.request_context import Caller
from service.core.timeutil import utcnow
from service.identity.models import User

# pg_advisory_xact_lock key of the chain ("PAAUDIT!").
CHAIN_LOCK = 0x5041_4155_4449_5421
SYSTEM = Caller(id=None, role="system")
ANONYMOUS = "anonymous"
# Never copied into the trail; a change to them shows as this marker.
REDACTED_FIELDS = frozenset({"password_hash", "token_hash", "request_hash"})
REDACTED = "[redacted]"
# Bookkeeping every row has; the trail's own ``at`` says when.
_SKIPPED_FIELDS = frozenset({"created_at", "updated_at"})

_PENDING = "phananh_audit_pending"
_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]

Actor = User | Caller | None


def caller() -> Caller | None:
    """Who is acting in the current context: the logged-in caller of this request, None
    for a request nobody is logged in to, the system outside requests (workers, CLI)."""
    context = request_context.current()
    if context is None:
        return SYSTEM
    return context.caller


def _jsonable(value: Any) -> Any:
    """What JSONB can hold and give back unchanged (no NUL, no NaN)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, float):
        return chain.plain(value) if math.isfinite(value) else None
    if isinstance(value, datetime):
        return chain.utc_iso(value)
    if isinstance(value, date | uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def _text(value: Any, length: int) -> str | None:
    return None if value is None else str(value).replace("\x00", "")[:length]


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an event to the session's transaction; it is written if and when that commits.

    ``actor`` is a user, a :class:`Caller` (:func:`caller`, :data:`SYSTEM`), or None for
    someone who could not be identified (a failed login, the holder of a photo link).
    """
    context = request_context.current()
    if isinstance(actor, User):
        actor_id, actor_role = actor.id, str(actor.role)
    elif isinstance(actor, Caller):
        actor_id, actor_role = actor.id, actor.role
    else:
        actor_id, actor_role = None, ANONYMOUS
    values = {
        "at": at or utcnow(),
        "actor_id": actor_id,
        "actor_role": _text(actor_role, 20),
        "action": _text(action, 60),
        "object_type": _text(object_type, 40),
        "object_id": _text(object_id, 100),
        "before": _jsonable(before),
        "after": _jsonable(after),
        "request_id": context.request_id if context else None,
        "client_address": _text(context.client_address, 64) if context else None,
    }
    session.connection()  # the transaction the event belongs to has begun
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, values))


def snapshot(*, obj: SQLModel, fields: list[str] | None = None) -> dict[str, Any]:
    """A row's column values as the trail keeps them (secrets redacted)."""
    mapper = inspect(obj).mapper
    names = fields if fields is not None else [c.key for c in mapper.column_attrs if c.key not in _SKIPPED_FIELDS]
    return {name: REDACTED if name in REDACTED_FIELDS else _jsonable(getattr(obj, name, None)) for name in names}


def _object_type(action: str) -> str:
    return action.split(".", 1)[0]


def _object_id(obj: SQLModel) -> Any:
    identity = inspect(obj).identity
    return identity[0] if identity and len(identity) == 1 else (",".join(map(str, identity)) if identity else None)


def created(*, session: Session, obj: SQLModel, action: str, extra: dict[str, Any] | None = None) -> None:
    """``<type>.created`` by the caller, with the new row (call after the flush that gave it an id)."""
    record(
        session=session,
        actor=caller(),
        action=action,
        object_type=_object_type(action),
        object_id=_object_id(obj),
        after=snapshot(obj=obj) | (extra or {}),
    )


def updated(*, session: Session, obj: SQLModel, action: str, extra: dict[str, Any] | None = None) -> None:
    """``<type>.updated`` by the caller with the columns that changed, old and new. Call it
    after the attributes are set and before the flush: it reads the pending changes.
    ``extra`` adds what is not a column of the row (a unit's ward codes)."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history
        if not history.has_changes() or attribute.key in _SKIPPED_FIELDS:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        redacted = attribute.key in REDACTED_FIELDS
        before[attribute.key] = REDACTED if redacted else _jsonable(old)
        after[attribute.key] = REDACTED if redacted else _jsonable(new)
    after |= extra or {}
    if not after:
        return  # nothing was edited
    record(
        session=session,
        actor=caller(),
        action=action,
        object_type=_object_type(action),
        object_id=_object_id(obj),
        before=before,
        after=after,
    )


def deleted(*, session: Session, obj: SQLModel, action: str) -> None:
    """``<type>.deleted`` by the caller, with the row as it was (call before deleting it)."""
    record(
        session=session,
        actor=caller(),
        action=action,
        object_type=_object_type(action),
        object_id=_object_id(obj),
        before=snapshot(obj=obj),
    )


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _discard(session: Session, ended: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [entry for entry in pending if not _within(entry[0], ended)]


@event.listens_for(Session, "before_commit")
def _write_chain(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: its events wait for the session's own commit
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # The request's own changes go first, so the chain lock covers only what follows.
    session.flush()
    # The chain writer keeps its own statements rather than calling repository.py: the
    # lock, the read of the tail, the ids drawn and the insert are one mechanism bound to
    # this COMMIT, correct only together, on this connection, in this order (the lock is
    # released by the COMMIT that follows). Spread over two modules, nothing would show
    # that the read is safe only under the lock taken three lines above it.
    connection = session.connection()
    connection.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
    previous = connection.execute(select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)).scalar()
    ids = sorted(
        connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) FROM generate_series(1, :n)"),
            {"n": len(pending)},
        ).scalars()
    )
    rows = []
    previous = previous or chain.GENESIS
    for event_id, (_, values) in zip(ids, pending, strict=True):
        row = {**values, "id": event_id, "prev_hash": previous}
        row["hash"] = previous = chain.link(row)
        rows.append(row)
    connection.execute(insert(_TABLE), rows)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    _discard(session, previous_transaction)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # The session's own transaction is over (committed: already written; rolled back or
    # closed: void). A released SAVEPOINT's events stay for its parent.
    if transaction.parent is None:
        _discard(session, transaction)


def page_of(
    *,
    session: Session,
    events: Sequence[AuditEvent],
    limit: int,
) -> AuditPage:
    """A page of the trail, each event with its actor's name (``events``: up to one more
    than ``limit``, which says whether another page follows)."""
    shown = list(events[:limit])
    names = repository.names_of(session, {e.actor_id for e in shown if e.actor_id is not None})
    items = [
        AuditEventRead.model_validate(event).model_copy(update={"actor_name": names.get(event.actor_id or 0)})
        for event in shown
    ]
    return AuditPage(items=items, next_cursor=shown[-1].id if len(events) > limit else None)


def search(
    *,
    session: Session,
    actor_id: int | None,
    action_prefix: str | None,
    object_type: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> AuditPage:
    """A page of the whole trail, newest first, matching every filter given."""
    events = repository.search(
        session,
        actor_id=actor_id,
        action_prefix=action_prefix,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit + 1,
    )
    return page_of(session=session, events=events, limit=limit)
