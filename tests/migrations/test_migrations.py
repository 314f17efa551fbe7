"""The migrations are the schema: they must build exactly what the models describe."""

import os
from datetime import datetime

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


@pytest.mark.services  # a database of its own
def test_reports_set_aside_before_closed_at_was_kept_take_their_timelines_time():
    """Migration 8e2b4f6a1c39: a report rejected or merged before it kept ``closed_at`` takes
    the time of its timeline's line, or its ``updated_at`` when it has none; the rest stay."""
    url = recreate_database(
        f"phananh_test_left_{os.environ.get('PHANANH_TEST_SLOT', '0')}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    )
    try:
        config = alembic_config(url)
        command.upgrade(config, "5d1a7c3e9b20")
        engine = create_engine(url)
        rows = {  # code: status, its timeline's line, what closed_at should read after
            "REJ": ("rejected", "rejected", "2026-10-01 03:00+00"),
            "DUP": ("duplicate", "marked_duplicate", "2026-10-02 03:00+00"),
            "OLD": ("rejected", None, "2026-11-30 09:00+00"),  # no line: its updated_at
            "OPEN": ("in_progress", None, None),
        }
        with engine.begin() as connection:
            # The parents (citizen, category, ward) do not matter here: no foreign-key checks.
            connection.execute(text("SET session_replication_role = replica"))
            for code, (status, action, _) in rows.items():
                connection.execute(
                    text(
                        "INSERT INTO complaints (id, code, citizen_id, category_id, description, location, area_id, "
                        "submitted_at, channel, visibility, priority, status, idempotency_key, request_hash, "
                        "location_mismatch, reused_photo, reopened_count, updated_at) VALUES (gen_random_uuid(), "
                        ":code, 1, 1, 'x', ST_SetSRID(ST_MakePoint(105.8, 21.6), 4326), 1, '2026-09-30 03:00+00', "
                        "'mobile', 'public', 'normal', :status, :code, 'x', false, false, 0, '2026-11-30 09:00+00')"
                    ),
                    {"code": code, "status": status},
                )
                if action:
                    connection.execute(
                        text(
                            "INSERT INTO complaint_events (complaint_id, at, action, data, public) SELECT id, "
                            "CAST(:at AS timestamptz), :action, '{}', true FROM complaints WHERE code = :code"
                        ),
                        {"code": code, "action": action, "at": rows[code][2]},
                    )
        command.upgrade(config, "8e2b4f6a1c39")
        with engine.connect() as connection:
            kept = dict(connection.execute(text("SELECT code, closed_at FROM complaints")).all())
        engine.dispose()
        for code, (_, _, when) in rows.items():
            if when is None:
                assert kept[code] is None, code
            else:
                assert kept[code] == datetime.fromisoformat(when.replace("+00", "+00:00")), code
    finally:
        drop_database(url.rsplit("/", 1)[1])
