"""The only place that queries areas and provinces."""

import json
from typing import Any, cast

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import Executable, func, literal_column, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Load, QueryableAttribute, lazyload
from sqlmodel import Session, col, select

from service.areas.models import Area, AreaPart, Province

# A ward outline can be tens of kilobytes (its map copy a few): load them only where the
# shape is the point.
WITHOUT_GEOMETRY = Load(Area).defer(Area.geom).defer(cast(QueryableAttribute[Any], Area.map_outline))


def point(lat: float, lon: float) -> Any:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def area_containing(session: Session, *, lat: float, lon: float) -> Area | None:
    """The ward that covers the point, found through its subdivided parts. ST_Covers counts
    the boundary as inside, so a point on a shared edge matches both wards; ordering by
    code picks the same one every time."""
    return session.exec(
        select(Area)
        .join(AreaPart, col(AreaPart.area_id) == Area.id)
        .where(func.ST_Covers(AreaPart.geom, point(lat, lon)))
        .order_by(col(Area.code))
        .limit(1)
        # Routing needs the ward's id and code, not its province: no join on the hot path.
        .options(WITHOUT_GEOMETRY, lazyload(cast(QueryableAttribute[Any], Area.province)))
    ).first()


def get_by_code(session: Session, code: str) -> Area | None:
    return session.exec(select(Area).where(Area.code == code).options(WITHOUT_GEOMETRY)).first()


def get(session: Session, area_id: int) -> Area | None:
    return session.get(Area, area_id, options=[WITHOUT_GEOMETRY])


def list_areas(session: Session) -> list[Area]:
    """Every ward, by name, without its outline."""
    return list(session.exec(select(Area).order_by(col(Area.name)).options(WITHOUT_GEOMETRY)))


def geometry_geojson(session: Session, area_id: int, *, simplify: float | None = None) -> dict[str, Any] | None:
    """The ward's outline as GeoJSON; ``simplify`` (degrees) thins it for a small map."""
    geom = Area.geom if simplify is None else func.ST_SimplifyPreserveTopology(Area.geom, simplify)
    raw = session.exec(select(func.ST_AsGeoJSON(geom, 6)).where(Area.id == area_id)).first()
    return json.loads(raw) if raw else None


def upsert_province(session: Session, *, code: str, name: str, name_en: str) -> None:
    session.execute(
        insert(Province).values(code=code, name=name, name_en=name_en).on_conflict_do_nothing(index_elements=["code"])
    )


def upsert_area(session: Session, *, values: dict[str, Any], geom: MultiPolygon) -> bool:
    """Insert or replace the area with ``values['code']``; True when it was new."""
    row = {**values, "geom": from_shape(geom, srid=4326)}
    statement = insert(Area).values(**row)
    upsert: Executable = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={**{k: statement.excluded[k] for k in row if k != "code"}, "updated_at": func.now()},
    ).returning(literal_column("(xmax = 0)"))
    created = bool(session.execute(upsert).scalar_one())
    _subdivide(session, values["code"])
    return created


# Vertices per piece: small enough for fast point-in-polygon tests, large enough that a
# ward does not become thousands of rows.
MAX_PART_VERTICES = 64


def _subdivide(session: Session, code: str) -> None:
    session.execute(
        text("DELETE FROM area_parts WHERE area_id = (SELECT id FROM areas WHERE code = :code)"), {"code": code}
    )
    session.execute(
        text(
            "INSERT INTO area_parts (area_id, geom) "
            "SELECT id, ST_Subdivide(geom, :vertices) FROM areas WHERE code = :code"
        ),
        {"code": code, "vertices": MAX_PART_VERTICES},
    )
