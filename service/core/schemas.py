"""Shapes shared by every domain's API schemas."""

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

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
