"""Column helpers shared by every domain's tables."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, String, func
from sqlmodel import Field

from service.core.timeutil import utcnow


def created_at_field() -> Any:
    return Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
    )


def updated_at_field() -> Any:
    return Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "onupdate": utcnow, "nullable": False},
    )


def optional_time_field() -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


def enum_check(column: str, values: type[StrEnum], *, name: str) -> CheckConstraint:
    """The CHECK constraint that keeps ``column`` inside the enum's values."""
    allowed = ", ".join(f"'{value.value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


def enum_field(length: int = 20, **kwargs: Any) -> Any:
    """Enums are stored as short strings guarded by CHECK constraints, so adding a value
    is a one-line migration instead of an ALTER TYPE dance."""
    return Field(sa_type=String(length), **kwargs)


__all__ = ["created_at_field", "datetime", "enum_field", "optional_time_field", "updated_at_field"]
