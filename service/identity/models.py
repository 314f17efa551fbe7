"""People who use the service and the refresh tokens that keep them logged in."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, DateTime
from sqlmodel import Field, Relationship, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, optional_time_field, updated_at_field

if TYPE_CHECKING:
    # Units are a domain above this one (they list their staff); the relationship below is
    # resolved by name once every table is imported (service/models.py).
    from service.units.models import Unit


class Role(StrEnum):
    citizen = "citizen"
    officer = "officer"
    unit_lead = "unit_lead"
    dispatcher = "dispatcher"
    admin = "admin"


UNIT_ROLES = frozenset({Role.officer, Role.unit_lead})
STAFF_ROLES = frozenset({Role.officer, Role.unit_lead, Role.dispatcher, Role.admin})


class Language(StrEnum):
    vi = "vi"
    en = "en"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", Role, name="ck_users_role"),
        enum_check("language", Language, name="ck_users_language"),
        # Officers and leads work inside one unit; nobody else belongs to one.
        CheckConstraint("(role IN ('officer', 'unit_lead')) = (unit_id IS NOT NULL)", name="ck_users_unit_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Citizens log in with their phone number, staff with an assigned username.
    username: str = Field(max_length=64, unique=True, index=True)
    # E.164, e.g. +84912345678.
    phone: str | None = Field(default=None, max_length=16, unique=True)
    email: str | None = Field(default=None, max_length=200)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)
    role: Role = enum_field()
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    language: Language = enum_field(2, default=Language.vi)
    is_active: bool = True
    # Officers off duty (leave, training) get no new reports.
    on_duty: bool = True
    # For round robin among equally loaded officers: the one served longest ago goes next.
    last_assigned_at: datetime | None = optional_time_field()
    last_login_at: datetime | None = optional_time_field()
    # Access tokens issued before this are refused: a new password ends every login at once.
    password_changed_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    # Joined eagerly: every authenticated request needs the caller's unit.
    unit: Optional["Unit"] = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class RefreshToken(SQLModel, table=True):
    """Opaque, single-use refresh tokens stored by hash.

    Each use issues a successor in the same family; presenting a token that was
    already used means it leaked, so the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    family_id: uuid.UUID = Field(index=True)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = optional_time_field()
    revoked_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
