"""Per-category duplicate radius and window; a geography index for distance searches.

Revision ID: 9945671d93cf
Revises: 79bd0f85354a
Create Date: 2026-11-21 14:18:56.662305+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9945671d93cf"
down_revision: str | None = "79bd0f85354a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("categories", sa.Column("duplicate_radius_m", sa.Integer(), server_default="100", nullable=False))
    op.add_column("categories", sa.Column("duplicate_window_days", sa.Integer(), server_default="30", nullable=False))
    op.create_index(
        "ix_complaints_location_geography",
        "complaints",
        [sa.literal_column("(location::geography)")],
        unique=False,
        postgresql_using="gist",
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_location_geography", table_name="complaints", postgresql_using="gist")
    op.drop_column("categories", "duplicate_window_days")
    op.drop_column("categories", "duplicate_radius_m")
