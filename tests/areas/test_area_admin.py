"""Admins import ward boundaries over HTTP: whole or not at all, invisible to everyone
else until committed, and never moving a report out of the ward it was routed to."""

import json

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from service.areas import admin, repository
from service.areas.models import Area
from service.core.database import get_engine
from service.reports.models import Complaint
from tests.conftest import register_citizen
from tests.routing.test_routing import send

IMPORT = "/api/v1/admin/areas/import"
# A point in central Phường Bách Quang (05528), and a square far from Thái Nguyên.
BACH_QUANG = (21.5063, 105.8680)
SQUARE = [[[100.0, 10.0], [100.01, 10.0], [100.01, 10.01], [100.0, 10.01], [100.0, 10.0]]]
IN_SQUARE = (10.005, 100.005)
BOW_TIE = [[[100.0, 11.0], [100.01, 11.01], [100.01, 11.0], [100.0, 11.01], [100.0, 11.0]]]


def feature(code, coordinates, geometry_type="Polygon", **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"Thử {code}", "province": "19_thai_nguyen", **props},
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def around(lat: float, lon: float, d: float = 0.001) -> list:
    return [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]


def upload(client, headers, raw: bytes, *, content_type="application/geo+json", **params):
    return client.post(IMPORT, headers=headers, params=params, files={"file": ("wards.geojson", raw, content_type)})


def snapshot(db) -> tuple:
    """Every ward and every subdivided part, to show a refused import changed nothing."""
    db.expire_all()
    return db.exec(
        text(
            "SELECT (SELECT md5(string_agg(concat_ws('|', id, code, name, name_en, full_name, full_name_en, "
            "province_code, area_km2, ST_AsEWKB(geom), updated_at), ',' ORDER BY code)) FROM areas), "
            "(SELECT md5(string_agg(concat_ws('|', area_id, ST_AsEWKB(geom)), ',' ORDER BY area_id, "
            "ST_AsEWKB(geom))) FROM area_parts), (SELECT string_agg(code, ',' ORDER BY code) FROM provinces)"
        )
    ).one()


def ward_at(client, lat: float, lon: float) -> str | None:
    response = client.get("/api/v1/areas", params={"lat": lat, "lon": lon})
    return response.json()["code"] if response.status_code == 200 else None


def test_an_admin_creates_and_replaces_wards_from_an_uploaded_file(client, auth, db):
    bach_quang_id = db.exec(select(Area.id).where(Area.code == "05528")).one()
    raw = collection(
        feature("T7001", BOW_TIE, areaKm2=1.2),
        feature("05528", SQUARE, name="Bách Quang", fullName="Phường Bách Quang"),
    )
    response = upload(client, auth("admin"), raw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["dry_run"]) == (1, 1, False)
    assert [(p["feature"], p["code"]) for p in body["repaired"]] == [(0, "T7001")]
    # The new boundary answers lookups, and the ward kept its id.
    assert ward_at(client, *IN_SQUARE) == "05528"
    assert ward_at(client, *BACH_QUANG) is None
    assert client.get("/api/v1/areas/05528").json()["id"] == bach_quang_id
    assert client.get("/api/v1/areas/T7001").json()["area_km2"] == 1.2
    # The same file again: every ward is now an update.
    again = upload(client, auth("admin"), raw).json()
    assert (again["created"], again["updated"]) == (0, 2)


@pytest.mark.parametrize("content_type", ["application/geo+json", "application/json", "application/octet-stream"])
def test_what_browsers_label_geojson_with_is_accepted(client, auth, content_type):
    response = upload(client, auth("admin"), collection(feature("T7002", SQUARE)), content_type=content_type)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


def test_a_file_with_a_byte_order_mark_is_read(client, auth):
    response = upload(client, auth("admin"), b"\xef\xbb\xbf" + collection(feature("T7003", SQUARE)))
    assert response.status_code == 200, response.text


def test_a_dry_run_reports_what_would_change_and_writes_nothing(client, auth, db):
    before = snapshot(db)
    raw = collection(feature("T7004", SQUARE), feature("05528", BOW_TIE))
    response = upload(client, auth("admin"), raw, dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["dry_run"]) == (1, 1, True)
    assert [p["code"] for p in body["repaired"]] == ["05528"]
    assert snapshot(db) == before
    assert ward_at(client, *BACH_QUANG) == "05528"


