"""Run Alembic from code, wherever the process was started from."""

from typing import Any

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers

from service.core.settings import PROJECT_ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url or get_settings().database_url)
    return config


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What autogenerate and the drift test compare: our tables, not PostGIS's own
    (spatial_ref_sys, topology, tiger), and not the spatial indexes PostGIS makes itself."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
