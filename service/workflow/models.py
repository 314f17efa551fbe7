"""The queue's own table (the filters each person saves) and how the queue finds reports.

The queue's indexes live on the reports' table but are declared here, beside the only
queries that read them (``repository.work_queue``). Each holds the open reports only, the
only ones a queue lists (about one in twenty of the table):

- ``ix_complaints_queue_search``: the words, without Vietnamese marks.
  ``phananh_queue_document(code, description, address)`` is an IMMUTABLE SQL function of the
  migration ``2026-12-01_1520_queue_search``: lower case, the marks taken off by ``unaccent``
  ("Ổ gà" -> "o ga", "đ" -> "d"), as a ``simple`` text-search vector; the query
  (``phananh_queue_query``) asks for each word typed as the start of a word.
- ``ix_complaints_queue_due`` / ``_unit`` / ``_officer``: the deadline order of the whole
  service (a dispatcher), of a unit (a lead) and of an officer, carrying the columns the
  filters and the tabs' counts read, so a page is found and counted from the index alone;
- ``ix_complaints_queue_priority``: the service's open reports most urgent first (the
  dispatcher's sort by priority; ``phananh_priority_rank``: urgent 0 … low 3).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field
from service.reports.models import OPEN_SQL, Complaint

_complaints = Complaint.__table__  # type: ignore[attr-defined]
SEARCH_DOCUMENT = func.phananh_queue_document(_complaints.c.code, _complaints.c.description, _complaints.c.address)

Index(
    "ix_complaints_queue_search",
    SEARCH_DOCUMENT,
    postgresql_using="gin",
    postgresql_where=text(OPEN_SQL),
    # Written through at once, not into GIN's pending list: a search never reads a backlog
    # of unsorted entries, and the planner's estimate of the index holds between vacuums.
    postgresql_with={"fastupdate": "off"},
)

# What the filters and the counts read, besides the order.
CARRIED = [
    "status",
    "priority",
    "category_id",
    "area_id",
    "current_unit_id",
    "current_officer_id",
    "submitted_at",
    "citizen_id",
]
for _name, _scope in {
    "ix_complaints_queue_due": [],
    "ix_complaints_queue_unit": ["current_unit_id"],
    "ix_complaints_queue_officer": ["current_officer_id"],
}.items():
    Index(
        _name,
        *(_complaints.c[c] for c in [*_scope, "due_at", "id"]),
        postgresql_include=[c for c in CARRIED if c not in _scope],
        postgresql_where=text(OPEN_SQL),
    )


Index(
    "ix_complaints_queue_priority",
    func.phananh_priority_rank(_complaints.c.priority),
    _complaints.c.due_at,
    _complaints.c.id,
    postgresql_include=CARRIED,
    postgresql_where=text(OPEN_SQL),
)


class SavedFilter(SQLModel, table=True):
    """A view of the queue someone named to come back to: its filters as the API takes them."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    # The query parameters of GET /api/v1/queue (no cursor): {"q": "o ga", "band": "overdue"}.
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime = created_at_field()
