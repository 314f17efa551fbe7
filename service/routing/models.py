"""Routing rules (category x area -> unit) and which categories an officer handles."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Integer
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, updated_at_field


class RoutingRule(SQLModel, table=True):
    """Reports of this category (or group, or any) in this ward (or any) go to ``unit``.

    The most specific matching rule wins; ``order`` breaks ties (see routing/rules.py).
    """

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("category_id IS NULL OR group_code IS NULL", name="ck_routing_rules_one_category_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category_id: int | None = Field(default=None, foreign_key="categories.id", index=True, ondelete="CASCADE")
    group_code: str | None = Field(default=None, foreign_key="category_groups.code", max_length=40, ondelete="CASCADE")
    area_id: int | None = Field(default=None, foreign_key="areas.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="units.id", index=True, ondelete="CASCADE")
    order: int = Field(default=100, sa_column=Column("order", Integer, nullable=False, server_default="100"))
    is_active: bool = True
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class OfficerCategory(SQLModel, table=True):
    """Restricts an officer to some categories; an officer with no rows takes any."""

    __tablename__ = "officer_categories"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="categories.id", primary_key=True, ondelete="CASCADE")
