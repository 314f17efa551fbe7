"""The fault suite: Redis stopped, PostgreSQL restarted and stopped, the worker killed with
-9 mid-task — each under a stream of citizens' submissions (real photos, multipart) and
officers' actions. Each must end, within 60 s of recovery, with every accepted report's
photos processed and every notification owed delivered exactly once (counted at the
peers), with no 500 meanwhile, and with no process of ours left at the end.

Everything is real and private to this module: a PostgreSQL+PostGIS cluster and a
``redis-server`` on free ports in a temporary folder (the shared servers are never
touched), the real migrations and demo seed, the API, one worker and beat as separate
processes, and local peers as FCM, the SMS gateway and the mail server. The processes run
with production settings (visibility timeout, sweep intervals, claims, retries): only
where the channels are is configured. The tests run in the order written, on one stack.
"""

import contextlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from service.core.migrate import upgrade
from tests.conftest import PHOTOS, free_port
from tests.notifications.test_outage import OFFICERS, Person, citizen_who_wants_sms, reachable_officer
from tests.routing.test_routing import PNG
from tests.support.peers import HttpPeer, SmtpPeer, running_http_peer, running_smtp_peer
from tests.support.private_postgres import PrivateCluster
from tests.support.stack import (
    Processes,
    arrivals,
    processes_marked,
    redis_answers,
    start_redis,
    start_service,
    start_worker,
    wait_until,
)
from tests.workflow.test_handling_dispatch import BACH_QUANG, actions

pytestmark = pytest.mark.slow

RECOVERY_LIMIT = 60  # seconds after the dependency is back
OUTAGE = 10  # seconds a dependency stays away
# Real camera photos with their EXIF (tests/data/ATTRIBUTION.md).
CAMERA_PHOTOS = sorted((PHOTOS / "gps").glob("*.jpg")) + sorted((PHOTOS / "orientation").glob("*.jpg"))
# What the test process sets for the ordinary tests and the stack must not inherit: the
# fault suite proves the production values.
NOT_INHERITED = ("CELERY_VISIBILITY_TIMEOUT", "DATABASE_URL", "REDIS_URL")


