"""Shapes shared by every domain's API schemas."""

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from service.core.timeutil import to_local

# Stored in UTC, shown to people in Asia/Ho_Chi_Minh (ISO 8601 with +07:00).
LocalDatetime = Annotated[
    datetime, PlainSerializer(lambda d: to_local(d).isoformat(), return_type=str, when_used="json")
]

T = TypeVar("T")


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
