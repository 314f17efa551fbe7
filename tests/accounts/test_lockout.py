"""Failed logins slow the attacker's address, not the account's owner; the claim code stays
strictly limited per phone; and with Redis gone a login is still checked and limited.

Each client below comes from an address of its own (TestClient's ``client``), against the
real app, PostgreSQL and Redis; the outage test stops a redis-server it started itself."""

import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlmodel import select

from service.accounts import router as accounts_router
from service.accounts.service import citizen_for_caller, issue_claim_code
from service.core import ratelimit
from service.core.settings import get_settings
from service.identity.models import User
from tests.conftest import DEMO_PASSWORD, free_port, unique
from tests.support.stack import Processes, start_redis

OWNER = "dieuphoi"


@contextmanager
def from_address(app, address: str) -> Iterator[TestClient]:
    # No lifespan (``with TestClient``): a login needs none, and a botnet opens many.
    yield TestClient(app, client=(address, 50000))


def attempt(client: TestClient, password: str, username: str = OWNER) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app):
    settings = get_settings()
    with from_address(app, "203.0.113.66") as attacker, from_address(app, "198.51.100.7") as owner:
        assert [attempt(attacker, "doan-bua-1") for _ in range(settings.login_max_failures)] == [401] * 5
        # The attacker's address now waits, even with the right password...
        blocked = attacker.post("/api/v1/auth/token", data={"username": OWNER, "password": DEMO_PASSWORD})
        assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"
        assert 0 < int(blocked.headers["Retry-After"]) <= settings.login_window_seconds
        # ...while the owner, from their own address, gets in at once.
        assert attempt(owner, DEMO_PASSWORD) == 200
        # And the attacker's address may still log in to another account of its own.
        assert attempt(attacker, DEMO_PASSWORD, username="quantri") == 200


def test_one_address_trying_many_accounts_is_held_back(app):
    settings = get_settings()
    with from_address(app, "203.0.113.77") as stuffer, from_address(app, "198.51.100.8") as other:
        # Credential stuffing: a few tries at each of many accounts, under each pair's limit.
        answers = [attempt(stuffer, "mat-khau-bi-lo", username=unique("u.")) for _ in range(20)]
        assert answers == [401] * settings.login_max_failures_per_address
        assert attempt(stuffer, DEMO_PASSWORD, username="quantri") == 429
        assert attempt(other, DEMO_PASSWORD, username="quantri") == 200


def test_guessing_from_everywhere_lets_only_the_owners_known_addresses_in(app, monkeypatch):
    settings = get_settings()
    # A lower ceiling than production's, so the botnet is small: the rule is the same.
    monkeypatch.setattr(settings, "login_max_failures_per_account", 12)
    with from_address(app, "198.51.100.9") as usual:
        assert attempt(usual, DEMO_PASSWORD) == 200  # the owner's office, before the attack
    # One guess from each of many addresses (a botnet): no pair, no address hits its limit.
    for index in range(settings.login_max_failures_per_account):
        with from_address(app, f"10.66.{index // 250}.{index % 250 + 1}") as bot:
            assert attempt(bot, f"doan-{index}") == 401
    with from_address(app, "10.77.0.1") as stranger:
        # Past the account's ceiling a new address is turned away, right password or not...
        assert attempt(stranger, DEMO_PASSWORD) == 429
    with from_address(app, "198.51.100.9") as usual:
        # ...but the owner's usual address still gets in, and does not reopen the account.
        assert attempt(usual, DEMO_PASSWORD) == 200
    with from_address(app, "10.77.0.2") as stranger:
        assert attempt(stranger, "doan-nua") == 429


def test_claim_codes_are_limited_per_phone_from_any_address(app, db):
    dispatcher = db.exec(select(User).where(User.username == OWNER)).one()
    caller = citizen_for_caller(session=db, phone="+84912000555", full_name="Người gọi", actor=dispatcher)
    code = issue_claim_code(session=db, user=caller, actor=dispatcher)
    db.commit()
    wrong = "000000" if code != "000000" else "111111"
    body = {"phone": "0912000555", "password": "mat-khau-nguoi-goi", "full_name": "Người gọi"}
    for index in range(get_settings().login_max_failures):
        with from_address(app, f"10.88.0.{index + 1}") as guesser:
            answer = guesser.post("/api/v1/auth/register", json={**body, "claim_code": wrong})
            assert answer.status_code == 409, answer.text
    with from_address(app, "10.88.1.1") as fresh:
        # Six digits: a new address does not buy more guesses, even the right one waits.
        answer = fresh.post("/api/v1/auth/register", json={**body, "claim_code": code})
        assert answer.status_code == 429


# --- Redis away ------------------------------------------------------------------------------


@pytest.fixture
def private_redis(monkeypatch) -> Iterator[tuple[Processes, int]]:
    """A redis-server of this test's own, wired in as the accounts' Redis; never the shared one."""
    processes = Processes(Path(tempfile.mkdtemp(prefix="lockout-redis-")))
    port = free_port()
    start_redis(processes, port)
    client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5, decode_responses=True)
    monkeypatch.setattr(accounts_router, "get_redis", lambda: client)
    ratelimit.local_counters.clear()
    try:
        yield processes, port
    finally:
        processes.stop_all()
        client.close()
        ratelimit.local_counters.clear()
        ratelimit._redis_failed_at = None


def test_with_redis_stopped_a_login_is_still_checked_and_limited(app, private_redis, caplog):
    processes, port = private_redis
    caplog.set_level(logging.WARNING, logger="service.core.ratelimit")
    with from_address(app, "203.0.113.88") as attacker, from_address(app, "198.51.100.10") as owner:
        assert attempt(owner, DEMO_PASSWORD) == 200
        processes.stop("redis")
        # No 500: wrong passwords are refused, and counted in the process.
        assert [attempt(attacker, "doan-khi-mat-redis") for _ in range(5)] == [401] * 5
        assert attempt(attacker, DEMO_PASSWORD) == 429
        assert attempt(owner, DEMO_PASSWORD) == 200
        assert attempt(owner, "sai-mat-khau-roi") == 401
        # Registration too, limited the same way.
        registered = owner.post(
            "/api/v1/auth/register", json={"phone": "0912000666", "password": "mat-khau-cong-dan", "full_name": "Dân"}
        )
        assert registered.status_code == 201, registered.text
    outage = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(outage) == 1  # once per outage, not once per call

    # Back: the shared counters are used again (the attacker's local count is not carried).
    start_redis(processes, port)
    # As if the last failure were longer ago than Redis is left alone after one.
    ratelimit._redis_failed_at = time.monotonic() - ratelimit.RETRY_REDIS_SECONDS - 1
    with from_address(app, "203.0.113.89") as again:
        assert attempt(again, "doan-lan-nua") == 401
    shared = redis.Redis(port=port, decode_responses=True)
    assert shared.get("phananh:rl:login:pair:dieuphoi|203.0.113.89") == "1"
    shared.close()
    assert any("Redis is back" in r.getMessage() for r in caplog.records)


def test_the_local_counters_are_bounded_and_expire():
    counters = ratelimit.LocalCounters(max_keys=3)
    for key in "abcd":
        counters.incr(key, 60)
    assert len(counters) == 3 and counters.get("a") is None  # the oldest window went first
    assert counters.incr("d", 60) == 2
    counters.incr("gone", 0)
    assert counters.get("gone") is None
