"""The dashboard at a million reports: the ward outline thinned for maps, kept by
PostgreSQL beside the outline, and an index on when a report left the open states.

The dashboard's ward layer and the console's small maps thinned every outline of the
province on each load (~0.7 s for Thái Nguyên's 92 wards); a stored generated column does
it once per boundary import and follows every later change of ``geom`` by itself.

The backlog chart summed every report's arrival and departure since the beginning (two
passes over the whole table); it now reads back from today's open count through the arrivals
and departures since the period began, which this index finds.

Revision ID: 3c8f1e2d4a67
Revises: 7b2e4c9a1d53
Create Date: 2026-12-01 21:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c8f1e2d4a67"
down_revision: str | None = "7b2e4c9a1d53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As service/areas/models.py says it; a migration keeps its own copy of what it created.
MAP_OUTLINE_SQL = "ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0005), 5)"
OPEN_SQL = "status IN ('acknowledged', 'assigned', 'awaiting_info', 'in_progress', 'reopened', 'submitted')"


def upgrade() -> None:
    op.add_column("areas", sa.Column("map_outline", sa.Text(), sa.Computed(MAP_OUTLINE_SQL, persisted=True)))
    # Not STRICT: a report set aside has no resolved_at. A function, not the expression itself,
    # so that the index reads back as written and the models' drift test can compare it.
    op.execute(
        """
        CREATE FUNCTION phananh_left_at(status text, resolved_at timestamptz, updated_at timestamptz)
        RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN coalesce(CASE WHEN status IN ('resolved', 'closed') THEN resolved_at END, updated_at)
        """
    )
    op.create_index(
        "ix_complaints_left_at",
        "complaints",
        [sa.text("phananh_left_at(status, resolved_at, updated_at)")],
        postgresql_include=["current_officer_id", "current_unit_id", "category_id", "area_id"],
        postgresql_where=sa.text(f"NOT ({OPEN_SQL})"),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_left_at", table_name="complaints")
    op.execute("DROP FUNCTION phananh_left_at(text, timestamptz, timestamptz)")
    op.drop_column("areas", "map_outline")
