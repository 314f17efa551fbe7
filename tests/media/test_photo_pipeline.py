"""The whole photo path with real parts: API on a real port, a real Celery worker on the
`media` queue, real Redis and PostGIS, and the real photos in tests/data/photos."""

import io
import random
import time
import uuid
from fractions import Fraction

import httpx2 as httpx
import pytest
from PIL import Image, TiffImagePlugin
from sqlmodel import Session, select

from service.core.database import get_engine
from service.reports.models import Complaint, ComplaintEvent, Photo
from tests.conftest import PHOTOS, register_citizen
from tests.intake.test_intake import BACH_QUANG, complaint_json

pytestmark = pytest.mark.usefixtures("media_worker")


def submit(base_url, headers, photos, **complaint):
    files = [("photos", (path_or_name, data, "application/octet-stream")) for path_or_name, data in photos]
    with httpx.Client(base_url=base_url, timeout=60) as http:
        response = http.post(
            "/api/v1/complaints",
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": complaint_json(**complaint)},
            files=files,
        )
    assert response.status_code == 201, response.text
    return response.json()


def wait_processed(base_url, headers, complaint_id, seconds=90):
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, timeout=30) as http:
        while time.monotonic() < deadline:
            body = http.get(f"/api/v1/complaints/{complaint_id}", headers=headers).json()
            if all(p["status"] != "pending" for p in body["photos"]):
                return body
            time.sleep(0.3)
    pytest.fail(f"photos still pending after {seconds}s: {body['photos']}")


