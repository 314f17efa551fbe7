"""Access tokens issued before the user's password last changed are refused: the time of
that change, on the user. Existing accounts start with none (every token they hold now is
refused anyway, having no login session in it).

Revision ID: 5d1a9c7e3b20
Revises: c3b7e2d9f104
Create Date: 2026-12-01 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1a9c7e3b20"
down_revision: str | None = "c3b7e2d9f104"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "password_changed_at")