def _moves_bach_quang_then(bad: dict) -> bytes:
    # A good feature first: refusing the second must also undo the first.
    return collection(feature("05528", SQUARE), bad)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param(b"{not json", "file", id="not-json"),
        pytest.param(b"\xff\xfe\x00garbage", "file", id="not-text"),
        pytest.param(b"[" * 100_000, "file", id="nested-too-deep"),
        pytest.param(b"[]", "file", id="json-array"),
        pytest.param(json.dumps(feature("T7005", SQUARE)).encode(), "file", id="a-feature-not-a-collection"),
        pytest.param(b'{"type": "FeatureCollection", "features": {}}', "file", id="features-not-a-list"),
        pytest.param(_moves_bach_quang_then(feature("", SQUARE)), "features[1].properties", id="feature-without-code"),
        pytest.param(_moves_bach_quang_then("Feature"), "features[1]", id="feature-not-an-object"),
        pytest.param(
            _moves_bach_quang_then({"type": "Feature", "properties": ["code"], "geometry": None}),
            "features[1].properties",
            id="properties-not-an-object",
        ),
        pytest.param(
            _moves_bach_quang_then(feature("T7006", [[100, 10], [101, 11]], "LineString")),
            "features[1].geometry",
            id="a-line-not-a-polygon",
        ),
        pytest.param(
            _moves_bach_quang_then({**feature("T7007", SQUARE), "geometry": None}),
            "features[1].geometry",
            id="no-geometry",
        ),
        pytest.param(
            # Exported in UTM metres (VN-2000 / zone 48N) instead of longitude/latitude.
            _moves_bach_quang_then(
                feature("T7008", [[[585000, 2378000], [586000, 2378000], [586000, 2379000], [585000, 2378000]]])
            ),
            "features[1].geometry",
            id="not-wgs84",
        ),
        pytest.param(
            _moves_bach_quang_then(feature("T7009", [[[100, 10], [100.01, 10]]])),
            "features[1].geometry",
            id="ring-of-two-points",
        ),
        pytest.param(_moves_bach_quang_then(feature("05528", BOW_TIE)), "features[1].properties.code", id="code-twice"),
        pytest.param(
            _moves_bach_quang_then(feature("T7010", SQUARE, name="x" * 121)),
            "features[1].properties.name",
            id="name-too-long",
        ),
        pytest.param(
            _moves_bach_quang_then(feature("T7011", SQUARE, fullName="Phường\x00")),
            "features[1].properties.fullName",
            id="nul-character",
        ),
        pytest.param(
            _moves_bach_quang_then(feature("T7012", SQUARE, areaKm2="rộng")),
            "features[1].properties.areaKm2",
            id="area-not-a-number",
        ),
        pytest.param(
            _moves_bach_quang_then(feature("T7013", SQUARE, province="123456789_qua_dai")),
            "features[1].properties.province",
            id="province-code-too-long",
        ),
    ],
)
def test_a_bad_file_is_refused_with_the_field_named_and_nothing_changes(client, auth, db, raw, field):
    headers = auth("admin")
    before = snapshot(db)
    response = upload(client, headers, raw)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_boundary_file", field)
    assert body["message"] and body["message_en"]
    assert snapshot(db) == before
    assert ward_at(client, *BACH_QUANG) == "05528"


def test_a_file_over_50_mb_is_refused_with_413(client, auth, db):
    before = snapshot(db)
    # Valid JSON all the way (whitespace after the collection): only the size is wrong.
    raw = collection(feature("05528", SQUARE))
    raw += b" " * (admin.MAX_FILE_BYTES + 1 - len(raw))
    response = upload(client, auth("admin"), raw)
    assert response.status_code == 413, response.text[:500]
    assert (response.json()["code"], response.json()["field"]) == ("file_too_large", "file")
    assert snapshot(db) == before


def test_a_file_of_another_kind_is_refused_with_415(client, auth, db):
    before = snapshot(db)
    response = upload(client, auth("admin"), b"PK\x03\x04 a zipped shapefile", content_type="application/zip")
    assert response.status_code == 415
    assert (response.json()["code"], response.json()["field"]) == ("unsupported_file_type", "file")
    assert snapshot(db) == before


def test_the_file_is_required(client, auth):
    response = client.post(IMPORT, headers=auth("admin"), data={"other": "x"})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation_error", "file")


@pytest.mark.parametrize("role", ["citizen", "officer", "unit_lead", "dispatcher"])
def test_only_admins_import_boundaries(client, auth, db, role):
    headers = auth(role)
    before = snapshot(db)
    response = upload(client, headers, collection(feature("05528", SQUARE)))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert snapshot(db) == before


def test_anonymous_callers_cannot_import_boundaries(client, db):
    before = snapshot(db)
    response = upload(client, {}, collection(feature("05528", SQUARE)))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert snapshot(db) == before


def test_a_report_keeps_its_ward_when_the_boundary_moves_away(client, auth, db):
    bach_quang_id = db.exec(select(Area.id).where(Area.code == "05528")).one()
    citizen = register_citizen(client)
    report = send(client, citizen, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])
    assert report["area"]["code"] == "05528"
    # 05528 moves far away, and a new ward now covers the point the report was sent from.
    raw = collection(feature("05528", SQUARE), feature("T7020", around(*BACH_QUANG)))
    response = upload(client, auth("admin"), raw)
    assert response.status_code == 200, response.text
    assert ward_at(client, *BACH_QUANG) == "T7020"
    assert ward_at(client, *IN_SQUARE) == "05528"
    after = client.get(f"/api/v1/complaints/{report['id']}", headers=citizen).json()
    assert after["area"]["code"] == "05528"
    assert after["unit"] == report["unit"]
    complaint = db.get(Complaint, report["id"])
    db.refresh(complaint)
    assert complaint.area_id == bach_quang_id


def test_until_the_import_commits_other_connections_see_the_old_boundaries(client, auth, db):
    response = upload(client, auth("admin"), collection(feature("05528", SQUARE)))
    assert response.status_code == 200, response.text
    # The test's transaction is still open: inside it the import is done...
    assert ward_at(client, *BACH_QUANG) is None
    assert ward_at(client, *IN_SQUARE) == "05528"
    # ...while to every other connection it has not happened yet.
    with Session(get_engine()) as other:
        # Waiting on the import's locks would be downtime: fail instead of waiting.
        other.execute(text("SET LOCAL lock_timeout = '2s'"))
        other.execute(text("SET LOCAL statement_timeout = '5s'"))
        old = repository.area_containing(other, lat=BACH_QUANG[0], lon=BACH_QUANG[1])
        assert old is not None and old.code == "05528"
        assert repository.area_containing(other, lat=IN_SQUARE[0], lon=IN_SQUARE[1]) is None
        # A report filed in that ward meanwhile checks its foreign key this way; the
        # import's row update must not make it wait.
        assert other.execute(text("SELECT id FROM areas WHERE code = '05528' FOR KEY SHARE")).one()
        other.rollback()
