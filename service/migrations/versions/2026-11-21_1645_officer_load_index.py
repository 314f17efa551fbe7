"""A partial index for an officer's load (reports in hand), counted on every routing.

Revision ID: 5d2a9c41e7b3
Revises: 3b1f0c6a9d42
Create Date: 2026-11-21 16:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2a9c41e7b3"
down_revision: str | None = "3b1f0c6a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_HAND = "status IN ('acknowledged', 'assigned', 'awaiting_info', 'in_progress', 'reopened')"


def upgrade() -> None:
    op.create_index(
        "ix_complaints_officer_in_hand", "complaints", ["current_officer_id"], postgresql_where=sa.text(IN_HAND)
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_officer_in_hand", table_name="complaints", postgresql_where=sa.text(IN_HAND))
