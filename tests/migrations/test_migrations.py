"""The migrations are the schema: they must build exactly what the models describe."""

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from service.core.migrate import alembic_config, include_object
from service.models import metadata
from tests.conftest import drop_database, recreate_database


def test_models_and_migrations_do_not_drift(database):
    engine = create_engine(database)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": include_object, "compare_type": True, "target_metadata": metadata},
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


@pytest.mark.services  # a database of its own
def test_migrations_run_down_and_up_again():
    url = recreate_database(
        f"phananh_test_roundtrip_{os.environ.get('PHANANH_TEST_SLOT', '0')}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    )
    try:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        engine = create_engine(url)
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            geom_type = connection.execute(
                text("SELECT type FROM geometry_columns WHERE f_table_name = 'areas'")
            ).scalar_one()
        engine.dispose()
        assert {"areas", "units", "users", "categories", "refresh_tokens"} <= tables
        assert geom_type == "MULTIPOLYGON"
    finally:
        drop_database(url.rsplit("/", 1)[1])


def test_times_are_stored_with_time_zone(db):
    naive = db.exec(  # type: ignore[call-overload]
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"
        )
    ).all()
    assert naive == []
