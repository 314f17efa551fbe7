"""Ward boundaries: lookup and import from GeoJSON."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity
from sqlmodel import Session

from service import audit
from service.areas import repository
from service.areas.errors import NoAreaAtPoint
from service.areas.models import Area
from service.areas.provinces import province_from_slug
from service.areas.schemas import AreaDetail, ImportProblem, ImportReport
from service.core.errors import NotFound, PhanAnhError


class InvalidBoundaryFile(PhanAnhError):
    status_code = 422
    code = "invalid_boundary_file"
    message = "Tệp ranh giới không hợp lệ."
    message_en = "The boundary file is not valid."


def area_at_point(*, session: Session, lat: float, lon: float) -> Area:
    area = repository.area_containing(session, lat=lat, lon=lon)
    if area is None:
        raise NoAreaAtPoint(field="lat")
    return area


def read_area(*, session: Session, code: str, geometry: bool) -> AreaDetail:
    """One ward by official code; with its boundary as GeoJSON when ``geometry``."""
    area = repository.get_by_code(session, code)
    if area is None:
        raise NotFound(field="code")
    detail = AreaDetail.model_validate(area)
    if geometry:
        assert area.id is not None
        detail.geometry = repository.geometry_geojson(session, area.id)
    return detail


# What shapely and GEOS raise, depending on where a malformed geometry breaks them.
_GEOMETRY_ERRORS = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    OverflowError,
    shapely.errors.ShapelyError,
)


def _polygons(geom: Any) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if hasattr(geom, "geoms"):  # MultiPolygon or the GeometryCollection make_valid returns
        return [p for part in geom.geoms for p in _polygons(part)]
    return []  # lines and points left over from a repair carry no area


def to_multipolygon(*, raw: dict[str, Any]) -> tuple[MultiPolygon, str | None]:
    """A clean 2-D MULTIPOLYGON, and what was wrong with the input if it needed repair."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("not a Polygon or MultiPolygon")
    geom = shapely.force_2d(shape(raw))
    # Longitude/latitude in degrees (WGS 84); anything else is another projection or junk,
    # and NaN or infinity would make every spatial test on the ward meaningless.
    min_x, min_y, max_x, max_y = geom.bounds
    if not all(map(math.isfinite, geom.bounds)) or min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise ValueError("coordinates are not WGS 84 longitude/latitude")
    problem = None
    if not geom.is_valid:
        problem = explain_validity(geom)
        try:
            geom = shapely.make_valid(geom)
        except shapely.errors.GEOSException:
            # A part collapsed to a point (two wards of the 2025 national file) makes the
            # default repair fail ("mixed-dimension"); the structure method keeps the
            # polygons and leaves the stray point, which _polygons drops.
            geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    polygons = _polygons(geom)
    if not polygons:
        raise ValueError("no polygon area")
    return MultiPolygon(polygons), problem


