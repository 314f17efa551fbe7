"""Reply templates per category, and what correcting a report needs.

Correcting a report (its category, priority, address text) adds timeline actions only,
which are plain strings: no column changes. The reply templates get their table and two
templates for every category, a result and a question, which admins edit or retire.

Revision ID: 8e4f1b6a2c90
Revises: d6fa316a2e0f
Create Date: 2026-12-01 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e4f1b6a2c90"
down_revision: str | None = "d6fa316a2e0f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STARTERS = [
    {
        "purpose": "result",
        "title": "Đã xử lý xong (mẫu chung)",
        "body_vi": (
            "Phản ánh {code} về {category} tại {ward} đã được {unit} xử lý xong. Cảm ơn bạn đã phản ánh; "
            "nếu vấn đề vẫn còn, bạn có thể mở lại phản ánh."
        ),
        "body_en": (
            "Report {code} ({category}, {ward}) has been dealt with by {unit}. Thank you for reporting; "
            "if the problem is still there, you can reopen the report."
        ),
    },
    {
        "purpose": "question",
        "title": "Đề nghị cho biết rõ vị trí (mẫu chung)",
        "body_vi": (
            "Để xử lý phản ánh {code} trước hạn {due}, {unit} đề nghị bạn cho biết rõ hơn vị trí "
            "(số nhà, ngõ, mốc gần nhất) và gửi thêm ảnh nếu có."
        ),
        "body_en": (
            "To handle report {code} by {due}, {unit} asks you to say more exactly where it is "
            "(house number, lane, a landmark nearby) and to send another photo if you can."
        ),
    },
]


def upgrade() -> None:
    templates = op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body_vi", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("purpose IN ('result', 'question')", name="ck_reply_templates_purpose"),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name="fk_reply_templates_category_id_categories", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_reply_templates_category_id"), "reply_templates", ["category_id"], unique=False)
    assert templates is not None
    op.bulk_insert(templates, [{**row, "category_id": None, "is_active": True} for row in STARTERS])


def downgrade() -> None:
    op.drop_index(op.f("ix_reply_templates_category_id"), table_name="reply_templates")
    op.drop_table("reply_templates")
