"""The dashboard at a million reports: the ward outline thinned for maps, kept by
PostgreSQL beside the outline, an index on when a report was set aside, and the map's
covering index of the open reports (service/maps/models.py).

The dashboard's ward layer and the console's small maps thinned every outline of the
province on each load (~0.7 s for Thái Nguyên's 92 wards); a stored generated column does
it once per boundary import and follows every later change of ``geom`` by itself.

The backlog chart summed every report's arrival and departure since the beginning (two
passes over the whole table); it now reads back from today's open count through the arrivals
and departures since the period began: the resolved ones by ``ix_complaints_resolved_at``,
the rejected and duplicates (whose ``updated_at`` says when) by this index.

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
MARKER_COLUMNS = ["location", "status", "category_id", "due_at", "current_unit_id", "visibility", "submitted_at"]


def upgrade() -> None:
    op.add_column("areas", sa.Column("map_outline", sa.Text(), sa.Computed(MAP_OUTLINE_SQL, persisted=True)))
    op.create_index(
        "ix_complaints_set_aside_at",
        "complaints",
        ["updated_at"],
        postgresql_include=["current_officer_id", "current_unit_id", "category_id", "area_id"],
        postgresql_where=sa.text("status IN ('rejected', 'duplicate')"),
    )
    op.create_index(
        "ix_complaints_map",
        "complaints",
        ["code"],
        postgresql_include=MARKER_COLUMNS,
        postgresql_where=sa.text(OPEN_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_map", table_name="complaints")
    op.drop_index("ix_complaints_set_aside_at", table_name="complaints")
    op.drop_column("areas", "map_outline")
