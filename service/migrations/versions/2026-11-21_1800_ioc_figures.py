"""The IOC's figures: processing time and reopenings on each report, and the indexes
the summary and performance queries read.

Revision ID: 2b9d7f3e8c15
Revises: 4f8b2e6c1a57
Create Date: 2026-11-21 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2b9d7f3e8c15"
down_revision: str | None = "4f8b2e6c1a57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINISHED = "status IN ('resolved', 'closed')"
GROUPS = ["current_officer_id", "current_unit_id", "category_id", "area_id"]


def upgrade() -> None:
    op.add_column("complaints", sa.Column("resolve_working_minutes", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("reopened_count", sa.Integer(), server_default="0", nullable=False))
    # Reports reopened before this column existed: count their timeline lines once.
    op.execute(
        "UPDATE complaints c SET reopened_count = r.n FROM "
        "(SELECT complaint_id, count(*) AS n FROM complaint_events WHERE action = 'reopened' GROUP BY 1) r "
        "WHERE r.complaint_id = c.id"
    )
    op.create_index("ix_complaints_status_unit", "complaints", ["status", "current_unit_id"])
    op.create_index("ix_complaints_submitted_at", "complaints", ["submitted_at"])
    op.create_index(
        "ix_complaints_due_at",
        "complaints",
        ["due_at"],
        postgresql_include=GROUPS,
        postgresql_where=sa.text("due_at IS NOT NULL"),
    )
    op.create_index(
        "ix_complaints_resolved_at",
        "complaints",
        ["resolved_at"],
        postgresql_include=[*GROUPS, "resolve_due_at", "resolve_working_minutes", "reopened_count", "rating"],
        postgresql_where=sa.text(FINISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_resolved_at", table_name="complaints", postgresql_where=sa.text(FINISHED))
    op.drop_index("ix_complaints_due_at", table_name="complaints", postgresql_where=sa.text("due_at IS NOT NULL"))
    op.drop_index("ix_complaints_submitted_at", table_name="complaints")
    op.drop_index("ix_complaints_status_unit", table_name="complaints")
    op.drop_column("complaints", "reopened_count")
    op.drop_column("complaints", "resolve_working_minutes")
