"""Notifications: the inbox, the outbox the relay delivers, devices for push, and
each person's channel choices.

Revision ID: 7c1e5b20d9a4
Revises: 5d2a9c41e7b3
Create Date: 2026-11-21 17:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7c1e5b20d9a4"
down_revision: str | None = "5d2a9c41e7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = (
    "'received', 'assigned', 'acknowledged', 'info_requested', 'resolved', 'closed', 'rejected', 'duplicate', "
    "'new_work', 'info_provided', 'extension_requested', 'extension_decided', 'deadline_warning', 'overdue', "
    "'escalated'"
)
CHANNELS = "'inbox', 'push', 'sms', 'email'"


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=4096), nullable=False),
        sa.Column("platform", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("platform IN ('android', 'ios', 'web')", name="ck_devices_platform"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_devices_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("token", name="uq_devices_token"),
    )
    op.create_index("ix_devices_user_id", "devices", ["user_id"])

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name="ck_notification_preferences_channel"),
        sa.CheckConstraint(f"event IN ({EVENTS})", name="ck_notification_preferences_event"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notification_preferences_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preferences"),
        sa.UniqueConstraint("user_id", "event", "channel", name="uq_notification_preferences"),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("context", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"event IN ({EVENTS})", name="ck_notifications_event"),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name="fk_notifications_complaint_id_complaints", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_complaint_id", "notifications", ["complaint_id"])
    op.create_index("ix_notifications_user_inbox", "notifications", ["user_id", "created_at", "id"])
    op.create_index(
        "ix_notifications_user_unread",
        "notifications",
        ["user_id", "created_at", "id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name="ck_notification_outbox_channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name="ck_notification_outbox_status"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name="fk_notification_outbox_device_id_devices", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name="fk_notification_outbox_notification_id_notifications",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_outbox"),
        sa.UniqueConstraint(
            "notification_id", "channel", "device_id", name="uq_notification_outbox", postgresql_nulls_not_distinct=True
        ),
    )
    op.create_index(
        "ix_notification_outbox_due",
        "notification_outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("notification_outbox")
    op.drop_table("notifications")
    op.drop_table("notification_preferences")
    op.drop_table("devices")
