"""Reports set aside (rejected, marked a duplicate) keep when they left the books in
``closed_at``, as closed ones do; the backlog chart's index of them keys on it.

Their ``updated_at`` stood for that time, but any later change to the row moved it: a merge
repointing a report's duplicates, for one, and the demo's history, whose rows are all written
today, drew every set-aside of 90 days as leaving the backlog this morning. Rows already set
aside take the time of their timeline's line (``rejected``, ``marked_duplicate``, ``closed``),
or their ``updated_at`` when they have none.

Revision ID: 8e2b4f6a1c39
Revises: 5d1a7c3e9b20
Create Date: 2026-12-02 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e2b4f6a1c39"
down_revision: str | None = "5d1a7c3e9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As service/ioc/models.py says it; a migration keeps its own copy of what it created.
LEFT_UNRESOLVED_SQL = (
    "status IN ('rejected', 'duplicate') OR (status IN ('resolved', 'closed') AND resolved_at IS NULL)"
)
IOC_GROUPS = ["current_officer_id", "current_unit_id", "category_id", "area_id"]


def _index(column: str) -> None:
    op.create_index(
        "ix_complaints_left_at",
        "complaints",
        [column],
        postgresql_include=IOC_GROUPS,
        postgresql_where=sa.text(LEFT_UNRESOLVED_SQL),
    )


def upgrade() -> None:
    op.execute(
        f"""
        UPDATE complaints c SET closed_at = coalesce(
            (SELECT max(e.at) FROM complaint_events e WHERE e.complaint_id = c.id
               AND e.action IN ('rejected', 'marked_duplicate', 'closed')),
            c.updated_at)
        WHERE ({LEFT_UNRESOLVED_SQL}) AND c.closed_at IS NULL
        """  # noqa: S608  a constant of this file, no input
    )
    op.drop_index("ix_complaints_left_at", table_name="complaints")
    _index("closed_at")


def downgrade() -> None:
    # The times written stay: closed_at was already a column, and they are true.
    op.drop_index("ix_complaints_left_at", table_name="complaints")
    _index("updated_at")
