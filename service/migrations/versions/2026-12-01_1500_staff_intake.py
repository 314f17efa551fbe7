"""Reports taken by staff for a caller or a visitor (channels hotline and walk_in, who took it).

Downgrading keeps such reports but can no longer say how they came in: their channel
becomes ``web`` (the nearest of the old channels) and who took them is dropped.

Revision ID: d6fa316a2e0f
Revises: 2b9d7f3e8c15
Create Date: 2026-12-01 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d6fa316a2e0f"
down_revision: str | None = "2b9d7f3e8c15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHANNELS = "channel IN ('mobile', 'web', 'open311')"
NEW_CHANNELS = "channel IN ('mobile', 'web', 'open311', 'hotline', 'walk_in')"


def upgrade() -> None:
    op.drop_constraint("ck_complaints_channel", "complaints", type_="check")
    op.create_check_constraint("ck_complaints_channel", "complaints", NEW_CHANNELS)
    op.add_column("complaints", sa.Column("taken_by_id", sa.Integer(), nullable=True))
    op.create_foreign_key("complaints_taken_by_id_fkey", "complaints", "users", ["taken_by_id"], ["id"])
    op.create_index(op.f("ix_complaints_taken_by_id"), "complaints", ["taken_by_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_complaints_taken_by_id"), table_name="complaints")
    op.drop_constraint("complaints_taken_by_id_fkey", "complaints", type_="foreignkey")
    op.drop_column("complaints", "taken_by_id")
    op.drop_constraint("ck_complaints_channel", "complaints", type_="check")
    op.execute("UPDATE complaints SET channel = 'web' WHERE channel IN ('hotline', 'walk_in')")
    op.create_check_constraint("ck_complaints_channel", "complaints", OLD_CHANNELS)