def fetch(base_url, url, headers=None) -> bytes:
    response = httpx.get(base_url + url, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def _gray(data: bytes, size=(64, 48)) -> list[int]:
    return list(Image.open(io.BytesIO(data)).convert("L").resize(size).tobytes())


def _diff(a: list[int], b: list[int]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


@pytest.mark.parametrize("shape", ["landscape", "portrait"])
def test_all_eight_orientations_come_out_upright(live_server, shape):
    headers = register_citizen(live_server)
    files = [(f"{shape}_{n}.jpg", (PHOTOS / "orientation" / f"{shape}_{n}.jpg").read_bytes()) for n in range(1, 7)]
    first = submit(live_server, headers, files)
    files = [(f"{shape}_{n}.jpg", (PHOTOS / "orientation" / f"{shape}_{n}.jpg").read_bytes()) for n in (7, 8)]
    second = submit(live_server, headers, files)
    photos = [
        *wait_processed(live_server, headers, first["id"])["photos"],
        *wait_processed(live_server, headers, second["id"])["photos"],
    ]
    assert [p["status"] for p in photos] == ["ready"] * 8
    images = [fetch(live_server, p["urls"]["large"]) for p in photos]
    reference = _gray(images[0])
    sizes = {Image.open(io.BytesIO(data)).size for data in images}
    assert len(sizes) == 1, sizes
    for n, data in enumerate(images[1:], start=2):
        assert _diff(reference, _gray(data)) < 10, f"{shape}_{n} is not upright"


def _has_metadata(data: bytes) -> list[str]:
    found = [marker for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE") if marker in data]
    image = Image.open(io.BytesIO(data))
    if len(image.getexif()):
        found.append("getexif")
    found += [key for key in ("exif", "icc_profile", "xmp", "comment") if key in image.info]
    return found


def test_gps_is_read_and_no_metadata_reaches_the_public(live_server, auth_headers_for):
    headers = register_citizen(live_server)
    names = sorted(p.name for p in (PHOTOS / "gps").glob("*.jpg"))[:6]
    originals = {name: (PHOTOS / "gps" / name).read_bytes() for name in names}
    assert all(b"Exif\x00\x00" in data for data in originals.values())  # so the check below can fail
    report = submit(live_server, headers, list(originals.items()))
    body = wait_processed(live_server, headers, report["id"])
    for photo in body["photos"]:
        assert photo["status"] == "ready"
        assert photo["urls"]["original"] is None  # the citizen is not staff
        for variant in ("large", "thumb"):
            assert _has_metadata(fetch(live_server, photo["urls"][variant])) == []
    with Session(get_engine()) as session:
        rows = session.exec(select(Photo).where(Photo.complaint_id == uuid.UUID(report["id"]))).all()
        assert all(r.gps_lat is not None and r.gps_lon is not None for r in rows)
        complaint = session.get(Complaint, uuid.UUID(report["id"]))
        # Those cameras were in Europe, the report is in Thái Nguyên: flagged, not refused.
        assert complaint.location_mismatch is True
        assert complaint.status == "assigned"
    officer = auth_headers_for("officer")
    staff = httpx.get(f"{live_server}/api/v1/complaints/{report['id']}", headers=officer).json()
    assert "location_mismatch" in staff["flags"]
    original = fetch(live_server, staff["photos"][0]["urls"]["original"], officer)  # in their session only
    assert original == originals[names[0]]  # staff get the untouched original


def _with_gps(lat: float, lon: float) -> bytes:
    def dms(value: float):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
        return tuple(TiffImagePlugin.IFDRational(x) for x in (degrees, minutes, seconds))

    image = Image.open(PHOTOS / "orientation" / "landscape_1.jpg")
    exif = image.getexif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_taken_at_the_spot_is_not_flagged(live_server):
    headers = register_citizen(live_server)
    near = _with_gps(BACH_QUANG["lat"] + 0.001, BACH_QUANG["lon"])  # about 110 m north
    report = submit(live_server, headers, [("here.jpg", near)])
    wait_processed(live_server, headers, report["id"])
    with Session(get_engine()) as session:
        photo = session.exec(select(Photo).where(Photo.complaint_id == uuid.UUID(report["id"]))).one()
        assert photo.gps_lat == pytest.approx(BACH_QUANG["lat"] + 0.001, abs=1e-5)
        assert session.get(Complaint, uuid.UUID(report["id"])).location_mismatch is False


def test_the_same_picture_from_another_citizen_is_flagged_as_reused(live_server):
    photo = (PHOTOS / "cameras" / "fujifilm-dx10.jpg").read_bytes()
    first_citizen, second_citizen = register_citizen(live_server), register_citizen(live_server)
    first = submit(live_server, first_citizen, [("mine.jpg", photo)])
    wait_processed(live_server, first_citizen, first["id"])
    # Re-encoded smaller, as a copied picture usually is.
    copy = io.BytesIO()
    Image.open(io.BytesIO(photo)).resize((400, 300)).save(copy, format="JPEG", quality=70)
    second = submit(live_server, second_citizen, [("copied.jpg", copy.getvalue())])
    wait_processed(live_server, second_citizen, second["id"])
    with Session(get_engine()) as session:
        assert session.get(Complaint, uuid.UUID(first["id"])).reused_photo is False
        assert session.get(Complaint, uuid.UUID(second["id"])).reused_photo is True
        event = session.exec(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == uuid.UUID(second["id"]), ComplaintEvent.action == "reused_photo"
            )
        ).one()
        assert event.data["other_code"] == first["code"]
        assert event.public is False
    # The same citizen sending their own picture twice is not "reuse".
    third = submit(live_server, first_citizen, [("mine-again.jpg", photo)], description="Vẫn chưa sửa")
    wait_processed(live_server, first_citizen, third["id"])
    with Session(get_engine()) as session:
        assert session.get(Complaint, uuid.UUID(third["id"])).reused_photo is False


def test_a_photo_that_cannot_be_decoded_is_marked_failed_with_its_reason(live_server):
    headers = register_citizen(live_server)
    data = bytearray((PHOTOS / "gps" / "DSCN0012.jpg").read_bytes())
    # Scramble the compressed data but keep the header and the end marker intact, so only
    # a real decode can tell. (Zeroed bytes would decode to grey without an error.)
    middle = len(data) // 2
    data[middle : middle + 4000] = random.Random(7).randbytes(4000)
    report = submit(
        live_server,
        headers,
        [("broken.jpg", bytes(data)), ("fine.jpg", (PHOTOS / "gps" / "DSCN0021.jpg").read_bytes())],
    )
    body = wait_processed(live_server, headers, report["id"])
    broken, fine = body["photos"]
    assert broken["status"] == "failed" and broken["failure_reason"].startswith("photo_corrupt")
    assert broken["urls"] is None
    assert fine["status"] == "ready"
    assert "photo_failed" in [entry["action"] for entry in body["timeline"]]


def test_signed_urls_cannot_be_forged_or_used_for_originals(live_server):
    headers = register_citizen(live_server)
    report = submit(live_server, headers, [("a.jpg", (PHOTOS / "gps" / "DSCN0025.jpg").read_bytes())])
    photo = wait_processed(live_server, headers, report["id"])["photos"][0]
    large = photo["urls"]["large"]
    assert httpx.get(live_server + large).status_code == 200
    forged_variant = large.replace("/large?", "/original?")
    tampered = large[:-4] + ("0000" if not large.endswith("0000") else "1111")
    for url in (forged_variant, tampered, large.split("?")[0] + "?expires=1&signature=00"):
        response = httpx.get(live_server + url)
        assert response.status_code == 403 and response.json()["code"] == "invalid_photo_url"


def test_a_photo_whose_task_was_lost_is_sent_again_by_the_sweep(client, db):
    """Redis down when the report committed: the task never left. The photo row is the
    record; beat's sweep finds it pending past the grace period, and only then."""
    from datetime import timedelta

    from service.core.timeutil import utcnow
    from service.media.service import stranded
    from tests.workflow.test_handling_dispatch import new_report

    report = new_report(client)
    photo = db.exec(select(Photo).where(Photo.complaint_id == uuid.UUID(report["id"]))).one()
    grace = utcnow() - timedelta(minutes=10)
    assert photo.status == "pending" and photo.id not in stranded(session=db, older_than=grace)
    photo.created_at = utcnow() - timedelta(minutes=11)
    db.add(photo)
    db.flush()
    assert photo.id in stranded(session=db, older_than=grace)
    photo.status = "ready"
    db.add(photo)
    db.flush()
    assert photo.id not in stranded(session=db, older_than=grace)
