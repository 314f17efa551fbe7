"""Dispatcher queue, duplicates linked to their original, followers, staff-only notes.

Revision ID: 80fc5bd4f073
Revises: 9945671d93cf
Create Date: 2026-11-21 14:58:20.222173+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "80fc5bd4f073"
down_revision: str | None = "9945671d93cf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE = "status = 'submitted' OR ((location_mismatch OR reused_photo) AND flags_reviewed_at IS NULL)"


def upgrade() -> None:
    op.create_table(
        "complaint_followers",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("via_complaint_id", sa.Uuid(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name="fk_complaint_followers_complaint_id_complaints",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_complaint_followers_user_id_users"),
        sa.ForeignKeyConstraint(
            ["via_complaint_id"], ["complaints.id"], name="fk_complaint_followers_via_complaint_id_complaints"
        ),
        sa.PrimaryKeyConstraint("complaint_id", "user_id", name="pk_complaint_followers"),
    )
    op.create_index(op.f("ix_complaint_followers_user_id"), "complaint_followers", ["user_id"], unique=False)
    op.add_column("complaint_events", sa.Column("internal_note", sa.Text(), nullable=True))
    op.add_column("complaints", sa.Column("flags_reviewed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("duplicate_of_id", sa.Uuid(), nullable=True))
    op.create_index("ix_complaints_dispatch_queue", "complaints", ["submitted_at"], postgresql_where=sa.text(QUEUE))
    op.create_index(op.f("ix_complaints_duplicate_of_id"), "complaints", ["duplicate_of_id"], unique=False)
    op.create_foreign_key(
        "fk_complaints_duplicate_of_id_complaints", "complaints", "complaints", ["duplicate_of_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint("fk_complaints_duplicate_of_id_complaints", "complaints", type_="foreignkey")
    op.drop_index(op.f("ix_complaints_duplicate_of_id"), table_name="complaints")
    op.drop_index("ix_complaints_dispatch_queue", table_name="complaints", postgresql_where=sa.text(QUEUE))
    op.drop_column("complaints", "duplicate_of_id")
    op.drop_column("complaints", "flags_reviewed_at")
    op.drop_column("complaint_events", "internal_note")
    op.drop_index(op.f("ix_complaint_followers_user_id"), table_name="complaint_followers")
    op.drop_table("complaint_followers")
