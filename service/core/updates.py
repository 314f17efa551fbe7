"""Applying a PATCH body to a table row, the same way in every domain."""

from typing import Any

from sqlmodel import SQLModel

from service.core.errors import PhanAnhError


class NullNotAllowed(PhanAnhError):
    status_code = 422
    code = "null_not_allowed"
    message = "Trường này không được để trống."
    message_en = "This field cannot be null."


def apply_update(row: SQLModel, changes: dict[str, Any]) -> None:
    """Set each changed attribute. ``null`` clears a nullable column and is refused, with
    the field named, for a column that must have a value."""
    columns = row.__table__.c  # type: ignore[attr-defined]
    for name, value in changes.items():
        if value is None and name in columns and not columns[name].nullable:
            raise NullNotAllowed(field=name)
    for name, value in changes.items():
        setattr(row, name, value)
