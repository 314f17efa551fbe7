"""Report intake through the public API: the happy path, resends, and every refusal."""

import io
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from service.core.settings import get_settings
from service.media.storage import LocalStorage
from service.media.uploads import put_for_transaction
from service.reports.models import Complaint, Photo
from tests.conftest import PHOTOS, register_citizen

BACH_QUANG = {"lat": 21.5063, "lon": 105.8680}
JPEG = (PHOTOS / "gps" / "DSCN0010.jpg").read_bytes()


def media_files() -> set[Path]:
    root = get_settings().data_dir / "media"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def complaint_json(**overrides):
    body = {
        "category_code": "pothole",
        "description": "Ổ gà lớn trước số 12 đường Cách Mạng Tháng Tám, xe máy dễ ngã.",
        **BACH_QUANG,
        "accuracy_m": 8,
        "address": "12 Cách Mạng Tháng Tám",
        "captured_at": "2026-11-21T08:15:00+07:00",
        "visibility": "public",
        **overrides,
    }
    return json.dumps(body, ensure_ascii=False)


def post(http, headers, *, photos=None, complaint=None, key=None):
    photos = [("pothole.jpg", JPEG)] if photos is None else photos
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    data = {"complaint": complaint if complaint is not None else complaint_json()}
    extra = {"Idempotency-Key": key} if key is not False else {}
    if key is None:
        extra["Idempotency-Key"] = str(uuid.uuid4())
    return http.post("/api/v1/complaints", headers={**headers, **extra}, data=data, files=files or None)


@pytest.fixture
def citizen(client):
    return register_citizen(client)


def test_a_report_is_taken_in_with_its_photos(client, citizen, db):
    before = media_files()
    response = post(client, citizen, photos=[("a.jpg", JPEG), ("b.png", _png())])
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"PA-20\d\d-\d{6}", body["code"])
    # Passed at once to the ward's infrastructure office, whose officers handle potholes.
    assert body["status"] == "assigned"
    assert body["unit"]["code"] == "05528-KTHT"
    assert body["area"]["code"] == "05528"
    assert body["category"]["code"] == "pothole"
    assert body["is_mine"] is True
    assert [p["status"] for p in body["photos"]] == ["pending", "pending"]
    assert [entry["action"] for entry in body["timeline"]] == ["submitted", "assigned"]
    assert body["submitted_at"].endswith("+07:00")
    # The bytes are on disk (durably: the request returned after fsync) and recorded.
    assert len(media_files() - before) == 2
    rows = db.exec(select(Photo).where(Photo.complaint_id == uuid.UUID(body["id"]))).all()
    assert sorted(r.content_type for r in rows) == ["image/jpeg", "image/png"]


def test_the_same_key_and_content_returns_the_same_report(client, citizen, db):
    key = str(uuid.uuid4())
    first = post(client, citizen, key=key)
    again = post(client, citizen, key=key)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.exec(select(func.count()).select_from(Complaint).where(Complaint.idempotency_key == key)).one() == 1


def test_the_same_key_with_other_content_is_409(client, citizen):
    key = str(uuid.uuid4())
    assert post(client, citizen, key=key).status_code == 201
    files_before = media_files()
    other = post(client, citizen, key=key, complaint=complaint_json(description="Khác hẳn"))
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert media_files() == files_before


