"""Every answer carries the security headers: API answers, errors, photos, static files,
console pages and the docs; a response's own Content-Security-Policy is kept."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.core.headers import HSTS, SECURITY_HEADERS
from service.core.settings import get_settings
from tests.workflow.test_handling_dispatch import new_report

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def has_security_headers(response, *, csp: str | None = "frame-ancestors 'none'") -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    if csp is not None:
        assert response.headers.get("content-security-policy") == csp
    assert "strict-transport-security" not in response.headers  # not production


def test_an_api_answer(client: TestClient) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    has_security_headers(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/complaints/mine", 401),
        ("get", "/api/v1/no-such-thing", 404),
        ("post", "/api/v1/auth/register", 422),
    ],
)
def test_an_error(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, json={} if method == "post" else None)
    assert response.status_code == status, response.text
    assert response.json()["code"]
    has_security_headers(response)


def test_a_refused_body(client: TestClient) -> None:
    """Refused by the body limit, before the app: the headers are there all the same."""
    response = client.post("/api/v1/complaints", content=b"x", headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 401
    has_security_headers(response)
    response = client.post("/api/v1/auth/register", content=b"[" * 100 + b"]" * 100)
    assert response.json()["code"] == "json_too_deep"
    has_security_headers(response)


def test_a_photo(client: TestClient, db) -> None:
    report = new_report(client)
    # The photo worker is not running here: the upload stands in for its derivatives.
    db.exec(
        text(
            "UPDATE photos SET status = 'ready', large_key = original_key, thumb_key = original_key WHERE complaint_id = :id"
        ),
        params={"id": report["id"]},
    )
    db.commit()
    urls = client.get(f"/api/v1/complaints/{report['id']}", headers=report["headers"]).json()["photos"][0]["urls"]
    response = client.get(urls["thumb"])  # a public report's thumbnail: anonymous
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    has_security_headers(response)


def test_a_static_file(client: TestClient) -> None:
    response = client.get("/web/static/app.css")
    assert response.status_code == 200
    has_security_headers(response)


def test_a_console_page_keeps_its_own_policy(client: TestClient) -> None:
    response = client.get("/web/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    has_security_headers(response, csp=None)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers.get_list("content-security-policy") == [policy]  # one policy, not two


def test_the_docs(client: TestClient) -> None:
    for path in ("/docs", "/openapi.json", "/web/static/vendor/swagger-ui/swagger-ui-bundle.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        has_security_headers(response)


def test_https_only_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.main import create_app

    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", "x" * 40)
    get_settings.cache_clear()
    try:
        production = create_app()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    with TestClient(production) as http:
        response = http.get("/openapi.json")
    assert response.headers["strict-transport-security"] == HSTS
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
