"""Example payloads for every mobile endpoint, in mobile_contract/examples/.

Each example is a real exchange with the app. The test checks every example against the
committed OpenAPI document and that every mobile endpoint has one. To record them again
after an API change: ``PHANANH_RECORD_EXAMPLES=1 .venv/bin/pytest tests/mobile_contract/test_mobile_examples.py``.
"""

import json
import os
import uuid
from typing import Any

import jsonschema
import pytest

from mobile_contract import CONTRACT_DIR, committed_schema
from tests.conftest import PHOTOS
from tests.intake.test_intake import complaint_json

EXAMPLES = CONTRACT_DIR / "examples"
RECORD = os.environ.get("PHANANH_RECORD_EXAMPLES") == "1"

# What the phone app calls; admin routes are for the web console, not this contract.
MOBILE_OPERATIONS = [
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/token",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "GET /api/v1/me",
    "PATCH /api/v1/me",
    "GET /api/v1/categories",
    "GET /api/v1/areas",
    "GET /api/v1/areas/{code}",
    "POST /api/v1/complaints",
    "GET /api/v1/complaints/mine",
    "GET /api/v1/complaints/{complaint_id}",
]
_SECRET_FIELDS = {"access_token", "refresh_token"}


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<" + k + ">" if k in _SECRET_FIELDS else _redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _write(name: str, operation: str, status: int, request: Any, response: Any, note: str | None = None) -> None:
    example = {"operation": operation, "status": status}
    if note:
        example["note"] = note
    if request is not None:
        example["request"] = _redact(request)
    if response is not None:
        example["response"] = _redact(response)
    text = json.dumps(example, ensure_ascii=False, indent=2) + "\n"
    (EXAMPLES / f"{name}.json").write_text(text, encoding="utf-8")


@pytest.mark.skipif(not RECORD, reason="records the examples only when PHANANH_RECORD_EXAMPLES=1")
def test_record_examples(client):
    phone = "0976543210"
    register = {"phone": phone, "password": "mat-khau-cua-toi", "full_name": "Đặng Thu Trang", "language": "vi"}
    r = client.post("/api/v1/auth/register", json=register)
    _write("register", "POST /api/v1/auth/register", r.status_code, register, r.json())
    r = client.post("/api/v1/auth/register", json=register)
    _write("register.phone_taken", "POST /api/v1/auth/register", r.status_code, register, r.json())
    form = {"username": phone, "password": "mat-khau-cua-toi"}
    r = client.post("/api/v1/auth/token", data=form)
    tokens = r.json()
    _write(
        "token",
        "POST /api/v1/auth/token",
        r.status_code,
        {"form": form},
        tokens,
        note="application/x-www-form-urlencoded; username is the phone number in any common format",
    )
    r = client.post("/api/v1/auth/token", data={**form, "password": "sai-mat-khau"})
    _write(
        "token.invalid_credentials",
        "POST /api/v1/auth/token",
        r.status_code,
        {"form": {**form, "password": "…"}},
        r.json(),
    )
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    fresh = r.json()
    _write("refresh", "POST /api/v1/auth/refresh", r.status_code, {"refresh_token": "<refresh_token>"}, fresh)
    headers = {"Authorization": f"Bearer {fresh['access_token']}"}
    r = client.get("/api/v1/me", headers=headers)
    _write("me", "GET /api/v1/me", r.status_code, None, r.json())
    r = client.patch("/api/v1/me", json={"language": "en"}, headers=headers)
    _write("me.update", "PATCH /api/v1/me", r.status_code, {"language": "en"}, r.json())
    r = client.get("/api/v1/categories")
    _write("categories", "GET /api/v1/categories", r.status_code, None, r.json()[:3], note="first three of the list")
    r = client.get("/api/v1/areas", params={"lat": 21.5063, "lon": 105.868})
    _write("areas.at_point", "GET /api/v1/areas", r.status_code, {"query": {"lat": 21.5063, "lon": 105.868}}, r.json())
    r = client.get("/api/v1/areas", params={"lat": 20.3, "lon": 107.2})
    _write("areas.outside", "GET /api/v1/areas", r.status_code, {"query": {"lat": 20.3, "lon": 107.2}}, r.json())
    r = client.get("/api/v1/areas/05528")
    _write("area", "GET /api/v1/areas/{code}", r.status_code, None, r.json())

    part = json.loads(complaint_json())
    photo = (PHOTOS / "gps" / "DSCN0010.jpg").read_bytes()
    key = str(uuid.UUID(int=123456789))
    submit_headers = {**headers, "Idempotency-Key": key}
    r = client.post(
        "/api/v1/complaints",
        headers=submit_headers,
        data={"complaint": json.dumps(part, ensure_ascii=False)},
        files=[("photos", ("IMG_0042.jpg", photo, "image/jpeg"))],
    )
    created = r.json()
    multipart = {"headers": {"Idempotency-Key": key}, "complaint": part, "photos": ["IMG_0042.jpg (image/jpeg)"]}
    _write(
        "complaint.submit",
        "POST /api/v1/complaints",
        r.status_code,
        multipart,
        created,
        note="multipart/form-data: part 'complaint' is JSON, parts 'photos' are the image files",
    )
    r = client.post(
        "/api/v1/complaints",
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        data={"complaint": json.dumps(part)},
        files=[("photos", ("scan.jpg", b"%PDF-1.7", "image/jpeg"))],
    )
    _write(
        "complaint.submit.not_an_image",
        "POST /api/v1/complaints",
        r.status_code,
        {**multipart, "photos": ["scan.jpg (a PDF)"]},
        r.json(),
    )
    r = client.get("/api/v1/complaints/mine", headers=headers)
    _write("complaints.mine", "GET /api/v1/complaints/mine", r.status_code, None, r.json())
    r = client.get(f"/api/v1/complaints/{created['id']}", headers=headers)
    _write("complaint", "GET /api/v1/complaints/{complaint_id}", r.status_code, None, r.json())
    r = client.post("/api/v1/auth/logout", json={"refresh_token": fresh["refresh_token"]})
    _write("logout", "POST /api/v1/auth/logout", r.status_code, {"refresh_token": "<refresh_token>"}, None)


def _examples() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) | {"file": p.name} for p in sorted(EXAMPLES.glob("*.json"))]


def test_every_mobile_endpoint_has_an_example():
    covered = {example["operation"] for example in _examples()}
    assert set(MOBILE_OPERATIONS) - covered == set()


def _validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


@pytest.mark.parametrize("example", _examples(), ids=lambda e: e["file"])
def test_each_example_matches_the_contract(example):
    document = committed_schema()
    method, path = example["operation"].split(" ", 1)
    operation = document["paths"][path][method.lower()]
    response = operation["responses"][str(example["status"])]
    if "response" in example:
        schema = response["content"]["application/json"]["schema"]
        _validator(document, schema).validate(example["response"])
    request = example.get("request")
    body = operation.get("requestBody", {}).get("content", {})
    if request is not None and "application/json" in body:
        _validator(document, body["application/json"]["schema"]).validate(request)
    if request is not None and "multipart/form-data" in body:
        part = body["multipart/form-data"]["schema"]["properties"]["complaint"]
        _validator(document, part).validate(request["complaint"])
