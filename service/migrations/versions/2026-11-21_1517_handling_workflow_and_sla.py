"""Handling workflow: service-level deadlines, results, ratings, extension requests;
SLA policies and the calendar days administrators set apart.

Revision ID: 2816ace27108
Revises: 80fc5bd4f073
Create Date: 2026-11-21 15:17:13.258987+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2816ace27108"
down_revision: str | None = "80fc5bd4f073"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('off', 'work')", name="ck_calendar_days_kind"),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("ack_minutes", sa.Integer(), nullable=False),
        sa.Column("resolve_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="ck_sla_policies_priority"),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name="fk_sla_policies_category_id_categories", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "category_id", "priority", name="uq_sla_policies_scope", postgresql_nulls_not_distinct=True
        ),
    )
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=2000), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name="ck_extension_requests_status"),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name="fk_extension_requests_complaint_id_complaints",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_extension_requests_decided_by_users"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name="fk_extension_requests_requested_by_users"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_extension_requests_complaint_id"), "extension_requests", ["complaint_id"], unique=False)
    op.create_index(
        "uq_extension_requests_one_pending",
        "extension_requests",
        ["complaint_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.add_column("complaints", sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("complaints", sa.Column("result", sa.Text(), nullable=True))
    op.add_column("complaints", sa.Column("rating", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("rating_comment", sa.String(length=2000), nullable=True))
    op.create_check_constraint("ck_complaints_rating", "complaints", "rating BETWEEN 1 AND 5")
    op.create_index("ix_complaints_officer_due", "complaints", ["current_officer_id", "due_at", "id"], unique=False)
    op.create_index("ix_complaints_unit_due", "complaints", ["current_unit_id", "due_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_complaints_unit_due", table_name="complaints")
    op.drop_index("ix_complaints_officer_due", table_name="complaints")
    op.drop_constraint("ck_complaints_rating", "complaints", type_="check")
    op.drop_column("complaints", "rating_comment")
    op.drop_column("complaints", "rating")
    op.drop_column("complaints", "result")
    op.drop_column("complaints", "closed_at")
    op.drop_column("complaints", "resolved_at")
    op.drop_column("complaints", "acknowledged_at")
    op.drop_column("complaints", "paused_at")
    op.drop_column("complaints", "due_at")
    op.drop_column("complaints", "resolve_due_at")
    op.drop_column("complaints", "ack_due_at")
    op.drop_index(
        "uq_extension_requests_one_pending",
        table_name="extension_requests",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_extension_requests_complaint_id"), table_name="extension_requests")
    op.drop_table("extension_requests")
    op.drop_table("sla_policies")
    op.drop_table("calendar_days")
