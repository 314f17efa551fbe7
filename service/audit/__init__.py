"""The audit trail (lưu vết): append-only, hash-chained events of who did what.

Domains call :func:`record` (or :func:`created`, :func:`updated`, :func:`deleted`) in
the transaction of the change; the events are chained and written as it commits.
"""

from service.audit.service import SYSTEM, Caller, caller, created, deleted, record, snapshot, updated

__all__ = ["SYSTEM", "Caller", "caller", "created", "deleted", "record", "snapshot", "updated"]
