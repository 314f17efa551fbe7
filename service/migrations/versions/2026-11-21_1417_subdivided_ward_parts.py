"""Ward polygons cut into small parts (ST_Subdivide) for fast point lookups.

Revision ID: 79bd0f85354a
Revises: 37927b5b911a
Create Date: 2026-11-21 14:17:41.620988+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "79bd0f85354a"
down_revision: str | None = "37927b5b911a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "area_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_area_parts_geom", "area_parts", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_area_parts_area_id"), "area_parts", ["area_id"], unique=False)
    # Wards imported before this migration get their parts now.
    op.execute("INSERT INTO area_parts (area_id, geom) SELECT id, ST_Subdivide(geom, 64) FROM areas")


def downgrade() -> None:
    op.drop_index(op.f("ix_area_parts_area_id"), table_name="area_parts")
    op.drop_geospatial_index(
        "idx_area_parts_geom", table_name="area_parts", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("area_parts")
