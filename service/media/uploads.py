"""Bytes stored on behalf of a database transaction.

A request stores photo bytes before its rows commit (so a committed report always has
its files). If the transaction then rolls back — a validation error after the upload, a
lost idempotency race, a failed commit — the files it stored are deleted, so a refused
request leaves nothing behind.
"""

from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from service.media.storage import Storage

_KEY = "phananh_stored_objects"


def put_for_transaction(session: Session, storage: Storage, key: str, data: bytes, *, content_type: str) -> None:
    session.connection()  # the transaction these bytes belong to has begun
    session.info.setdefault(_KEY, []).append((storage, key))
    storage.put(key, data, content_type=content_type)


@event.listens_for(Session, "after_commit")
def _keep(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return
    for storage, key in session.info.pop(_KEY, []):
        storage.delete(key)
