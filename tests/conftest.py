"""Test setup: real PostGIS and real Redis, one database per xdist worker.

Each worker creates ``phananh_test_<worker>``, runs the real Alembic migrations and
loads the demo data once; every test then runs inside a transaction that is rolled back.
"""

import os
import re
import tempfile
import uuid
from collections.abc import Iterator

# Settings are read once per process: point them at the test services before any
# service module is imported.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_WORKER_INDEX = int(re.sub(r"\D", "", _WORKER) or 0)
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# PHANANH_TEST_SLOT (0-2) lets runs share one PostgreSQL and Redis side by side (a developer's
# quick run beside a full one): each slot has its own databases.
_SLOT = int(os.environ.get("PHANANH_TEST_SLOT", "0"))
TEST_DB = f"phananh_test_{_WORKER}" if _SLOT == 0 else f"phananh_test_s{_SLOT}_{_WORKER}"
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{TEST_DB}"
# Redis databases 1..15, five per slot, one per worker; database 0 is left to `make run`.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/") + f"/{1 + 5 * _SLOT + _WORKER_INDEX}"
DATA_DIR = tempfile.mkdtemp(prefix=f"phananh-test-{_WORKER}-")
os.environ.update(
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    ENVIRONMENT="test",
    PHANANH_DEMO_PASSWORD="demo-password-for-tests",
    PHANANH_DATA_DIR=DATA_DIR,
    # A killed worker's task comes back after this long (production: an hour).
    CELERY_VISIBILITY_TIMEOUT="5",
)

import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from service.core.database import get_engine, get_session, transaction  # noqa: E402
from service.core.migrate import upgrade  # noqa: E402
from service.core.redis import get_redis  # noqa: E402

DEMO_PASSWORD = os.environ["PHANANH_DEMO_PASSWORD"]


def recreate_database(name: str) -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    recreate_database(TEST_DB)
    upgrade(DATABASE_URL)
    from service.core.database import session_scope
    from service.demo.seed import seed_demo

    with session_scope() as session:
        seed_demo(session)
    yield DATABASE_URL
    get_engine().dispose()
    drop_database(TEST_DB)
    shutil.rmtree(DATA_DIR, ignore_errors=True)


@pytest.fixture
def db(database: str) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    connection = get_engine().connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need neither PostgreSQL nor Redis nor a process of ours are ``pure``:
    ``make test-fast`` runs those alone, in seconds."""
    for item in items:
        reaches_services = "database" in getattr(item, "fixturenames", ()) or any(
            item.get_closest_marker(name) for name in ("services", "slow")
        )
        if not reaches_services:
            item.add_marker(pytest.mark.pure)


@pytest.fixture(autouse=True)
def clean_redis(request: pytest.FixtureRequest) -> Iterator[None]:
    if "database" not in request.fixturenames:
        yield  # a pure test: no Redis to clean
        return
    # Our own keys only: Celery's queues and bindings stay, for workers that outlive a test.
    client = get_redis()
    keys = list(client.scan_iter("phananh:*"))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
def app(db: Session):
    from service.main import app as fastapi_app

    def _session() -> Iterator[Session]:
        # The same commit/rollback rule as production, on the test's transaction.
        with transaction(db):
            yield db

    fastapi_app.dependency_overrides[get_session] = _session
    yield fastapi_app
    fastapi_app.dependency_overrides.clear()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# Logins kept across tests: seeded staff outlive each test's rollback and access tokens are
# stateless, but they expire (15 minutes) within a run that takes longer.
_kept_logins: dict[str, tuple[float, dict[str, str]]] = {}
KEEP_LOGIN_SECONDS = 10 * 60


def kept_login(client: Any, username: str) -> dict[str, str]:
    """One login per account and server for ten minutes, then a fresh one."""
    key = f"{client.base_url}|{username}"
    made, headers = _kept_logins.get(key, (0.0, {}))
    if time.monotonic() - made > KEEP_LOGIN_SECONDS:
        headers = login(client, username)
        _kept_logins[key] = (time.monotonic(), headers)
    return headers


# One demo account per role (service/demo/catalogue.py).
DEMO_USERS = {
    "citizen": "+84912345678",
    "officer": "canbo.bachquang",
    "unit_lead": "lanhdao.bachquang",
    "dispatcher": "dieuphoi",
    "admin": "quantri",
}


@pytest.fixture
def auth_headers_for(live_server: str):
    """``auth_headers_for("officer")`` -> headers of a demo user, logged in on the live server."""
    import httpx2 as httpx

    def headers(role: str) -> dict[str, str]:
        with httpx.Client(base_url=live_server) as http:
            return login(http, DEMO_USERS[role])  # type: ignore[arg-type]

    return headers


@pytest.fixture
def auth(client: TestClient):
    """``auth("admin")`` -> headers of a logged-in demo user of that role."""
    cache: dict[str, dict[str, str]] = {}

    def headers(role: str) -> dict[str, str]:
        if role not in cache:
            cache[role] = login(client, DEMO_USERS[role])
        return cache[role]

    return headers


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# Real camera photos and national boundaries the repository carries (tests/data/ATTRIBUTION.md).
TEST_DATA = Path(__file__).resolve().parent / "data"
PHOTOS = TEST_DATA / "photos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(database: str) -> Iterator[str]:
    """The real app on a real port, committing to the test database: for concurrency and
    for anything a separate worker process must see."""
    from service.main import app as fastapi_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fastapi_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def start_worker(*extra: str, queues: str = "default,media", module: str = "service.cli") -> subprocess.Popen:
    """A real Celery worker process on the test database and Redis, on empty queues.

    Tests that run inside a rolled-back transaction still send their tasks when they
    "commit" (a savepoint); those tasks name rows that never existed, so they are
    purged here rather than left for the worker to wade through.
    """
    from workers.app import celery_app

    celery_app.control.purge()
    command = [sys.executable, "-m", module, "worker", "--concurrency", "1", "--queues", queues, *extra]
    return subprocess.Popen(
        command,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


@pytest.fixture(scope="module")
def media_worker(database: str) -> Iterator[subprocess.Popen]:
    process = start_worker()
    yield process
    output = stop_worker(process)
    # Shown with the failures of the module, where a worker's traceback explains them.
    print("---- media worker output ----\n" + output[-20000:])


def register_citizen(base_url_or_client, phone: str | None = None) -> dict[str, str]:
    """A fresh citizen (its own reports only), logged in: returns auth headers."""
    import random

    import httpx2 as httpx

    phone = phone or f"09{random.randint(10_000_000, 99_999_999)}"
    body = {"phone": phone, "password": "mat-khau-cong-dan", "full_name": "Người dân thử nghiệm"}
    if isinstance(base_url_or_client, str):
        http = httpx.Client(base_url=base_url_or_client, timeout=30)
    else:
        http = base_url_or_client
    registered = http.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    response = http.post("/api/v1/auth/token", data={"username": phone, "password": body["password"]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
