"""A partial index for the sweep that resends photos whose task was lost.

Revision ID: 4f8b2e6c1a57
Revises: 7c1e5b20d9a4
Create Date: 2026-11-21 17:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f8b2e6c1a57"
down_revision: str | None = "7c1e5b20d9a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_photos_pending", "photos", ["created_at"], postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_photos_pending", table_name="photos", postgresql_where=sa.text("status = 'pending'"))
