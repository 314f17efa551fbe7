"""Admin management of units, categories and accounts."""

from sqlmodel import select

from service.units.models import Unit, UnitArea


def test_units_crud_with_coverage(client, auth, db):
    admin = auth("admin")
    created = client.post(
        "/api/v1/admin/units",
        json={
            "code": "BQLDA-TN",
            "name": "Ban Quản lý dự án đầu tư xây dựng tỉnh",
            "name_en": "Provincial Construction Project Board",
            "kind": "provincial_department",
            "area_codes": ["05528", "05443"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert [a["code"] for a in unit["areas"]] == ["05443", "05528"]

    patched = client.patch(
        f"/api/v1/admin/units/{unit['id']}", json={"area_codes": ["05528"], "phone": "02083855555"}, headers=admin
    )
    assert patched.status_code == 200
    assert [a["code"] for a in patched.json()["areas"]] == ["05528"]
    assert patched.json()["phone"] == "02083855555"

    listed = client.get("/api/v1/admin/units", params={"area_code": "05528"}, headers=admin).json()
    assert "BQLDA-TN" in {u["code"] for u in listed["items"]}
    assert listed["total"] == 6  # the ward's three units, two province-wide ones, and this one

    assert client.delete(f"/api/v1/admin/units/{unit['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/admin/units/{unit['id']}", headers=admin).status_code == 404
    assert db.exec(select(UnitArea).where(UnitArea.unit_id == unit["id"])).all() == []


def test_unit_errors_name_the_field_and_store_nothing(client, auth, db):
    admin = auth("admin")
    unknown = client.post(
        "/api/v1/admin/units",
        json={"code": "X-1", "name": "X", "name_en": "X", "kind": "other", "area_codes": ["05528", "00000"]},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_area"
    assert unknown.json()["field"] == "area_codes"
    assert db.exec(select(Unit).where(Unit.code == "X-1")).first() is None

    taken = client.post(
        "/api/v1/admin/units", json={"code": "EVN-TN", "name": "X", "name_en": "X", "kind": "utility"}, headers=admin
    )
    assert taken.status_code == 409 and taken.json()["code"] == "unit_code_taken"

    bad_kind = client.post(
        "/api/v1/admin/units", json={"code": "X-2", "name": "X", "name_en": "X", "kind": "bakery"}, headers=admin
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "kind"


def test_a_unit_with_staff_cannot_be_deleted(client, auth, db):
    unit_id = db.exec(select(Unit.id).where(Unit.code == "05528-KTHT")).one()
    response = client.delete(f"/api/v1/admin/units/{unit_id}", headers=auth("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "unit_in_use"


def test_categories_crud_and_public_list(client, auth):
    admin = auth("admin")
    public = client.get("/api/v1/categories").json()
    assert {c["code"] for c in public} >= {"pothole", "flooding", "street_light", "pavement_encroachment"}
    pothole = next(c for c in public if c["code"] == "pothole")
    assert pothole["name"] == "Ổ gà, hư hỏng mặt đường"
    assert pothole["group"]["code"] == "roads"

    group = client.post(
        "/api/v1/admin/category-groups",
        json={"code": "animals", "name": "Động vật", "name_en": "Animals"},
        headers=admin,
    )
    assert group.status_code == 201
    created = client.post(
        "/api/v1/admin/categories",
        json={
            "code": "stray_dogs",
            "group_code": "animals",
            "name": "Chó thả rông",
            "name_en": "Stray dogs",
            "default_priority": "high",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    category_id = created.json()["id"]
    assert "stray_dogs" in {c["code"] for c in client.get("/api/v1/categories").json()}

    retired = client.patch(f"/api/v1/admin/categories/{category_id}", json={"is_active": False}, headers=admin)
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert "stray_dogs" not in {c["code"] for c in client.get("/api/v1/categories").json()}
    assert "stray_dogs" in {c["code"] for c in client.get("/api/v1/admin/categories", headers=admin).json()}

    assert client.delete(f"/api/v1/admin/categories/{category_id}", headers=admin).status_code == 204


def test_category_errors(client, auth):
    admin = auth("admin")
    no_group = client.post(
        "/api/v1/admin/categories",
        json={"code": "x_y", "group_code": "nope", "name": "X", "name_en": "X"},
        headers=admin,
    )
    assert no_group.status_code == 422 and no_group.json()["code"] == "unknown_category_group"
    assert no_group.json()["field"] == "group_code"
    taken = client.post(
        "/api/v1/admin/categories",
        json={"code": "pothole", "group_code": "roads", "name": "X", "name_en": "X"},
        headers=admin,
    )
    assert taken.status_code == 409 and taken.json()["code"] == "category_code_taken"
    bad_priority = client.patch("/api/v1/admin/categories/1", json={"default_priority": "asap"}, headers=admin)
    assert bad_priority.status_code == 422 and bad_priority.json()["field"] == "default_priority"


def test_admin_creates_staff_who_must_belong_to_a_unit(client, auth, db):
    admin = auth("admin")
    unit_id = db.exec(select(Unit.id).where(Unit.code == "05443-DVTH")).one()
    no_unit = client.post(
        "/api/v1/admin/users",
        json={"username": "canbo.moi", "full_name": "Cán bộ mới", "password": "mat-khau-can-bo-moi", "role": "officer"},
        headers=admin,
    )
    assert no_unit.status_code == 422 and no_unit.json()["code"] == "unit_required"
    dispatcher_in_unit = client.post(
        "/api/v1/admin/users",
        json={
            "username": "dp.moi",
            "full_name": "Điều phối",
            "password": "mat-khau-can-bo-moi",
            "role": "dispatcher",
            "unit_id": unit_id,
        },
        headers=admin,
    )
    assert dispatcher_in_unit.status_code == 422 and dispatcher_in_unit.json()["code"] == "unit_not_allowed"
    created = client.post(
        "/api/v1/admin/users",
        json={
            "username": "canbo.moi",
            "full_name": "Cán bộ mới",
            "password": "mat-khau-can-bo-moi",
            "role": "officer",
            "unit_id": unit_id,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["unit"]["code"] == "05443-DVTH"
    token = client.post("/api/v1/auth/token", data={"username": "canbo.moi", "password": "mat-khau-can-bo-moi"})
    assert token.status_code == 200
    again = client.post(
        "/api/v1/admin/users",
        json={"username": "canbo.moi", "full_name": "X", "password": "mat-khau-can-bo-moi", "role": "admin"},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["code"] == "username_taken"
    found = client.get("/api/v1/admin/users", params={"q": "canbo.moi"}, headers=admin).json()
    assert found["total"] == 1


def test_promoting_an_officer_to_dispatcher_takes_them_out_of_the_unit(client, auth):
    officer_id = client.get("/api/v1/me", headers=auth("officer")).json()["id"]
    response = client.patch(f"/api/v1/admin/users/{officer_id}", json={"role": "dispatcher"}, headers=auth("admin"))
    assert response.status_code == 200
    assert response.json()["role"] == "dispatcher" and response.json()["unit"] is None


def test_a_category_with_reports_is_retired_not_deleted(client, auth):
    from tests.conftest import register_citizen
    from tests.intake.test_intake import post

    citizen = register_citizen(client)
    assert post(client, citizen).status_code == 201  # a pothole report
    pothole = next(c for c in client.get("/api/v1/categories").json() if c["code"] == "pothole")
    response = client.delete(f"/api/v1/admin/categories/{pothole['id']}", headers=auth("admin"))
    assert response.status_code == 409
    assert response.json()["code"] == "category_in_use"
