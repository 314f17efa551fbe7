"""X-Forwarded-For is believed only from the proxies in FORWARDED_ALLOW_IPS: the real
`python -m service.cli serve` on a free port, against this slot's test database and Redis,
asked from 127.0.0.1 with a forged header."""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

from service.core.database import get_engine
from service.core.redis import get_redis
from tests.conftest import free_port, unique
from tests.support.stack import Processes, wait_until

FORGED = "203.0.113.9"


@contextmanager
def serving(**settings: str) -> Iterator[str]:
    env = {key: value for key, value in os.environ.items() if key != "FORWARDED_ALLOW_IPS"}
    env.update(settings)
    port = free_port()
    processes = Processes(Path(tempfile.mkdtemp(prefix="phananh-forwarded-")))
    process = processes.start(
        "api", [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)], env
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code < 500
        except httpx.HTTPError:
            return process.poll() is not None  # stop waiting for a process that died

    try:
        wait_until(answers, timeout=30, what="phananh serve")
        if process.poll() is not None:
            processes.print_logs()
        assert process.poll() is None, "phananh serve exited"
        yield base
    finally:
        processes.stop_all()


def recorded_address(base: str) -> str:
    """Fail a login with a forged X-Forwarded-For; the address the app wrote in its audit row."""
    login = unique("khong-co-")
    answer = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": login, "password": "sai-mat-khau"},
        headers={"X-Forwarded-For": FORGED},
        timeout=30,
    )
    assert answer.status_code == 401, answer.text
    with get_engine().connect() as connection:
        return connection.execute(
            text(
                "SELECT client_address FROM audit_events WHERE action = 'auth.login_failed' "
                "AND after ->> 'login' = :login"
            ),
            {"login": login},
        ).scalar_one()


def test_without_a_configured_proxy_the_forged_header_is_ignored(database):
    with serving() as base:
        assert recorded_address(base) == "127.0.0.1"
    # The rate limits count the address that connected, not the one it claimed.
    assert get_redis().get(f"phananh:rl:login:address:{FORGED}") is None
    assert get_redis().get("phananh:rl:login:address:127.0.0.1") is not None


def test_from_a_configured_proxy_the_forwarded_address_is_the_clients(database):
    with serving(FORWARDED_ALLOW_IPS="127.0.0.1") as base:
        assert recorded_address(base) == FORGED
    assert get_redis().get(f"phananh:rl:login:address:{FORGED}") is not None
