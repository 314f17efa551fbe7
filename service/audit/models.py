"""The audit events table: append-only, each row chained to the one before by hash."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field


class AuditEvent(SQLModel, table=True):
    """Who (actor, role, from which request and address) did what (action) to which object,
    from what (before) to what (after), and when.

    Rows are only ever inserted (a trigger refuses UPDATE, DELETE and TRUNCATE; see the
    migration). There are no foreign keys on purpose: the trail outlives what it talks
    about, and ``ON DELETE SET NULL`` would be an UPDATE.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # A chain has no forks: two events never follow the same one, even if the
        # chain lock were bypassed.
        UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),
        # A report's (or a user's, a unit's) trail in order.
        Index("ix_audit_events_object", "object_type", "object_id", "id"),
        # What one person did, newest first.
        Index("ix_audit_events_actor", "actor_id", "id"),
    )

    # bigserial, allocated under the chain lock: id order is chain order.
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    at: datetime = created_at_field()
    # None for the system (workers, CLI) and for callers nobody could identify.
    actor_id: int | None = None
    # The actor's role at the time (citizen, officer, ... admin), "system" or "anonymous".
    actor_role: str = Field(max_length=20)
    # "<object_type>.<what happened>": complaint.transferred, auth.login, user.role_changed ...
    action: str = Field(max_length=60)
    object_type: str = Field(max_length=40)
    object_id: str | None = Field(default=None, max_length=100)
    # none_as_null: "nothing before" is SQL NULL, not the JSON value null.
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB(none_as_null=True)))
    request_id: str | None = Field(default=None, max_length=128)
    client_address: str | None = Field(default=None, max_length=64)
    # sha256 hex of the previous row's hash and this row's canonical form (service/audit/chain.py).
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