def parse_features(*, raw: bytes, field: str) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection (UTF-8, BOM or not).

    ``field`` is what a refusal names as at fault: the form field of an upload, or the
    path of a file given on the command line.
    """
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 as well
        raise InvalidBoundaryFile("Tệp không phải JSON hợp lệ.", "The file is not valid JSON.", field=field) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InvalidBoundaryFile(
            "Tệp phải là một GeoJSON FeatureCollection.",
            "The file must be a GeoJSON FeatureCollection.",
            field=field,
        )
    return data["features"]


def load_features(
    *,
    path: Path,
) -> list[dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidBoundaryFile(field=str(path)) from exc
    return parse_features(raw=raw, field=str(path))


@dataclass
class _Ward:
    index: int
    values: dict[str, Any]
    province: tuple[str, str, str]
    geom: MultiPolygon
    problem: str | None


# The widths of the columns (areas, provinces): a longer value is refused by name here
# rather than by PostgreSQL.
_MAX_LENGTHS = {"code": 10, "name": 120, "nameEn": 120, "fullName": 160, "fullNameEn": 160}
_PROVINCE_CODE_LENGTH = 8
_PROVINCE_NAME_LENGTH = 120


def _storable(text: str) -> bool:
    # JSON can spell a NUL or a lone surrogate (\u0000, \ud800); PostgreSQL stores neither.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _text(props: dict[str, Any], key: str, index: int, default: str = "") -> str:
    value = props.get(key)
    text = default if value is None or value == "" else str(value).strip()
    too_long = len(text) > _MAX_LENGTHS.get(key, _PROVINCE_NAME_LENGTH)
    if isinstance(value, dict | list) or too_long or not _storable(text):
        raise InvalidBoundaryFile(
            f"Đối tượng {index}: '{key}' phải là một chuỗi ngắn, hợp lệ.",
            f"Feature {index}: '{key}' must be short, valid text.",
            field=f"features[{index}].properties.{key}",
        )
    return text


def _area_km2(props: dict[str, Any], index: int) -> float | None:
    value = props.get("areaKm2")
    if value is None or value == "":
        return None
    try:
        area = float(value)
    except (TypeError, ValueError):
        area = math.nan
    if isinstance(value, bool) or not math.isfinite(area) or area < 0:
        raise InvalidBoundaryFile(
            f"Đối tượng {index}: diện tích phải là một số không âm.",
            f"Feature {index}: areaKm2 must be a number, zero or more.",
            field=f"features[{index}].properties.areaKm2",
        )
    return area


def _ward(index: int, feature: Any) -> _Ward:
    """One feature checked and converted; nothing touches the database."""
    if not isinstance(feature, dict):
        raise InvalidBoundaryFile(
            f"Đối tượng {index} không phải một GeoJSON Feature.",
            f"Feature {index} is not a GeoJSON Feature.",
            field=f"features[{index}]",
        )
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidBoundaryFile(
            f"Thuộc tính của đối tượng {index} phải là một object.",
            f"The properties of feature {index} must be an object.",
            field=f"features[{index}].properties",
        )
    code = _text(props, "code", index)
    name = _text(props, "name", index)
    if not code or not name:
        raise InvalidBoundaryFile(
            f"Đối tượng {index} thiếu mã hoặc tên.",
            f"Feature {index} has no code or name.",
            field=f"features[{index}].properties",
        )
    try:
        geom, problem = to_multipolygon(raw=feature.get("geometry") or {})
    except _GEOMETRY_ERRORS as exc:
        raise InvalidBoundaryFile(
            f"Ranh giới của {code} không dùng được: {exc}",
            f"The boundary of {code} is unusable: {exc}",
            field=f"features[{index}].geometry",
        ) from exc
    province = province_from_slug(_text(props, "province", index, default="00_unknown"))
    if (
        not 0 < len(province[0]) <= _PROVINCE_CODE_LENGTH
        or max(len(province[1]), len(province[2])) > _PROVINCE_NAME_LENGTH
    ):
        raise InvalidBoundaryFile(
            f"Đối tượng {index}: tỉnh không hợp lệ (dạng 19_thai_nguyen).",
            f"Feature {index}: the province is not valid (expected like 19_thai_nguyen).",
            field=f"features[{index}].properties.province",
        )
    name_en = _text(props, "nameEn", index, default=name)
    values = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "full_name": _text(props, "fullName", index, default=name),
        "full_name_en": _text(props, "fullNameEn", index, default=name_en),
        "province_code": province[0],
        "area_km2": _area_km2(props, index),
    }
    return _Ward(index=index, values=values, province=province, geom=geom, problem=problem)


def import_areas(*, session: Session, features: list[dict[str, Any]], dry_run: bool = False) -> ImportReport:
    """Create or replace wards by official code; running it twice changes nothing.

    Every feature is checked before anything is written, and the writes share the
    caller's transaction: a feature without a code, a name or any polygon (or a code
    given twice) refuses the import, so a bad file never leaves half the province
    updated. Until that transaction commits, other connections keep seeing the old
    boundaries and their subdivided parts (PostgreSQL MVCC), so lookups and new reports
    never find a ward missing mid-import.

    A ward keeps its id when its boundary is replaced, so the reports, units and routing
    rules that refer to it are untouched: a report stays in the ward it was routed to.
    Wards absent from ``features`` are left as they are; nothing is ever deleted.

    ``dry_run`` does the same work inside a savepoint that is then rolled back: the
    report says exactly what an import would do, and nothing changes.
    """
    wards = [_ward(index, feature) for index, feature in enumerate(features)]
    first_index: dict[str, int] = {}
    for ward in wards:
        code = ward.values["code"]
        if code in first_index:
            raise InvalidBoundaryFile(
                f"Mã {code} xuất hiện hai lần (đối tượng {first_index[code]} và {ward.index}).",
                f"Code {code} appears twice (features {first_index[code]} and {ward.index}).",
                field=f"features[{ward.index}].properties.code",
            )
        first_index[code] = ward.index
    report = ImportReport(
        repaired=[ImportProblem(feature=w.index, code=w.values["code"], problem=w.problem) for w in wards if w.problem],
        dry_run=dry_run,
    )
    savepoint = session.begin_nested() if dry_run else None
    try:
        # Rows are locked in code order, so two imports running at once wait for each
        # other instead of deadlocking.
        for ward in sorted(wards, key=lambda w: w.values["code"]):
            code, name, name_en = ward.province
            repository.upsert_province(session, code=code, name=name, name_en=name_en)
            if repository.upsert_area(session, values=ward.values, geom=ward.geom):
                report.created += 1
            else:
                report.updated += 1
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return report


def import_upload(*, session: Session, raw: bytes, dry_run: bool) -> ImportReport:
    """An admin's upload (the form field ``file``) imported as :func:`import_areas` does;
    an import that writes is audited as ``area.imported`` with its report."""
    report = import_areas(session=session, features=parse_features(raw=raw, field="file"), dry_run=dry_run)
    if not dry_run:
        audit.record(
            session=session,
            actor=audit.caller(),
            action="area.imported",
            object_type="area",
            object_id=None,
            after=report.model_dump(),
        )
    return report
