"""Provinces and their wards/communes (địa bàn), with real boundary polygons."""

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Column, Computed, Text
from sqlmodel import Field, Relationship, SQLModel

from service.core.columns import created_at_field, updated_at_field


class Province(SQLModel, table=True):
    __tablename__ = "provinces"

    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=120)
    name_en: str = Field(max_length=120)


MAP_OUTLINE_SQL = "ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0005), 5)"


class Area(SQLModel, table=True):
    """A ward (phường), commune (xã) or special zone (đặc khu): the unit of jurisdiction."""

    __tablename__ = "areas"

    id: int | None = Field(default=None, primary_key=True)
    # The official administrative code, e.g. "05528" for Phường Bách Quang.
    code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    full_name: str = Field(max_length=160)
    full_name_en: str = Field(max_length=160)
    province_code: str = Field(foreign_key="provinces.code", max_length=8, index=True)
    area_km2: float | None = None
    geom: Any = Field(sa_column=Column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False))
    # The outline thinned for a map (~50 m) as GeoJSON, kept by PostgreSQL with the outline:
    # thinning a province's wards on each dashboard load took most of a second.
    map_outline: str | None = Field(default=None, sa_column=Column(Text, Computed(MAP_OUTLINE_SQL, persisted=True)))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    province: Province = Relationship(sa_relationship_kwargs={"lazy": "joined"})


class AreaPart(SQLModel, table=True):
    """A ward's polygon cut into pieces of at most 64 vertices (ST_Subdivide).

    Point lookups test a handful of small pieces picked by the GiST index instead of
    whole ward outlines with thousands of vertices, so they stay fast against all 3,321
    wards of Vietnam. Rebuilt whenever the ward's boundary is imported.
    """

    __tablename__ = "area_parts"

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="areas.id", index=True, ondelete="CASCADE")
    geom: Any = Field(sa_column=Column(Geometry("POLYGON", srid=4326, spatial_index=True), nullable=False))
