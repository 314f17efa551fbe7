"""Reply templates, per category or for every category."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, updated_at_field


class ReplyPurpose(StrEnum):
    """Which field of the report page a template fills."""

    result = "result"  # what was done, in the resolve form
    question = "question"  # what the citizen is asked, in the request-info form


class ReplyTemplate(SQLModel, table=True):
    __tablename__ = "reply_templates"
    __table_args__ = (enum_check("purpose", ReplyPurpose, name="ck_reply_templates_purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    # None: offered on reports of every category.
    category_id: int | None = Field(default=None, foreign_key="categories.id", index=True, ondelete="CASCADE")
    purpose: ReplyPurpose = enum_field()
    # What officers pick it by.
    title: str = Field(max_length=120)
    # With placeholders (service/replies/placeholders.py), checked when saved.
    body_vi: str = Field(sa_column=Column(Text, nullable=False))
    body_en: str = Field(sa_column=Column(Text, nullable=False))
    is_active: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
