"""Ward boundaries: lookup and import from GeoJSON."""

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity
from sqlmodel import Session

from service.areas import repository
from service.areas.provinces import province_from_slug
from service.areas.schemas import ImportProblem, ImportReport
from service.core.errors import PhanAnhError


class InvalidBoundaryFile(PhanAnhError):
    status_code = 422
    code = "invalid_boundary_file"
    message = "Tệp ranh giới không hợp lệ."
    message_en = "The boundary file is not valid."


def _polygons(geom: Any) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if hasattr(geom, "geoms"):  # MultiPolygon or the GeometryCollection make_valid returns
        return [p for part in geom.geoms for p in _polygons(part)]
    return []  # lines and points left over from a repair carry no area


def to_multipolygon(raw: dict[str, Any]) -> tuple[MultiPolygon, str | None]:
    """A clean 2-D MULTIPOLYGON, and what was wrong with the input if it needed repair."""
    geom = shapely.force_2d(shape(raw))
    problem = None
    if not geom.is_valid:
        problem = explain_validity(geom)
        geom = shapely.make_valid(geom)
    polygons = _polygons(geom)
    if not polygons:
        raise ValueError("no polygon area")
    return MultiPolygon(polygons), problem


def load_features(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidBoundaryFile(field=str(path)) from exc
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InvalidBoundaryFile(
            "Tệp phải là một GeoJSON FeatureCollection.",
            "The file must be a GeoJSON FeatureCollection.",
            field=str(path),
        )
    return data["features"]


def import_areas(*, session: Session, features: list[dict[str, Any]]) -> ImportReport:
    """Create or replace wards by official code; running it twice changes nothing.

    The whole file goes in one transaction: a feature without a code, a name or any
    polygon refuses the import, so a bad file never leaves half the province updated.
    """
    report = ImportReport()
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        if not code or not name:
            raise InvalidBoundaryFile(
                f"Đối tượng {index} thiếu mã hoặc tên.",
                f"Feature {index} has no code or name.",
                field=f"features[{index}].properties",
            )
        try:
            geom, problem = to_multipolygon(feature.get("geometry") or {})
        except (ValueError, AttributeError, TypeError, shapely.errors.GEOSException) as exc:
            raise InvalidBoundaryFile(
                f"Ranh giới của {code} không dùng được: {exc}",
                f"The boundary of {code} is unusable: {exc}",
                field=f"features[{index}].geometry",
            ) from exc
        if problem:
            report.repaired.append(ImportProblem(feature=index, code=code, problem=problem))
        province_code, province_name, province_name_en = province_from_slug(str(props.get("province") or "00_unknown"))
        repository.upsert_province(session, code=province_code, name=province_name, name_en=province_name_en)
        name_en = str(props.get("nameEn") or name)
        created = repository.upsert_area(
            session,
            values={
                "code": code,
                "name": name,
                "name_en": name_en,
                "full_name": str(props.get("fullName") or name),
                "full_name_en": str(props.get("fullNameEn") or name_en),
                "province_code": province_code,
                "area_km2": props.get("areaKm2"),
            },
            geom=geom,
        )
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report
