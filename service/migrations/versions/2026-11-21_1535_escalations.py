"""Escalation levels that fired, and the working minutes each clock allows.

Revision ID: 9e6d17e04c94
Revises: 2816ace27108
Create Date: 2026-11-21 15:35:30.418429+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e6d17e04c94"
down_revision: str | None = "2816ace27108"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("clock", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name="fk_escalations_complaint_id_complaints", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("complaint_id", "clock", "level", "due_at", name="pk_escalations"),
    )
    op.add_column("complaints", sa.Column("ack_minutes", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("resolve_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("complaints", "resolve_minutes")
    op.drop_column("complaints", "ack_minutes")
    op.drop_table("escalations")
