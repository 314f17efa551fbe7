"""What a report is about (lĩnh vực), in groups, with the default priority."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, Relationship, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, updated_at_field


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class CategoryGroup(SQLModel, table=True):
    __tablename__ = "category_groups"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    sort_order: int = 0


class Category(SQLModel, table=True):
    __tablename__ = "categories"
    __table_args__ = (enum_check("default_priority", Priority, name="ck_categories_default_priority"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    group_code: str = Field(foreign_key="category_groups.code", max_length=40, index=True)
    name: str = Field(max_length=160)
    name_en: str = Field(max_length=160)
    description: str | None = Field(default=None, max_length=1000)
    description_en: str | None = Field(default=None, max_length=1000)
    default_priority: Priority = enum_field(default=Priority.normal)
    is_active: bool = True
    sort_order: int = 0
    # Open reports of the same group this close and this recent may be the same problem:
    # a pothole is one spot, a flooded street is a stretch of road.
    duplicate_radius_m: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    duplicate_window_days: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    group: CategoryGroup = Relationship(sa_relationship_kwargs={"lazy": "joined"})
