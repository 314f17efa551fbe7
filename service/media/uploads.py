"""Bytes stored on behalf of a database transaction.

A request stores photo bytes before its rows commit (so a committed report always has
its files). If the transaction then rolls back — a validation error after the upload, a
lost idempotency race, a failed commit — the files it stored are deleted, so a refused
request leaves nothing behind.
"""

from functools import partial

from sqlmodel import Session

from service.core.transaction_hooks import on_rollback
from service.media.storage import Storage


def put_for_transaction(session: Session, storage: Storage, key: str, data: bytes, *, content_type: str) -> None:
    # Registered first, so bytes half-written by a failing put are removed too.
    on_rollback(session, partial(storage.delete, key))
    storage.put(key, data, content_type=content_type)