@dataclass
class Stack:
    directory: Path
    marker: str
    cluster: PrivateCluster
    engine: Engine
    processes: Processes
    env: dict[str, str]
    api: str
    redis_port: int
    fcm: HttpPeer
    sms: HttpPeer
    smtp: SmtpPeer
    citizens: list[Person] = field(default_factory=list)
    officers: list[Person] = field(default_factory=list)
    # Every report accepted so far, over all scenarios.
    accepted: list[str] = field(default_factory=list)
    recoveries: dict[str, float] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        # A new connection per request (Connection: close): what is measured is the answer,
        # never a kept-alive connection the server closed after a previous one.
        return httpx.Client(base_url=self.api, timeout=30, headers={"Connection": "close"})


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    directory = Path(tempfile.mkdtemp(prefix="phananh-faults-"))
    run = uuid.uuid4().hex
    # Every process of this stack carries the marker in its environment: the last test
    # finds any left behind in /proc, whoever its parent is by then.
    base = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED} | {"PHANANH_FAULT_RUN": run}
    cluster = PrivateCluster(directory / "postgres", free_port(), env=base)
    processes = Processes(directory)
    engine: Engine | None = None
    started = time.monotonic()
    try:
        cluster.create()
        cluster.start()
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE phananh"))
        admin.dispose()
        upgrade(cluster.url("phananh"))
        with running_http_peer() as fcm, running_http_peer() as sms, running_smtp_peer() as smtp:
            redis_port, api_port = free_port(), free_port()
            env = base | {
                "DATABASE_URL": cluster.url("phananh"),
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "PHANANH_DATA_DIR": str(directory / "data"),
                "FCM_BASE_URL": fcm.url,
                "FCM_PROJECT_ID": "phananh-faults",
                "FCM_ACCESS_TOKEN": "ya29.faults-token",
                "SMS_GATEWAY_URL": f"{sms.url}/api/sms",
                "SMS_API_KEY": "sms-faults-key",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp.port),
                "SMTP_STARTTLS": "false",
            }
            seeded = subprocess.run(
                [sys.executable, "-m", "service.cli", "seed-demo", "--once", "--days", "0"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert seeded.returncode == 0, seeded.stdout + seeded.stderr
            # Routing gives a Bạch Quang pothole to the least loaded officer of its office:
            # the two whose logins the traffic holds are the only ones on duty there.
            with engine_for(cluster).begin() as connection:
                connection.execute(
                    text(
                        "UPDATE users SET on_duty = false WHERE role = 'officer' AND NOT username = ANY(:u) "
                        "AND unit_id = (SELECT unit_id FROM users WHERE username = :first)"
                    ),
                    {"u": list(OFFICERS), "first": OFFICERS[0]},
                )
            start_redis(processes, redis_port, env)
            # Two pool processes, as `make run` starts.
            start_service(processes, env, api_port, worker_concurrency=2)
            engine = engine_for(cluster)
            result = Stack(
                directory=directory,
                marker=run,
                cluster=cluster,
                engine=engine,
                processes=processes,
                env=env,
                api=f"http://127.0.0.1:{api_port}",
                redis_port=redis_port,
                fcm=fcm,
                sms=sms,
                smtp=smtp,
            )
            with result.client() as http:
                wait_until(lambda: _ready(http), timeout=60, what="the API to be ready")
                tag = run[:8]
                # People whose every address the peers know; logged in before any fault.
                result.citizens = [citizen_who_wants_sms(http, f"{tag}-{n}") for n in range(3)]
                result.officers = [reachable_officer(http, username, tag) for username in OFFICERS]
            print(f"stack up in {time.monotonic() - started:.1f}s")
            yield result
    finally:
        processes.stop_all()
        cluster.stop()
        processes.print_logs(tail=6000)
        print("---- postgres ----\n" + cluster.log()[-4000:])
        if engine is not None:
            engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def engine_for(cluster: PrivateCluster) -> Engine:
    return create_engine(cluster.url("phananh"), pool_pre_ping=True)


def _ready(http: httpx.Client) -> bool:
    try:
        return http.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


# --- the traffic ---------------------------------------------------------------------------


@dataclass
class Answer:
    what: str
    status: int  # 0: no HTTP answer at all
    content_type: str = ""
    body: Any = None
    retry_after: str | None = None


class Traffic:
    """Citizens submitting reports with real photos, and officers taking them in, starting
    and resolving them, each from a thread of its own, for as long as the scenario runs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.answers: list[Answer] = []
        self.accepted: list[str] = []
        self.lock = threading.Lock()
        self.crashed: list[str] = []
        self.threads = [threading.Thread(target=self._guard, args=(f,)) for f in (self._submit, self._act)]
        self.photos = itertools.cycle(CAMERA_PHOTOS)

    def __enter__(self) -> "Traffic":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _guard(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as exc:  # a thread's failure is the test's
            self.crashed.append(f"{work.__name__}: {type(exc).__name__}: {exc}")
            self.stop.set()

    def _call(self, what: str, request: Callable[[httpx.Client], httpx.Response]) -> Answer:
        with self.stack.client() as http:
            try:
                response = request(http)
            except httpx.TransportError as exc:
                answer = Answer(what, 0, body=f"{type(exc).__name__}: {exc}")
            else:
                kind = response.headers.get("content-type", "")
                body: Any = response.text[:500]
                if kind.startswith("application/json"):
                    with contextlib.suppress(ValueError):
                        body = response.json()
                answer = Answer(what, response.status_code, kind, body, response.headers.get("Retry-After"))
        with self.lock:
            self.answers.append(answer)
        return answer

    def _submit(self) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            citizen = self.stack.citizens[n % len(self.stack.citizens)]
            photos = [next(self.photos) for _ in range(1 + n % 2)]
            part = {
                "category_code": "pothole",
                "description": f"Ổ gà lớn trước nhà số {n}",
                "lat": BACH_QUANG[0] + random.uniform(-0.0005, 0.0005),
                "lon": BACH_QUANG[1] + random.uniform(-0.0005, 0.0005),
                "visibility": "public",
            }
            answer = self._call(
                "submit",
                lambda http, citizen=citizen, part=part, photos=photos: http.post(
                    "/api/v1/complaints",
                    headers={**citizen.headers, "Idempotency-Key": str(uuid.uuid4())},
                    data={"complaint": json.dumps(part, ensure_ascii=False)},
                    files=[("photos", (p.name, p.read_bytes(), "image/jpeg")) for p in photos],
                ),
            )
            if answer.status == 201:
                with self.lock:
                    self.accepted.append(answer.body["id"])
            self.stop.wait(0.3)

    def _act(self) -> None:
        # Each accepted report is taken in, started and resolved by whichever officer holds it.
        steps: dict[str, int] = {}
        plan: list[tuple[str, dict[str, Any]]] = [
            ("acknowledge", {}),
            ("start", {"json": {}}),
            (
                "resolve",
                {"data": {"result": "Đã vá ổ gà"}, "files": [("photos", ("after.png", PNG, "image/png"))]},
            ),
        ]
        while not self.stop.is_set():
            with self.lock:
                todo = [report for report in self.accepted if steps.get(report, 0) < len(plan)]
            if not todo:
                self.stop.wait(0.3)
                continue
            for report in todo[:3]:
                name, request = plan[steps.get(report, 0)]
                for officer in self.stack.officers:
                    answer = self._call(
                        name,
                        lambda http, officer=officer, name=name, report=report, request=request: http.post(
                            actions(report, name), headers=officer.headers, **request
                        ),
                    )
                    if answer.status == 200:
                        steps[report] = steps.get(report, 0) + 1
                        break
                    if answer.status in (0, 503):
                        break  # a dependency is away: the same step again later
                else:
                    steps[report] = len(plan)  # neither officer holds it: not this loop's to handle
            self.stop.wait(0.2)

    def refused_wrongly(self) -> list[Answer]:
        """Answers that are not a success, a 4xx with a code, or a 503 with a code."""
        wrong = []
        for answer in self.answers:
            if 200 <= answer.status < 300:
                continue
            clean = (400 <= answer.status < 500 or answer.status == 503) and (
                answer.content_type.startswith("application/json")
                and isinstance(answer.body, dict)
                and bool(answer.body.get("code"))
            )
            if not clean or (answer.status == 503 and not answer.retry_after):
                wrong.append(answer)
        return wrong

    def summary(self) -> Counter:
        return Counter(
            (a.what, a.status, a.body.get("code") if isinstance(a.body, dict) and a.status >= 300 else "")
            for a in self.answers
        )


# --- what is owed, as committed ------------------------------------------------------------


def unfinished(engine: Engine, reports: list[str]) -> tuple[int, int] | None:
    """(photos not ready, deliveries still pending) for these reports; None once both are 0."""
    ids = [uuid.UUID(r) for r in reports]
    with engine.connect() as connection:
        photos = connection.execute(
            text("SELECT count(*) FROM photos WHERE complaint_id = ANY(:ids) AND status <> 'ready'"), {"ids": ids}
        ).scalar_one()
        deliveries = connection.execute(
            text(
                "SELECT count(*) FROM notification_outbox o JOIN notifications n ON n.id = o.notification_id "
                "WHERE n.complaint_id = ANY(:ids) AND o.status = 'pending'"
            ),
            {"ids": ids},
        ).scalar_one()
    return None if photos == 0 and deliveries == 0 else (photos, deliveries)


def outbox_of(engine: Engine, reports: list[str]) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT o.id, o.channel, o.status, o.attempts, o.last_error FROM notification_outbox o "
                "JOIN notifications n ON n.id = o.notification_id WHERE n.complaint_id = ANY(:ids)"
            ),
            {"ids": [uuid.UUID(r) for r in reports]},
        )
        return [dict(row._mapping) for row in rows]


def run_scenario(stack: Stack, name: str, fault: Callable[[], float]) -> None:
    """Traffic before, during and after ``fault`` (which returns when the dependency is
    back, with that moment); then everything owed must be done within the limit."""
    with Traffic(stack) as traffic:
        time.sleep(4)
        recovered_at = fault()
        time.sleep(4)
    assert traffic.crashed == [], traffic.crashed
    accepted = traffic.accepted
    stack.accepted += accepted
    print(f"[{name}] answers: {sorted(traffic.summary().items())}")
    assert len(accepted) >= 10, f"too few reports accepted to prove anything: {traffic.summary()}"

    left: tuple[int, int] | None = None

    def done() -> bool:
        nonlocal left
        left = unfinished(stack.engine, accepted)
        return left is None

    while not done() and time.monotonic() < recovered_at + RECOVERY_LIMIT:
        time.sleep(0.5)
    recovery = time.monotonic() - recovered_at
    stack.recoveries[name] = recovery
    print(
        f"[{name}] {len(accepted)} reports accepted; all photos ready and deliveries out {recovery:.1f}s after recovery"
    )
    # A process of the service that exited (a worker's "Unrecoverable error") is named, with
    # the end of its log, rather than seen only as work left undone.
    exited = {
        what: process.returncode for what, process in stack.processes.running.items() if process.poll() is not None
    }
    assert exited == {}, f"[{name}] exited during the fault: {exited}\n" + "\n".join(
        stack.processes.log_of(what)[-4000:] for what in exited
    )
    assert left is None, f"[{name}] {left} (photos not ready, deliveries pending) {RECOVERY_LIMIT}s after recovery"
    assert recovery <= RECOVERY_LIMIT

    # A few more sweeps: nothing goes out a second time.
    time.sleep(12)
    rows = outbox_of(stack.engine, accepted)
    found = arrivals(stack.engine, stack.fcm, stack.sms, stack.smtp)
    times = Counter(a.outbox_id for a in found)
    statuses = Counter(row["status"] for row in rows)
    print(f"[{name}] outbox rows: {dict(statuses)}")
    twice = [row for row in rows if times[str(row["id"])] > 1]
    assert twice == [], f"[{name}] delivered more than once: {twice}"
    unsent = [row for row in rows if row["status"] == "sent" and times[str(row["id"])] != 1]
    assert unsent == [], f"[{name}] recorded as sent but never arrived: {unsent}"
    # Dead rows are those no peer can take (a person without that address), never an outage.
    dead = [row for row in rows if row["status"] == "dead"]
    assert all(times[str(row["id"])] == 0 and row["attempts"] == 1 for row in dead), dead
    assert statuses["sent"] > len(accepted), statuses

    wrong = traffic.refused_wrongly()
    assert wrong == [], f"[{name}] answers that are neither success nor a clean 4xx/503: {wrong[:10]}"


# --- the scenarios -------------------------------------------------------------------------


def test_redis_stopped_and_started(stack: Stack) -> None:
    stream_ended: list[str] = []

    def watch_stream() -> None:
        # A console's live stream, open when Redis goes: it must end cleanly (the browser
        # reconnects), not break off mid-chunk.
        officer = stack.officers[0]
        try:
            with (
                httpx.Client(base_url=stack.api, timeout=60) as http,
                http.stream("GET", "/api/v1/stream", headers=officer.headers) as response,
            ):
                assert response.status_code == 200, response.read()
                for _ in response.iter_lines():
                    pass
            stream_ended.append("clean")
        except Exception as exc:  # reported: the test fails on it
            stream_ended.append(f"{type(exc).__name__}: {exc}")

    watcher = threading.Thread(target=watch_stream)

    def fault() -> float:
        watcher.start()
        time.sleep(1)
        stack.processes.stop("redis")
        began = time.monotonic()
        with stack.client() as http:
            refused = http.get("/api/v1/stream", headers=stack.officers[0].headers)
        assert refused.status_code == 503 and refused.json()["code"] == "live_unavailable", refused.text
        assert refused.headers["Retry-After"]
        time.sleep(max(0, OUTAGE - (time.monotonic() - began)))
        start_redis(stack.processes, stack.redis_port, stack.env)
        return time.monotonic()

    run_scenario(stack, "redis", fault)
    watcher.join(timeout=60)
    assert stream_ended == ["clean"], stream_ended


def test_postgresql_restarted_then_stopped_and_started(stack: Stack) -> None:
    def fault() -> float:
        stack.cluster.restart()
        time.sleep(4)
        stack.cluster.stop()
        time.sleep(OUTAGE)
        stack.cluster.start()
        return time.monotonic()

    run_scenario(stack, "postgresql", fault)


def test_worker_killed_mid_task(stack: Stack) -> None:
    marker = stack.directory / "slow-worker-started"

    def fault() -> float:
        # This worker hangs in the middle of every photo (tests/support/slow_media_worker.py).
        stack.processes.stop("worker")
        doomed = start_worker(
            stack.processes,
            {**stack.env, "SLOW_WORKER_MARKER": str(marker)},
            concurrency=2,
            module="tests.support.slow_media_worker",
        )
        wait_until(marker.exists, timeout=60, what="the slow worker to start a photo")
        pool = [pid for pid, _ in processes_marked(stack.marker) if _parent(pid) == doomed.pid]
        assert pool, "the worker has no pool children"
        stack.processes.kill("worker")  # kill -9 the worker itself, mid-photo
        # Its pool children (one hung in a photo, holding the photo's row lock) die with it.
        wait_until(lambda: not any(_alive(pid) for pid in pool), timeout=10, what="the pool children to die")
        time.sleep(2)
        start_worker(stack.processes, stack.env, concurrency=2)
        return time.monotonic()

    run_scenario(stack, "worker", fault)


def test_nothing_is_left_behind(stack: Stack) -> None:
    print("recovery after each fault (s):", {name: round(s, 1) for name, s in stack.recoveries.items()})
    # A submission refused while PostgreSQL was away kept none of its photos' bytes.
    media = stack.directory / "data" / "media"
    stored = {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}
    with stack.engine.connect() as connection:
        keys = {
            key
            for row in connection.execute(text("SELECT original_key, large_key, thumb_key FROM photos"))
            for key in row
            if key
        }
    assert stored - keys == set(), f"files no photo owns: {sorted(stored - keys)[:10]}"
    api_log = stack.processes.log_of("api")
    stack.processes.stop_all()
    stack.cluster.stop()
    assert not redis_answers(stack.redis_port)
    deadline = time.monotonic() + 15
    while (left := processes_marked(stack.marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"processes of the fault suite outlived it: {left}"
    # An outage is answered with one log line per refused request, not a traceback each.
    assert api_log.count("Traceback") == 0, api_log[api_log.find("Traceback") - 2000 :][:6000]


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