def test_twenty_concurrent_resends_make_exactly_one_report(live_server):
    headers = register_citizen(live_server)
    key = str(uuid.uuid4())

    def send(_):
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return post(http, headers, key=key)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(send, range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    with httpx.Client(base_url=live_server) as http:
        mine = http.get("/api/v1/complaints/mine", headers=headers).json()
    assert mine["total"] == 1
    assert len(mine["items"]) == 1


def _png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _huge_header_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 MP of nothing: tiny file
    return buffer.getvalue()


BAD_INPUTS = [
    pytest.param(
        {"complaint": complaint_json(category_code="unicorns")},
        422,
        "unknown_category",
        "complaint.category_code",
        id="unknown-category",
    ),
    pytest.param(
        {"complaint": complaint_json(lat=20.3, lon=107.2)},
        422,
        "outside_service_area",
        "complaint.lat",
        id="outside-every-ward",
    ),
    pytest.param({"photos": []}, 422, "missing_photo", "photos", id="missing-photo"),
    pytest.param({"photos": [("p.jpg", JPEG)] * 7}, 422, "too_many_photos", "photos", id="too-many-photos"),
    pytest.param(
        {"photos": [("big.jpg", b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024))]},
        422,
        "photo_too_large",
        "photos[0]",
        id="over-10-MB",
    ),
    pytest.param(
        {"photos": [("ok.jpg", JPEG), ("huge.png", _huge_header_png())]},
        422,
        "photo_too_many_pixels",
        "photos[1]",
        id="over-40-megapixels",
    ),
    pytest.param(
        {"photos": [("notes.jpg", b"%PDF-1.7 this is a document, not a photo")]},
        422,
        "unsupported_photo_type",
        "photos[0]",
        id="not-an-image-named-jpg",
    ),
    pytest.param({"photos": [("half.jpg", JPEG[: len(JPEG) // 2])]}, 422, "photo_corrupt", "photos[0]", id="truncated"),
    pytest.param(
        {"photos": [("junk.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37" * 500)]},
        422,
        "photo_corrupt",
        "photos[0]",
        id="corrupt-header",
    ),
    pytest.param(
        {"complaint": complaint_json(description="x" * 4001)},
        422,
        "validation_error",
        "complaint.description",
        id="description-too-long",
    ),
    pytest.param({"complaint": complaint_json(lat=95)}, 422, "validation_error", "complaint.lat", id="lat-95"),
    pytest.param({"complaint": "{not json"}, 422, "invalid_json", "complaint", id="not-json"),
    pytest.param({"key": False}, 400, "idempotency_key_required", "Idempotency-Key", id="no-idempotency-key"),
]


@pytest.mark.parametrize(("kwargs", "status", "code", "field"), BAD_INPUTS)
def test_bad_input_is_refused_clearly_and_leaves_nothing_behind(client, citizen, db, kwargs, status, code, field):
    files_before = media_files()
    complaints_before = db.exec(select(func.count()).select_from(Complaint)).one()
    photos_before = db.exec(select(func.count()).select_from(Photo)).one()
    response = post(client, citizen, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["field"] == field
    assert body["message"] and body["message_en"]
    if field.startswith("photos["):
        index = int(field[7])
        assert body["file"] == kwargs["photos"][index][0]
    assert db.exec(select(func.count()).select_from(Complaint)).one() == complaints_before
    assert db.exec(select(func.count()).select_from(Photo)).one() == photos_before
    assert media_files() == files_before


def test_only_citizens_submit(client, auth):
    response = post(client, auth("officer"))
    assert response.status_code == 403
    assert post(client, {}).status_code == 401


def test_stored_bytes_are_removed_when_the_transaction_rolls_back(db, tmp_path):
    storage = LocalStorage(tmp_path)
    put_for_transaction(db, storage, "originals/kept", b"kept", content_type="image/jpeg")
    db.commit()
    put_for_transaction(db, storage, "originals/dropped", b"dropped", content_type="image/jpeg")
    db.rollback()
    assert storage.exists("originals/kept")
    assert not storage.exists("originals/dropped")


def test_my_reports_are_mine_only_newest_first_and_paged(client, citizen):
    other = register_citizen(client)
    codes = [
        post(client, citizen, complaint=complaint_json(description=f"Báo cáo {i}")).json()["code"] for i in range(3)
    ]
    post(client, other)
    page = client.get("/api/v1/complaints/mine", params={"limit": 2}, headers=citizen).json()
    assert page["total"] == 3
    assert [item["code"] for item in page["items"]] == codes[::-1][:2]
    rest = client.get("/api/v1/complaints/mine", params={"limit": 2, "offset": 2}, headers=citizen).json()
    assert [item["code"] for item in rest["items"]] == codes[:1]


def test_who_sees_a_report(client, citizen, auth):
    public = post(client, citizen).json()
    private = post(client, citizen, complaint=complaint_json(visibility="private")).json()
    stranger = register_citizen(client)

    for report in (public, private):
        mine = client.get(f"/api/v1/complaints/{report['id']}", headers=citizen).json()
        assert mine["is_mine"] and mine["reporter"] is None and mine["flags"] is None
        staff = client.get(f"/api/v1/complaints/{report['id']}", headers=auth("officer")).json()
        assert staff["reporter"]["phone"].startswith("+84") and staff["flags"] == []

    for headers in (stranger, {}):
        seen = client.get(f"/api/v1/complaints/{public['id']}", headers=headers)
        assert seen.status_code == 200
        assert seen.json()["is_mine"] is False
        assert seen.json()["reporter"] is None
        assert "+84" not in seen.text and "Người dân thử nghiệm" not in seen.text
        hidden = client.get(f"/api/v1/complaints/{private['id']}", headers=headers)
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_the_report_is_committed_before_the_answer_is_sent(live_server):
    """A phone that gets 201 and immediately asks for the report must find it."""
    headers = register_citizen(live_server)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        for _ in range(10):
            created = post(http, headers)
            assert created.status_code == 201
            assert http.get(f"/api/v1/complaints/{created.json()['id']}", headers=headers).status_code == 200


def test_an_iphone_heic_photo_is_accepted(client, citizen):
    buffer = io.BytesIO()
    Image.open(PHOTOS / "orientation" / "portrait_1.jpg").save(buffer, format="HEIF", quality=80)
    response = post(client, citizen, photos=[("IMG_1234.HEIC", buffer.getvalue())])
    assert response.status_code == 201, response.text
    assert response.json()["photos"][0]["status"] == "pending"
