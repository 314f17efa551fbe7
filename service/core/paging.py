"""Keyset paging: an opaque cursor holding the sort key of the last row served."""

import base64
import json
from typing import Any

from service.core.errors import PhanAnhError


class InvalidCursor(PhanAnhError):
    status_code = 422
    code = "invalid_cursor"
    message = "Con trỏ phân trang không hợp lệ."
    message_en = "The paging cursor is not valid."


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The values :func:`encode_cursor` was given; anything else is refused, naming the
    ``cursor`` parameter (callers convert the values and refuse them the same way)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:  # bad base64, bad JSON, bad UTF-8
        raise InvalidCursor(field="cursor") from exc
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor(field="cursor")
    return values
