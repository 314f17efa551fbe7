"""Nearby open reports: the resident's "someone already reported this", and the
officer's duplicate candidates. Real distances on PostGIS geography."""

import math

from tests.conftest import register_citizen
from tests.routing.test_routing import send

# In Phường Phan Đình Phùng, away from the Bách Quang point where other files' live
# tests leave committed reports.
BASE = (21.5941, 105.8422)


def moved(metres_north: float) -> tuple[float, float]:
    return BASE[0] + metres_north / 111_320, BASE[1]


def nearby(client, category: str, point, headers=None):
    response = client.get(
        "/api/v1/complaints/nearby",
        params={"lat": point[0], "lon": point[1], "category_code": category},
        headers=headers or {},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_resident_sees_open_reports_of_the_same_kind_within_the_category_radius(client):
    citizen = register_citizen(client)
    report = send(client, citizen, category="pothole", lat=BASE[0], lon=BASE[1])
    close = nearby(client, "pothole", moved(20))
    assert [r["code"] for r in close] == [report["code"]]
    assert math.isclose(close[0]["distance_m"], 20, abs_tol=1)
    # Potholes count within 50 m; a damaged pavement is the same group (roads).
    assert nearby(client, "pothole", moved(80)) == []
    assert [r["code"] for r in nearby(client, "damaged_pavement", moved(20))] == [report["code"]]
    # Flooding is another group, however close.
    assert nearby(client, "flooding", moved(5)) == []


def test_nearby_shows_no_one_elses_private_reports_and_no_personal_data(client, auth):
    owner, stranger = register_citizen(client), register_citizen(client)
    public = send(client, owner, category="street_light", lat=BASE[0], lon=BASE[1])
    hidden = send(client, owner, category="street_light", lat=BASE[0], lon=BASE[1], visibility="private")
    for_stranger = {r["code"] for r in nearby(client, "street_light", BASE, stranger)}
    assert public["code"] in for_stranger and hidden["code"] not in for_stranger
    assert {r["code"] for r in nearby(client, "street_light", BASE)} == for_stranger  # anonymous
    assert hidden["code"] in {r["code"] for r in nearby(client, "street_light", BASE, owner)}
    assert hidden["code"] in {r["code"] for r in nearby(client, "street_light", BASE, auth("dispatcher"))}
    text = str(nearby(client, "street_light", BASE))
    assert "+84" not in text and "Người dân" not in text


def test_staff_who_need_to_know_see_duplicate_candidates_nearest_first(client, auth):
    citizen = register_citizen(client)
    far = send(client, citizen, category="flooding", lat=moved(150)[0], lon=BASE[1])
    near = send(client, citizen, category="flooding", lat=moved(30)[0], lon=BASE[1])
    out_of_radius = send(client, citizen, category="flooding", lat=moved(400)[0], lon=BASE[1])
    new = send(client, citizen, category="flooding", lat=BASE[0], lon=BASE[1])
    staff = client.get(f"/api/v1/complaints/{new['id']}", headers=auth("dispatcher")).json()
    assert [c["code"] for c in staff["duplicate_candidates"]] == [near["code"], far["code"]]
    assert out_of_radius["code"] not in str(staff["duplicate_candidates"])
    citizen_view = client.get(f"/api/v1/complaints/{new['id']}", headers=citizen).json()
    assert citizen_view["duplicate_candidates"] is None


def test_unknown_category_for_nearby_is_422(client):
    response = client.get("/api/v1/complaints/nearby", params={"lat": 21.5, "lon": 105.8, "category_code": "nope"})
    assert response.status_code == 422 and response.json()["code"] == "unknown_category"
