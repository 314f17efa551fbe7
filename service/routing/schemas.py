from pydantic import Field

from service.core.schemas import DbId, DbInt, Input, LocalDatetime, ReadModel


class RuleCreate(Input):
    category_code: str | None = Field(default=None, min_length=1, max_length=40, description="One category; or")
    group_code: str | None = Field(default=None, min_length=1, max_length=40, description="a group; or neither: any")
    area_code: str | None = Field(
        default=None, min_length=1, max_length=10, description="One ward; or none: the whole province"
    )
    unit_id: DbId
    order: DbInt = 100
    is_active: bool = True
    note: str | None = Field(default=None, max_length=500)


class RuleUpdate(Input):
    unit_id: DbId | None = None
    order: DbInt | None = None
    is_active: bool | None = None
    note: str | None = Field(default=None, max_length=500)


class RuleRead(ReadModel):
    id: int
    category_code: str | None
    group_code: str | None
    area_code: str | None
    unit_id: int
    unit_code: str
    order: int
    is_active: bool
    note: str | None
    created_at: LocalDatetime
    updated_at: LocalDatetime
