from pydantic import Field

from service.categories.models import Priority
from service.core.schemas import DbInt, Input, ReadModel

Code = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9_]*$")


class CategoryGroupRead(ReadModel):
    code: str
    name: str
    name_en: str
    sort_order: int


class CategoryGroupCreate(Input):
    code: str = Code
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(min_length=1, max_length=120)
    sort_order: DbInt = 0


class CategoryRead(ReadModel):
    id: int
    code: str
    name: str
    name_en: str
    description: str | None
    description_en: str | None
    group: CategoryGroupRead
    default_priority: Priority
    is_active: bool
    sort_order: int


class CategoryCreate(Input):
    code: str = Code
    group_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=160)
    name_en: str = Field(min_length=1, max_length=160)
    description: str | None = Field(default=None, max_length=1000)
    description_en: str | None = Field(default=None, max_length=1000)
    default_priority: Priority = Priority.normal
    sort_order: DbInt = 0


class CategoryUpdate(Input):
    group_code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=160)
    name_en: str | None = Field(default=None, min_length=1, max_length=160)
    description: str | None = Field(default=None, max_length=1000)
    description_en: str | None = Field(default=None, max_length=1000)
    default_priority: Priority | None = None
    is_active: bool | None = None
    sort_order: DbInt | None = None
