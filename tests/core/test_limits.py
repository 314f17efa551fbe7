"""Bodies bounded before they are read, and JSON bounded in depth, on the real app on a real
port (uvicorn): a 1 GB body is sent over a raw socket, as an attacker would, to see how
much of it the server takes before it answers."""

import json
import os
import select
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import select as sql_select

from service.core.database import get_engine
from service.core.limits import UPLOAD_ROUTES, json_too_deep, upload_route
from service.core.settings import get_settings
from service.media.imaging import MAX_BYTES
from service.media.uploads import MAX_PHOTOS
from service.reports.models import Complaint
from tests.conftest import DATA_DIR, PHOTOS, register_citizen
from tests.intake.test_intake import complaint_json

GB = 1024**3
MB = 1024**2
CHUNK = b"\0" * (256 * 1024)
BOUNDARY = "phananh-limit-test"


def complaints() -> int:
    with Session(get_engine()) as session:
        return session.exec(sql_select(func.count()).select_from(Complaint)).one()


def stored_files() -> set[str]:
    return {os.path.join(root, name) for root, _, names in os.walk(DATA_DIR) for name in names}


def open_temp_files() -> set[str]:
    """Files this process (the test and the server in its thread) holds open in the temp
    directory: Starlette spools uploads to unnamed temporary files there."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(tempfile.gettempdir()):
            found.add(target)
    return found


def _framed(chunks: Iterator[bytes], *, chunked: bool) -> Iterator[bytes]:
    for chunk in chunks:
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk


def gigabyte() -> Iterator[bytes]:
    # A multipart body whose one photo never ends.
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    for _ in range(GB // len(CHUNK)):
        yield CHUNK


class Answer:
    def __init__(self, raw: bytes, sent: int, seconds: float) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if lines[0] else 0
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.sent = sent
        self.seconds = seconds

    def json(self) -> dict:
        return json.loads(self.body)


def send_raw(
    base_url: str, path: str, headers: dict[str, str], body: Iterator[bytes], *, seconds: float = 20
) -> Answer:
    """Send the body for as long as the server takes it, and stop as soon as it answers:
    what was sent by then bounds what the server read."""
    url = urlsplit(base_url)
    chunked = "Content-Length" not in headers
    head = f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else "\r\n"
    started = time.monotonic()
    sent = 0
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        pending = b""
        frames = _framed(body, chunked=chunked)
        while time.monotonic() - started < seconds:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                break
            if not writable:
                continue
            if not pending:
                pending = next(frames, b"")
                if not pending:
                    break
            try:
                n = sock.send(pending)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += n
            pending = pending[n:]
        sock.setblocking(True)
        sock.settimeout(10)
        raw = b""
        try:
            while chunk := sock.recv(65536):
                raw += chunk
                if b"\r\n\r\n" in raw and len(raw.partition(b"\r\n\r\n")[2]) >= int(
                    Answer(raw, 0, 0).headers.get("content-length", "0")
                ):
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    return Answer(raw, sent, time.monotonic() - started)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize(
    ("declared", "status", "code"),
    [
        (GB, 413, "payload_too_large"),  # its Content-Length is over the limit: that first
        (3 * MB, 401, "not_authenticated"),  # a photo's honest size, from nobody
        (None, 401, "not_authenticated"),  # chunked: no size said
    ],
    ids=["gigabyte-declared", "megabytes-declared", "chunked"],
)
def test_an_anonymous_upload_is_refused_before_it_is_read(
    live_server: str, declared: int | None, status: int, code: str
) -> None:
    rows, files, temp = complaints(), stored_files(), open_temp_files()
    headers = {"Content-Type": MULTIPART, "Idempotency-Key": str(uuid.uuid4())}
    if declared is not None:
        headers["Content-Length"] = str(declared)
    answer = send_raw(live_server, "/api/v1/complaints", headers, gigabyte())
    assert answer.status == status, answer.body[:300]
    assert answer.json()["code"] == code
    if status == 401:
        assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.seconds < 2
    # What the kernel's socket buffers took before the answer: the app read none of it.
    assert answer.sent < 8 * MB
    assert (complaints(), stored_files(), open_temp_files()) == (rows, files, temp)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_logged_in_gigabyte_is_cut_off_at_the_upload_limit(live_server: str, declared: bool) -> None:
    citizen = register_citizen(live_server)
    rows, files, temp = complaints(), stored_files(), open_temp_files()
    headers = {**citizen, "Content-Type": MULTIPART, "Idempotency-Key": str(uuid.uuid4())}
    if declared:
        headers["Content-Length"] = str(GB)
    answer = send_raw(live_server, "/api/v1/complaints", headers, gigabyte())
    limit = get_settings().max_upload_body_bytes
    assert answer.status == 413, answer.body[:300]
    body = answer.json()
    assert body["code"] == "payload_too_large" and body["field"] == "body"
    assert f"{limit // MB} MB" in body["message"] and f"{limit // MB} MB" in body["message_en"]
    assert answer.seconds < 5
    if declared:
        assert answer.sent < 8 * MB  # refused on its Content-Length
    else:
        assert answer.sent < limit + 8 * MB  # counted as it came, and stopped once over
    assert (complaints(), stored_files(), open_temp_files()) == (rows, files, temp)


def test_a_citizens_three_photos_still_go_through(live_server: str) -> None:
    citizen = register_citizen(live_server)
    photos = sorted((PHOTOS / "phone").glob("*.jpg")) + sorted((PHOTOS / "gps").glob("*.jpg"))
    files = [("photos", (p.name, p.read_bytes(), "image/jpeg")) for p in photos[:3]]
    with httpx.Client(base_url=live_server, timeout=60) as http:
        response = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": complaint_json()},
            files=files,
        )
    assert response.status_code == 201, response.text
    assert len(response.json()["photos"]) == 3


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_json_body_over_a_megabyte_is_refused(live_server: str, declared: bool) -> None:
    citizen = register_citizen(live_server)
    big = json.dumps({"kind": "spam", "reason": "x" * (2 * MB)}).encode()
    headers = {**citizen, "Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(len(big))
    path = f"/api/v1/complaints/{uuid.uuid4()}/actions/reject"
    answer = send_raw(live_server, path, headers, iter([big[i : i + 65536] for i in range(0, len(big), 65536)]))
    assert answer.status == 413, answer.body[:300]
    assert answer.json()["code"] == "payload_too_large"
    assert answer.json()["field"] == "body"
    assert "1 MB" in answer.json()["message"]


def test_the_upload_limit_has_room_for_every_photo() -> None:
    settings = get_settings()
    assert settings.max_upload_body_bytes > MAX_PHOTOS * MAX_BYTES
    assert settings.max_body_bytes < settings.max_upload_body_bytes


def test_every_route_that_takes_files_has_the_upload_limit(database: str) -> None:
    """A new route with a file parameter would otherwise get the small limit and refuse
    every honest upload: the list in service/core/limits.py must know it."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from service.main import app

    taking_files = set()
    for context in iter_route_contexts(app.routes):  # included routers, with their prefixes
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        if any("UploadFile" in str(field.field_info.annotation) for field in route.dependant.body_params):
            for method in context.methods or ():
                taking_files.add((method, context.path_format))
    assert taking_files, "no route takes files?"
    for method, path in taking_files:
        example = path.replace("{complaint_id}", str(uuid.uuid4())).replace("{action}", "resolve")
        assert upload_route(method, example), (method, path)
    # And nothing listed that is not a route any more.
    assert len(UPLOAD_ROUTES) == len({(m, p) for m, p in taking_files})


