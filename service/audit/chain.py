"""The hash chain: how an event is written down to be hashed, and how it is linked.

``hash = sha256(prev_hash + canonical(event))`` where the canonical form is the JSON of
every column but ``hash`` itself, keys sorted, no spaces, times in UTC ISO 8601 with
microseconds. Editing any column of a row changes what its hash should be; deleting a
row leaves the next one pointing at a hash no row has.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
    "client_address",
    "prev_hash",
)


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in an audit event")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    # JSONB keeps numbers as decimal numerics: 1e16 comes back as 10000000000000000, an
    # int. Integral floats are written as the integer their shortest decimal form names.
    if isinstance(value, float) and value.is_integer():
        return int(Decimal(repr(value)))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def canonical(event: Mapping[Any, Any]) -> bytes:
    document = {name: plain(event[name]) for name in FIELDS}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def link(event: Mapping[Any, Any]) -> str:
    """The hash ``event`` must carry, given its ``prev_hash`` and contents."""
    return hashlib.sha256(str(event["prev_hash"]).encode() + canonical(event)).hexdigest()
