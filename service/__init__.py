"""PhanAnh: the citizen field-reporting service."""

import importlib

from sqlalchemy import event
from sqlalchemy.orm import Mapper


@event.listens_for(Mapper, "before_configured")
def _every_table_first() -> None:
    # Relationships between domains are named, not imported (identity's User.unit names
    # units' Unit: units sit above identity). SQLAlchemy resolves the names when it first
    # configures the mappers, so every table module must be loaded by then, whichever
    # module a process happened to import first. service/models.py imports them all.
    importlib.import_module("service.models")
