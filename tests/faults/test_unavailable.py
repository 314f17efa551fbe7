"""While PostgreSQL or Redis is away, every refusal is a clean 503 with a code and a
``Retry-After`` (JSON for the API, a page for the console), never a 500; and what can work
without Redis does: a report is accepted and its photo waits for the sweep.

A real API process (``python -m service.cli serve``) is pointed at a port where nothing
listens: the dependency is simply not there, as when it is stopped.
"""

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import col, select

from service.accounts.service import issue_tokens
from service.core.database import session_scope
from service.identity.models import Role, User
from service.identity.policies import ACCESS_COOKIE
from tests.conftest import DATABASE_URL, PHOTOS, REDIS_URL, free_port
from tests.support.browser import browser, new_page, screenshot
from tests.support.stack import Processes, wait_until
from tests.workflow.test_handling_dispatch import BACH_QUANG

pytestmark = pytest.mark.slow

PHOTO = (PHOTOS / "gps" / "DSCN0010.jpg").read_bytes()


def _tokens(username: str | None = None) -> str:
    """A real login (its session row committed), made without the API: the API under test
    may not be able to make one. No username: a demo citizen."""
    with session_scope() as session:
        query = select(User).where(User.username == username if username else User.role == Role.citizen)
        user = session.exec(query.order_by(col(User.id))).first()
        assert user is not None
        return issue_tokens(session=session, user=user).access_token


@pytest.fixture(scope="module")
def api_without(database: str) -> Iterator[dict[str, str]]:
    """Two APIs: one whose PostgreSQL is not there, one whose Redis is not there."""
    processes = Processes(Path(tempfile.mkdtemp(prefix="phananh-unavailable-")))
    nowhere = free_port()
    urls = {}
    try:
        for name, env in {
            "database": {"DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{nowhere}/phananh"},
            "redis": {"REDIS_URL": f"redis://127.0.0.1:{nowhere}/0"},
        }.items():
            port = free_port()
            command = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
            processes.start(name, command, {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, **env})
            urls[name] = f"http://127.0.0.1:{port}"
        for url in urls.values():
            wait_until(lambda url=url: _up(url), timeout=30, what="the API")
        yield urls
    finally:
        processes.stop_all()
        processes.print_logs(tail=4000)
        for name in urls:
            assert "Traceback" not in processes.log_of(name), f"the API without {name} logged a traceback"


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _clean_503(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body["code"] == code, body
    assert body["message"] and body["message_en"], body
    assert int(response.headers["Retry-After"]) > 0


def _complaint() -> dict[str, str]:
    part = {"category_code": "pothole", "description": "Ổ gà sâu", "lat": BACH_QUANG[0], "lon": BACH_QUANG[1]}
    return {"complaint": json.dumps(part, ensure_ascii=False)}


def test_without_postgresql_every_kind_of_request_is_a_clean_503(api_without: dict[str, str]) -> None:
    token = _tokens("canbo.bachquang")
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_without["database"], timeout=30) as http:
        _clean_503(http.get("/api/v1/categories"), "database_unavailable")
        _clean_503(http.get("/api/v1/me", headers=bearer), "database_unavailable")
        _clean_503(
            http.post("/api/v1/auth/token", data={"username": "canbo.bachquang", "password": "whatever-it-is"}),
            "database_unavailable",
        )
        submitted = http.post(
            "/api/v1/complaints",
            headers={**bearer, "Idempotency-Key": str(uuid.uuid4())},
            data=_complaint(),
            files=[("photos", ("a.jpg", PHOTO, "image/jpeg"))],
        )
        _clean_503(submitted, "database_unavailable")
        # The readiness probe keeps its own answer, naming the part that is down.
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["field"] == "database", ready.text

        # The console's pages get a page a person can read, in Vietnamese and English.
        http.cookies.set(ACCESS_COOKIE, token)
        page = http.get("/web/queue", headers={"Accept": "text/html"})
        assert page.status_code == 503, page.text[:500]
        assert page.headers["content-type"].startswith("text/html")
        assert "Tạm thời gián đoạn" in page.text and "temporarily unavailable" in page.text.lower()
        assert int(page.headers["Retry-After"]) > 0
        assert '<meta http-equiv="refresh"' in page.text  # it comes back by itself
        # What the officer sees: the words drawn, saved for a person to look at.
        with browser() as launched, new_page(launched) as tab:
            tab.set_content(page.text)
            assert tab.get_by_role("heading").inner_text() == "Tạm thời gián đoạn"
            screenshot(tab, "console-503", full_page=False)


def test_without_redis_reports_are_still_taken_and_the_live_stream_says_503(api_without: dict[str, str]) -> None:
    citizen = {"Authorization": f"Bearer {_tokens()}"}
    officer = {"Authorization": f"Bearer {_tokens('canbo.bachquang')}"}
    with httpx.Client(base_url=api_without["redis"], timeout=30) as http:
        # Sending the photo's task fails after the commit; the report stands, and the
        # photo waits (pending) for the resend sweep once Redis is back.
        submitted = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data=_complaint(),
            files=[("photos", ("a.jpg", PHOTO, "image/jpeg"))],
        )
        assert submitted.status_code == 201, submitted.text
        assert [p["status"] for p in submitted.json()["photos"]] == ["pending"]
        seen = http.get(f"/api/v1/complaints/{submitted.json()['id']}", headers=citizen)
        assert seen.status_code == 200, seen.text

        _clean_503(http.get("/api/v1/stream", headers=officer), "live_unavailable")
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["field"] == "redis", ready.text
