from typing import Any

from pydantic import BaseModel, Field

from service.core.schemas import ReadModel


class ProvinceRead(ReadModel):
    code: str
    name: str
    name_en: str


class AreaRead(ReadModel):
    id: int
    code: str = Field(description="Official ward/commune code, e.g. 05528")
    name: str
    name_en: str
    full_name: str
    full_name_en: str
    province: ProvinceRead
    area_km2: float | None


class AreaDetail(AreaRead):
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON MultiPolygon")


class AreaBrief(ReadModel):
    id: int
    code: str
    name: str
    full_name: str


class ImportProblem(BaseModel):
    feature: int = Field(description="Index of the feature in the file, from 0")
    code: str | None
    problem: str = Field(description="What GEOS found wrong with the boundary before repairing it")


class ImportReport(BaseModel):
    created: int = Field(default=0, description="Wards whose code was new")
    updated: int = Field(default=0, description="Existing wards whose boundary and names were replaced")
    repaired: list[ImportProblem] = Field(
        default=[], description="Boundaries that were invalid (e.g. a self-intersecting ring) and were repaired"
    )
    dry_run: bool = Field(default=False, description="True when the file was only checked and nothing was written")
