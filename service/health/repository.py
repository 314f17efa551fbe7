"""The only query readiness makes: that the database answers, with PostGIS."""

from sqlalchemy import Connection, text


def postgis_version(connection: Connection) -> str:
    return str(connection.execute(text("SELECT postgis_lib_version()")).scalar_one())
