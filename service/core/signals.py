"""Signals: a package announces that something happened, and the receivers connected in
one place (``service/receivers.py``) act on it, so a reader can list what a change sets
off (Amsterdam Signals keeps them in one ``signal_receivers.py`` per app).

Two kinds of receiver:

- **in the transaction**: called at once with the session; what they write commits or
  rolls back with the change (the audit trail, the notification outbox);
- **after the commit**: called at once to take what they need (the objects change again
  before the commit), returning what to do once the transaction has committed; never run
  for a change that rolled back (the live stream).
"""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from service.core.transaction_hooks import Action, on_commit

InTransaction = Callable[..., object]
AfterCommit = Callable[..., Action | None]


class NoReceivers(RuntimeError):
    """A signal was sent before ``service.receivers`` connected anything: its side effects
    (audit, notifications) would be lost without a word."""


class Signal:
    def __init__(self, name: str) -> None:
        self.name = name
        self._in_transaction: list[InTransaction] = []
        self._after_commit: list[AfterCommit] = []

    def connect(self, receiver: InTransaction) -> InTransaction:
        """Call ``receiver(session, *args)`` in the sender's transaction (once per function)."""
        if receiver not in self._in_transaction:
            self._in_transaction.append(receiver)
        return receiver

    def connect_after_commit(self, receiver: AfterCommit) -> AfterCommit:
        """Call ``receiver(*args)`` at once; run what it returns once the transaction commits."""
        if receiver not in self._after_commit:
            self._after_commit.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[..., Any]) -> None:
        for receivers in (self._in_transaction, self._after_commit):
            if receiver in receivers:
                receivers.remove(receiver)  # type: ignore[arg-type]

    def receivers(self) -> dict[str, list[str]]:
        """Who listens, in the order they are called: for readers and tests."""
        return {
            "in_transaction": [_name(r) for r in self._in_transaction],
            "after_commit": [_name(r) for r in self._after_commit],
        }

    def send(self, session: Session, *args: Any) -> None:
        if not self._in_transaction and not self._after_commit:
            raise NoReceivers(f"signal {self.name!r} sent with no receivers: import service.receivers first")
        for receiver in list(self._in_transaction):
            receiver(session, *args)
        for prepare in list(self._after_commit):
            action = prepare(*args)
            if action is not None:
                on_commit(session, action)


def _name(receiver: Callable[..., Any]) -> str:
    return f"{receiver.__module__}.{receiver.__qualname__}"