@pytest.mark.parametrize("levels", [33, 1_000, 100_000])
def test_json_nested_too_deep_is_refused_in_a_json_body(live_server: str, levels: int) -> None:
    citizen = register_citizen(live_server)
    deep = "[" * levels + "]" * levels
    with httpx.Client(base_url=live_server, timeout=30) as http:
        for body in (deep, '{"reason": ' + deep + "}"):
            response = http.post(
                f"/api/v1/complaints/{uuid.uuid4()}/actions/reject",
                headers={**citizen, "Content-Type": "application/json"},
                content=body,
            )
            assert response.status_code == 422, response.text
            assert response.json()["code"] == "json_too_deep"
            assert response.json()["field"] == "body"


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_json_nested_too_deep_is_refused_in_the_complaint_part(live_server: str, levels: int) -> None:
    citizen = register_citizen(live_server)
    rows = complaints()
    part = json.loads(complaint_json())
    deep = json.dumps(part)[:-1] + ', "extra": ' + "{" + '"a": {' * (levels - 1) + "}" * levels + "}"
    with httpx.Client(base_url=live_server, timeout=30) as http:
        response = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": deep},
            files=[("photos", ("a.jpg", (PHOTOS / "gps" / "DSCN0010.jpg").read_bytes(), "image/jpeg"))],
        )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "json_too_deep"
    assert response.json()["field"] == "complaint"
    assert complaints() == rows


def test_json_within_the_depth_passes(live_server: str) -> None:
    """32 levels is not too deep: the body reaches the route, whose validation answers."""
    nested = "[" * 31 + "]" * 31
    with httpx.Client(base_url=live_server, timeout=30) as http:
        response = http.post(
            "/api/v1/auth/register",
            headers={"Content-Type": "application/json"},
            content='{"phone": ' + nested + ', "password": "mat-khau-dai-du", "full_name": "A"}',
        )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"  # a list is no phone: pydantic says so


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[]", False),
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
        ('{"a": "' + "[" * 100 + '"}', False),  # brackets in a string are text
        ('{"a": "\\"' + "[" * 100 + '"}', False),  # an escaped quote does not end the string
        ("]" * 100 + "[" * 10, False),  # not JSON, and not deep: the parser says what it is
        ("[{" * 20 + "}]" * 20, True),  # 40 levels, however the kinds alternate
        ("[" * 20 + "[]" * 1000 + "]" * 20, False),  # wide, not deep
        ("[" * 100_000 + "]" * 100_000, True),
    ],
)
def test_json_depth_is_measured_without_parsing(text: str, deep: bool) -> None:
    assert json_too_deep(text, limit=32) is deep
    assert json_too_deep(text.encode(), limit=32) is deep
