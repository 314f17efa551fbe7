"""Reports, their timeline and their photos; per-year public code numbers.

Revision ID: a7e8e75376c2
Revises: 04486e0d8fee
Create Date: 2026-11-21 12:45:33.469165+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "a7e8e75376c2"
down_revision: str | None = "04486e0d8fee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Public codes are PA-<year>-<number>, numbered per year. One sequence per year keeps
# numbering lock-free under load (a counter row would serialise every submission); the
# sequence for a new year is created on first use, and a race to create it is harmless.
NEXT_NUMBER_FUNCTION = """
CREATE OR REPLACE FUNCTION next_complaint_number(year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('complaint_number_%s', year);
BEGIN
    RETURN nextval(seq);
EXCEPTION WHEN undefined_table THEN
    BEGIN
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq);
    EXCEPTION WHEN unique_violation OR duplicate_table THEN
        NULL;
    END;
    RETURN nextval(seq);
END
$$;
"""


def upgrade() -> None:
    op.execute(NEXT_NUMBER_FUNCTION)
    op.create_geospatial_table(
        "complaints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("location_mismatch", sa.Boolean(), nullable=False),
        sa.Column("reused_photo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("channel IN ('mobile', 'web', 'open311')", name="ck_complaints_channel"),
        sa.CheckConstraint(
            "status IN ('submitted', 'assigned', 'acknowledged', 'in_progress', 'awaiting_info', 'resolved', 'closed', 'reopened', 'rejected', 'duplicate')",
            name="ck_complaints_status",
        ),
        sa.CheckConstraint("visibility IN ('public', 'private')", name="ck_complaints_visibility"),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("citizen_id", "idempotency_key", name="uq_complaints_citizen_idempotency_key"),
    )
    op.create_geospatial_index(
        "idx_complaints_location", "complaints", ["location"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_complaints_area_id"), "complaints", ["area_id"], unique=False)
    op.create_index(op.f("ix_complaints_category_id"), "complaints", ["category_id"], unique=False)
    op.create_index("ix_complaints_citizen_submitted", "complaints", ["citizen_id", "submitted_at"], unique=False)
    op.create_index(op.f("ix_complaints_code"), "complaints", ["code"], unique=True)
    op.create_index(op.f("ix_complaints_status"), "complaints", ["status"], unique=False)
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"], unique=False)
    op.create_table(
        "photos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("original_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("phash", sa.BigInteger(), nullable=True),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("exif_captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("large_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("thumb_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('report', 'result')", name="ck_photos_kind"),
        sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name="ck_photos_status"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_photos_complaint_id"), "photos", ["complaint_id"], unique=False)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS next_complaint_number(integer)")
    op.execute(
        "DO $$ DECLARE s record; BEGIN "
        "FOR s IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'complaint\\_number\\_%' "
        "LOOP EXECUTE format('DROP SEQUENCE %I', s.sequencename); END LOOP; END $$"
    )
    op.drop_index(op.f("ix_photos_complaint_id"), table_name="photos")
    op.drop_table("photos")
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index(op.f("ix_complaints_status"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_code"), table_name="complaints")
    op.drop_index("ix_complaints_citizen_submitted", table_name="complaints")
    op.drop_index(op.f("ix_complaints_category_id"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_area_id"), table_name="complaints")
    op.drop_geospatial_index(
        "idx_complaints_location", table_name="complaints", postgresql_using="gist", column_name="location"
    )
    op.drop_geospatial_table("complaints")
