"""Which ward contains a point, and loading ward boundaries."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, text
from sqlmodel import select

from service.areas.models import Area
from service.areas.service import InvalidBoundaryFile, import_areas, to_multipolygon
from service.cli import main as cli
from service.core.database import session_scope
from tests.conftest import TEST_DATA

# A point in central Phường Bách Quang (formerly in Sông Công city).
BACH_QUANG = (21.5063, 105.8680)
# The Gulf of Tonkin, off Hải Phòng: no ward.
AT_SEA = (20.3, 107.2)


def _feature(code, coordinates, geometry_type="Polygon", **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"Thử {code}", "province": "99_thu_nghiem", **props},
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


SQUARE = [[[100.0, 10.0], [100.01, 10.0], [100.01, 10.01], [100.0, 10.01], [100.0, 10.0]]]
# A bow-tie: the ring crosses itself, which GEOS reports as invalid.
BOW_TIE = [[[100.0, 11.0], [100.01, 11.01], [100.01, 11.0], [100.0, 11.01], [100.0, 11.0]]]


def test_a_point_in_bach_quang_resolves_to_05528(client):
    lat, lon = BACH_QUANG
    response = client.get("/api/v1/areas", params={"lat": lat, "lon": lon})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == "05528"
    assert body["full_name"] == "Phường Bách Quang"
    assert body["province"] == {"code": "19", "name": "Tỉnh Thái Nguyên", "name_en": "Thai Nguyen Province"}


def test_every_ward_contains_its_own_interior_point(client, db):
    points = db.exec(
        select(Area.code, func.ST_Y(func.ST_PointOnSurface(Area.geom)), func.ST_X(func.ST_PointOnSurface(Area.geom)))
    ).all()
    assert len(points) == 92
    for code, lat, lon in points:
        response = client.get("/api/v1/areas", params={"lat": lat, "lon": lon})
        assert response.json()["code"] == code


def test_a_point_at_sea_is_404(client):
    lat, lon = AT_SEA
    response = client.get("/api/v1/areas", params={"lat": lat, "lon": lon})
    assert response.status_code == 404
    assert response.json()["code"] == "outside_service_area"
    assert response.json()["message_en"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 95, "lon": 105.8}, "lat"),
        ({"lat": 21.5, "lon": "abc"}, "lon"),
        ({"lat": 21.5, "lon": 181}, "lon"),
        ({"lon": 105.8}, "lat"),
    ],
)
def test_bad_coordinates_are_422_with_the_field_named(client, params, field):
    response = client.get("/api/v1/areas", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == field
    assert body["errors"][0]["field"] == field


def test_a_point_on_a_shared_boundary_always_picks_the_same_ward(client, db):
    west = [[[100.0, 10.0], [100.01, 10.0], [100.01, 10.01], [100.0, 10.01], [100.0, 10.0]]]
    east = [[[100.01, 10.0], [100.02, 10.0], [100.02, 10.01], [100.01, 10.01], [100.01, 10.0]]]
    # Imported east first, so insertion order cannot be what decides.
    import_areas(session=db, features=[_feature("T0102", east), _feature("T0101", west)])
    on_edge = {"lat": 10.005, "lon": 100.01}
    answers = {client.get("/api/v1/areas", params=on_edge).json()["code"] for _ in range(5)}
    assert answers == {"T0101"}


def test_read_area_with_geometry(client):
    response = client.get("/api/v1/areas/05528", params={"geometry": "true"})
    assert response.status_code == 200
    assert response.json()["geometry"]["type"] == "MultiPolygon"
    assert client.get("/api/v1/areas/99999").json()["code"] == "not_found"


def test_import_repairs_invalid_rings_and_forces_multipolygon(db):
    report = import_areas(session=db, features=[_feature("T0001", SQUARE), _feature("T0002", BOW_TIE)])
    assert (report.created, report.updated) == (2, 0)
    assert [p.code for p in report.repaired] == ["T0002"]
    rows = db.exec(
        select(Area.code, func.GeometryType(Area.geom), func.ST_IsValid(Area.geom), func.ST_NumGeometries(Area.geom))
        .where(Area.code.in_(["T0001", "T0002"]))  # type: ignore[attr-defined]
        .order_by(Area.code)
    ).all()
    assert rows == [("T0001", "MULTIPOLYGON", True, 1), ("T0002", "MULTIPOLYGON", True, 2)]


def test_wards_with_a_part_collapsed_to_a_point_import(db):
    """Two wards of the 2025 national file carry a polygon part whose four corners are one
    point; the default repair fails on them ("mixed-dimension"), so the import did too."""
    national = TEST_DATA / "boundaries" / "vietnam_wards_2025_simplified.geojson"
    features = [
        f
        for f in json.loads(national.read_text(encoding="utf-8"))["features"]
        if f["properties"]["code"] in {"12452", "21925"}
    ]
    report = import_areas(session=db, features=features)
    assert report.created + report.updated == 2
    assert sorted(p.code for p in report.repaired) == ["12452", "21925"]
    rows = db.exec(
        select(func.ST_IsValid(Area.geom), func.GeometryType(Area.geom)).where(
            Area.code.in_(["12452", "21925"])  # type: ignore[attr-defined]
        )
    ).all()
    assert rows == [(True, "MULTIPOLYGON")] * 2


def test_import_is_idempotent_by_code(db):
    import_areas(session=db, features=[_feature("T0003", SQUARE)])
    moved = [[[x + 0.5, y] for x, y in SQUARE[0]]]
    report = import_areas(session=db, features=[_feature("T0003", moved, name="Đổi tên")])
    assert (report.created, report.updated) == (0, 1)
    area = db.exec(select(Area).where(Area.code == "T0003")).one()
    db.refresh(area)
    assert area.name == "Đổi tên"
    assert db.exec(select(func.count()).select_from(Area).where(Area.code == "T0003")).one() == 1
    assert db.exec(select(func.ST_XMin(func.Box2D(Area.geom))).where(Area.code == "T0003")).one() == pytest.approx(
        100.5
    )


def test_import_refuses_a_feature_without_code_and_writes_nothing(db):
    before = db.exec(select(func.count()).select_from(Area)).one()
    bad = _feature("", SQUARE)
    with pytest.raises(InvalidBoundaryFile) as error:
        import_areas(session=db, features=[_feature("T0004", SQUARE), bad])
    assert error.value.field == "features[1].properties"
    db.rollback()
    assert db.exec(select(func.count()).select_from(Area)).one() == before


def test_a_line_is_not_a_boundary():
    with pytest.raises(ValueError):
        to_multipolygon(raw={"type": "LineString", "coordinates": [[100, 10], [101, 11]]})


def test_cli_import_areas_twice(tmp_path, database):
    path = tmp_path / "wards.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [_feature("T0900", SQUARE), _feature("T0901", BOW_TIE)]})
    )
    runner = CliRunner()
    try:
        first = runner.invoke(cli, ["import-areas", str(path)])
        assert first.exit_code == 0, first.output
        assert "created: 2, updated: 0, repaired: 1" in first.output
        second = runner.invoke(cli, ["import-areas", str(path)])
        assert "created: 0, updated: 2" in second.output
        broken = tmp_path / "broken.geojson"
        broken.write_text("{not json")
        refused = runner.invoke(cli, ["import-areas", str(broken)])
        assert refused.exit_code != 0
    finally:
        with session_scope() as session:
            session.execute(text("DELETE FROM areas WHERE code IN ('T0900', 'T0901')"))
            session.execute(text("DELETE FROM provinces WHERE code = '99'"))


def test_wards_are_subdivided_for_lookups_and_parts_follow_a_new_boundary(db):
    counts = db.exec(
        text(
            "SELECT count(*), max(ST_NPoints(p.geom)), count(DISTINCT p.area_id) FROM area_parts p "
            "JOIN areas a ON a.id = p.area_id WHERE a.province_code = '19'"
        )
    ).one()
    parts, max_vertices, wards = counts
    assert wards == 92 and parts > 92 and max_vertices <= 64
    # The parts cover exactly the ward.
    gap = db.exec(
        text(
            "SELECT ST_Area(ST_SymDifference(a.geom, (SELECT ST_Union(geom) FROM area_parts WHERE area_id = a.id))) "
            "FROM areas a WHERE a.code = '05528'"
        )
    ).one()[0]
    assert gap < 1e-10
    import_areas(session=db, features=[_feature("05528", SQUARE, name="Bách Quang (ranh giới mới)")])
    moved = db.exec(text("SELECT count(*) FROM area_parts p JOIN areas a ON a.id = p.area_id WHERE a.code = '05528'"))
    assert moved.one()[0] == 1
