"""The map's index on the reports' table, declared beside the only query that reads it
(``repository.markers``):

- ``ix_complaints_map``: the open reports in code order, carrying what a marker and the
  map's filters read (place, state, category, deadline, unit, visibility, arrival), so the
  province's 50,000 open markers are read from the index alone, in order, with no sort and
  no visit to the reports scattered over the table.
"""

from sqlalchemy import Index, text

from service.reports.models import OPEN_SQL, Complaint

MARKER_COLUMNS = ["location", "status", "category_id", "due_at", "current_unit_id", "visibility", "submitted_at"]

MARKERS_INDEX = Index(
    "ix_complaints_map",
    Complaint.__table__.c.code,  # type: ignore[attr-defined]
    postgresql_include=MARKER_COLUMNS,
    postgresql_where=text(OPEN_SQL),
)
