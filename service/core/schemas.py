"""Shapes shared by every domain's API schemas."""

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from service.core.timeutil import to_local

# Stored in UTC, shown to people in Asia/Ho_Chi_Minh (ISO 8601 with +07:00).
LocalDatetime = Annotated[
    datetime, PlainSerializer(lambda d: to_local(d).isoformat(), return_type=str, when_used="json")
]

T = TypeVar("T")

# PostgreSQL INTEGER: anything larger must be refused at the edge, not crash the query.
INT_MAX = 2**31 - 1
DbInt = Annotated[int, Field(ge=-INT_MAX, le=INT_MAX)]
DbId = Annotated[int, Field(ge=1, le=INT_MAX)]
IdPath = Annotated[int, Path(ge=1, le=INT_MAX)]


# Letters and marks that draw nothing: Hangul fillers, the blank braille cell, the
# combining grapheme joiner and the variation selectors.
_BLANK = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def has_visible_text(value: str) -> bool:
    """Whether anything in the text shows: not only spaces, zero-width, format or control
    characters (Unicode categories Z and C) and blank letters."""
    return any(unicodedata.category(c)[0] not in "ZC" and c not in _BLANK for c in value)


def _visible(value: str) -> str:
    # NFC: the same Vietnamese word typed on two keyboards (composed or with combining
    # marks) is stored, searched and counted alike. Marks are kept, never stripped.
    value = unicodedata.normalize("NFC", value)
    # Empty text is the length rule's to refuse (or to allow, for an optional note).
    if value and not has_visible_text(value):
        raise PydanticCustomError(
            "text_not_visible",
            "Nội dung phải có chữ nhìn thấy được / The text must have visible characters",
        )
    return value


# Text people write and others read: surrounding whitespace stripped, and refused when
# nothing in it shows (only spaces, zero-width or other format and control characters).
# Give lengths with Field(...) on the field (or inside the StringConstraints of an alias
# built like this one), so they are checked on the stripped text.
VISIBLE = AfterValidator(_visible)
VisibleText = Annotated[str, StringConstraints(strip_whitespace=True), VISIBLE]


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters / không được chứa ký tự NUL")
    if isinstance(value, list):
        for item in value:
            _refuse_nul(item)
    return value


class Input(BaseModel):
    """Base of every request body: only text PostgreSQL can store gets past it."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
