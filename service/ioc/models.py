"""The IOC's own table (the monthly reports made and kept for download), and an index on
the reports' table declared here, beside the only query that reads it:

- ``ix_complaints_left_at``: when a report left the open states without a resolution time:
  set aside (rejected, a duplicate) or finished with none recorded; its ``closed_at``. The
  backlog chart reads back from today's open count through the
  arrivals and departures since its period began (``repository.trends``), instead of every
  report's history since the first; without this index the finished ones with no resolution
  time (hardly any) cost a pass over the whole table.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field
from service.reports.models import IOC_GROUPS, Complaint

# Word for word in the index and in the query, so that PostgreSQL sees the query within it.
LEFT_UNRESOLVED_SQL = (
    "status IN ('rejected', 'duplicate') OR (status IN ('resolved', 'closed') AND resolved_at IS NULL)"
)

Index(
    "ix_complaints_left_at",
    Complaint.__table__.c.closed_at,  # type: ignore[attr-defined]
    postgresql_include=IOC_GROUPS,
    postgresql_where=text(LEFT_UNRESOLVED_SQL),
)


class ReportScope(StrEnum):
    # One report per month for the province leadership; a column, not an assumption, so a
    # report of another scope can sit beside it without a new table.
    province = "province"


class MonthlyReport(SQLModel, table=True):
    """The PDF of one month's figures: the newest one made for that month and scope
    (making it again replaces it), its bytes in storage under ``storage_key``."""

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("month", "scope", name="uq_monthly_reports_month_scope"),
        enum_check("scope", ReportScope, name="ck_monthly_reports_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The month's first day (Vietnam's calendar).
    month: date
    scope: ReportScope = enum_field(default=ReportScope.province)
    created_at: datetime = created_at_field()
    # None: made by beat at the start of the month.
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    size_bytes: int
    storage_key: str = Field(max_length=200)
