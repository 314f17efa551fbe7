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
    feature: int
    code: str | None
    problem: str


class ImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    repaired: list[ImportProblem] = []
