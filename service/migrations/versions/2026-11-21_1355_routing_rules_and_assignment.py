"""Routing rules, officer duty and who currently holds each report.

Revision ID: 37927b5b911a
Revises: a7e8e75376c2
Create Date: 2026-11-21 13:55:19.069357+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "37927b5b911a"
down_revision: str | None = "a7e8e75376c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officer_categories",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "category_id"),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("group_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("order", sa.Integer(), server_default="100", nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("category_id IS NULL OR group_code IS NULL", name="ck_routing_rules_one_category_scope"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_code"], ["category_groups.code"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_routing_rules_area_id"), "routing_rules", ["area_id"], unique=False)
    op.create_index(op.f("ix_routing_rules_category_id"), "routing_rules", ["category_id"], unique=False)
    op.create_index(op.f("ix_routing_rules_unit_id"), "routing_rules", ["unit_id"], unique=False)
    op.add_column("complaints", sa.Column("current_unit_id", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("current_officer_id", sa.Integer(), nullable=True))
    op.add_column("complaints", sa.Column("routed_by_rule_id", sa.Integer(), nullable=True))
    op.add_column(
        "complaints", sa.Column("dispatch_reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
    )
    op.create_index(op.f("ix_complaints_current_officer_id"), "complaints", ["current_officer_id"], unique=False)
    op.create_index(op.f("ix_complaints_current_unit_id"), "complaints", ["current_unit_id"], unique=False)
    op.create_foreign_key("fk_complaints_current_unit_id_units", "complaints", "units", ["current_unit_id"], ["id"])
    op.create_foreign_key(
        "fk_complaints_current_officer_id_users", "complaints", "users", ["current_officer_id"], ["id"]
    )
    op.create_foreign_key(
        "fk_complaints_routed_by_rule_id_routing_rules",
        "complaints",
        "routing_rules",
        ["routed_by_rule_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("units", sa.Column("routes_to_lead", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("users", sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("users", sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_assigned_at")
    op.drop_column("users", "on_duty")
    op.drop_column("units", "routes_to_lead")
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint("fk_complaints_routed_by_rule_id_routing_rules", "complaints", type_="foreignkey")
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint("fk_complaints_current_officer_id_users", "complaints", type_="foreignkey")
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint("fk_complaints_current_unit_id_units", "complaints", type_="foreignkey")
    op.drop_index(op.f("ix_complaints_current_unit_id"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_current_officer_id"), table_name="complaints")
    op.drop_column("complaints", "dispatch_reason")
    op.drop_column("complaints", "routed_by_rule_id")
    op.drop_column("complaints", "current_officer_id")
    op.drop_column("complaints", "current_unit_id")
    op.drop_index(op.f("ix_routing_rules_unit_id"), table_name="routing_rules")
    op.drop_index(op.f("ix_routing_rules_category_id"), table_name="routing_rules")
    op.drop_index(op.f("ix_routing_rules_area_id"), table_name="routing_rules")
    op.drop_table("routing_rules")
    op.drop_table("officer_categories")
