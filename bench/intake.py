"""Sustained report submissions through the real API: ``python -m bench.intake``.

What it does, from nothing to nothing:

1. creates the database ``phananh_bench`` on 127.0.0.1:5432 (dropped first if left over),
   runs ``phananh migrate`` and ``phananh seed-demo`` on it, empties Redis database 9 and
   makes a throw-away ``PHANANH_DATA_DIR`` under /tmp;
2. starts ``phananh serve --workers 2`` (uvicorn, exactly as deployed) on a free port and
   waits for ``/readyz``; no Celery worker runs, so each accepted report leaves one
   ``process_photo`` task waiting in Redis;
3. registers and logs in ~50 citizens, builds a ~150 KB phone JPEG, then keeps
   ``--concurrency`` HTTP/1.1 keep-alive connections busy with ``POST /api/v1/complaints``
   (one photo each, a fresh ``Idempotency-Key`` each, random points in Phường Bách Quang)
   for ``--warmup`` seconds that are not counted and ``--duration`` seconds that are (or,
   with ``--rate``, sends at a fixed rate whatever the server does);
4. prints the figures next to the issue's target (100 submissions/s, p95 under 150 ms on a
   2-core machine), then stops the server, drops the database, empties Redis database 9 and
   removes the temporary folder — also on Ctrl-C.

Only 127.0.0.1 is contacted. The run is bounded by ``--duration`` and ``--max-requests``.
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import psycopg
import redis
from PIL import Image
from sqlalchemy import create_engine, text

from bench._report import banner, machine_cpu, percentile, processes, row, stop_cleanly_on_signals, verdict

ROOT = Path(__file__).resolve().parents[1]
PHONE_PHOTO = ROOT / "tests" / "data" / "photos" / "phone" / "iphone_8mp.jpg"
PHANANH = Path(sys.executable).parent / "phananh"

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "phananh_bench"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/9"

# The target for the request path.
TARGET_RATE = 100.0  # submissions per second
TARGET_P95_MS = 150.0

# Phường Bách Quang, Thái Nguyên (ward 05528): reports land within ~200 m of this point.
BACH_QUANG = (21.5063, 105.8680)
SPREAD = 0.002
CITIZEN_PASSWORD = "mat-khau-cong-dan-bench"  # noqa: S105 - a throw-away account in a throw-away database
PHOTO_TARGET_BYTES = 150_000


# --------------------------------------------------------------------------- setup and teardown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_execute(*statements: str) -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def database_exists(database: str) -> bool:
    engine = create_engine(ADMIN_URL)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database})
            return found.first() is not None
    finally:
        engine.dispose()


def service_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "PHANANH_DATA_DIR": str(data_dir),
        "ENVIRONMENT": "bench",
        "STORAGE_BACKEND": "local",
        # 50 sign-ups from 127.0.0.1 within the hour would hit the per-address limit (20).
        "REGISTER_MAX_PER_HOUR": "100000",
    }


def run_command(args: list[str], env: dict[str, str], timeout: float) -> None:
    result = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [str(PHANANH), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise RuntimeError(
            f"phananh {' '.join(args)} failed (exit {result.returncode}); its last lines:\n{tail[-3000:]}"
        )


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        # The server runs in its own session (start_new_session): its process group is its pid
        # and holds uvicorn's supervisor and its two workers, nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_server(env: dict[str, str], data_dir: Path, workers: int) -> Server:
    port = free_port()
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
            [str(PHANANH), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path)


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the API exited with {server.process.returncode}:\n{server.log_tail()}")
            try:
                response = http.get("/readyz")
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as exc:
                last = type(exc).__name__
            time.sleep(0.25)
    raise RuntimeError(f"the API was not ready within {timeout:.0f} s ({last}):\n{server.log_tail()}")


@dataclass
class SeededService:
    """A benchmark's own database (migrated, demo seeded) and data folder, and its API."""

    env: dict[str, str]
    data_dir: Path
    server: Server | None = None
    reused: bool = False  # an earlier run's database, kept with --keep, brought up to date

    def start(self, workers: int = 2) -> Server:
        self.server = start_server(self.env, self.data_dir, workers)
        wait_ready(self.server)
        return self.server


@contextlib.contextmanager
def seeded_service(label: str, database: str, *, keep: bool = False, reuse: bool = False) -> Iterator[SeededService]:
    """Create ``database`` afresh, migrate and seed it (or, with ``reuse``, take the one an
    earlier run kept and migrate it); afterwards — also on Ctrl-C — stop the API, drop the
    database (unless ``keep``) and remove the data folder."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"phananh-{label.replace('.', '-')}-"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    service = SeededService({**service_env(data_dir), "DATABASE_URL": url}, data_dir)
    try:
        service.reused = reuse and database_exists(database)
        if service.reused:
            print(f"[{label}] reusing {database}, migrating it …", flush=True)
            run_command(["migrate"], service.env, timeout=600)
        else:
            print(f"[{label}] preparing {database} …", flush=True)
            admin_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
            run_command(["migrate"], service.env, timeout=300)
            run_command(["seed-demo", "--days", "0"], service.env, timeout=300)  # the organisation only
        yield service
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)  # let the clean-up finish
        if service.server is not None:
            service.server.stop()
        if not keep:
            admin_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


# --------------------------------------------------------------------------- the request


def build_photo(target: int = PHOTO_TARGET_BYTES) -> tuple[bytes, int]:
    """A 1280x960 JPEG cut from a real phone photo, EXIF kept (GPS, camera, orientation), at
    the quality whose size is closest to ``target`` bytes: what a phone app sends after its own
    resize."""
    with Image.open(PHONE_PHOTO) as source:
        exif = source.info.get("exif", b"")
        small = source.convert("RGB").resize((1280, 960), Image.Resampling.LANCZOS)
    best: tuple[int, bytes, int] | None = None
    for quality in range(40, 96):
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=quality, exif=exif)
        data = buffer.getvalue()
        if best is None or abs(len(data) - target) < best[0]:
            best = (abs(len(data) - target), data, quality)
    assert best is not None
    return best[1], best[2]


class Multipart:
    """``multipart/form-data`` as the mobile contract describes it (a JSON part ``complaint`` sent
    as application/json, then the photo), built by hand: the photo part is encoded once and only
    the JSON part changes per request, which keeps the load generator, sharing the two cores with
    the server, cheap."""

    def __init__(self, photo: bytes) -> None:
        self.boundary = f"phananh-bench-{uuid.uuid4().hex}"
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self._photo = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="photos"; filename="o-ga.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode() + photo
        self._end = f"\r\n--{self.boundary}--\r\n".encode()

    def body(self, complaint_json: str) -> bytes:
        head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="complaint"\r\n'
            "Content-Type: application/json\r\n\r\n"
        )
        return head.encode() + complaint_json.encode() + b"\r\n" + self._photo + self._end


def complaint_json(rng: random.Random, n: int) -> str:
    return json.dumps(
        {
            "category_code": "pothole",
            "description": f"Ổ gà lớn giữa đường, xe máy dễ ngã (báo cáo thử tải số {n}).",
            "lat": round(BACH_QUANG[0] + rng.uniform(-SPREAD, SPREAD), 6),
            "lon": round(BACH_QUANG[1] + rng.uniform(-SPREAD, SPREAD), 6),
            "accuracy_m": 8,
            "address": "Đường Cách Mạng Tháng Tám, phường Bách Quang",
            "captured_at": "2026-11-21T08:15:00+07:00",
            "visibility": "public",
        },
        ensure_ascii=False,
    )


# --------------------------------------------------------------------------- citizens


async def make_citizens(base_url: str, count: int) -> list[str]:
    """Register and log in ``count`` citizens (Argon2 on the server: a few seconds)."""
    semaphore = asyncio.Semaphore(8)

    async def one(client: httpx.AsyncClient, index: int) -> str:
        phone = f"0987{index:06d}"
        async with semaphore:
            registered = await client.post(
                "/api/v1/auth/register",
                json={"phone": phone, "password": CITIZEN_PASSWORD, "full_name": f"Người dân thử tải {index}"},
            )
            if registered.status_code != 201:
                raise RuntimeError(f"registration failed: {registered.status_code} {registered.text[:300]}")
            token = await client.post("/api/v1/auth/token", data={"username": phone, "password": CITIZEN_PASSWORD})
            if token.status_code != 200:
                raise RuntimeError(f"login failed: {token.status_code} {token.text[:300]}")
            return f"Bearer {token.json()['access_token']}"

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        return list(await asyncio.gather(*(one(client, i) for i in range(1, count + 1))))


def smoke_check(base_url: str, token: str, photo: bytes) -> None:
    """One report before the load, to be sure the figures measure accepted reports."""
    multipart = Multipart(photo)
    body = multipart.body(complaint_json(random.Random(0), 0))  # noqa: S311
    headers = {"Authorization": token, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": multipart.content_type}
    with httpx.Client(base_url=base_url, timeout=30) as http:
        response = http.post("/api/v1/complaints", content=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"a single submission failed: {response.status_code} {response.text[:500]}")
    report = response.json()
    if report["area"]["code"] != "05528" or [p["status"] for p in report["photos"]] != ["pending"]:
        raise RuntimeError(f"unexpected report: {response.text[:500]}")


# --------------------------------------------------------------------------- CPU accounting


@dataclass
class CpuSample:
    at: float
    machine_busy: float  # seconds of CPU, all cores, since boot
    machine_iowait: float
    by_pid: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (group, CPU seconds)


def _group_of(pid: int, comm: str, pgrp: int, server_pgid: int) -> str:
    if pgrp == server_pgid:
        return "api"
    if pid == os.getpid():
        return "client"
    if comm == "postgres":
        # Backends are titled "postgres: 15/main: user database host(port) state"; the
        # server's own helpers (walwriter, checkpointer, ...) name no database and serve us too.
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                title = handle.read().decode(errors="replace")
        except OSError:
            return "other"
        is_backend = "127.0.0.1(" in title or "[local]" in title
        return "postgres" if not is_backend or f" {BENCH_DB} " in title else "other"
    if comm.startswith("redis-server"):
        return "redis"
    return "other"


def cpu_sample(server_pgid: int) -> CpuSample:
    busy, iowait = machine_cpu()
    sample = CpuSample(time.perf_counter(), busy, iowait)
    for pid, comm, pgrp, seconds in processes():
        sample.by_pid[pid] = (_group_of(pid, comm, pgrp, server_pgid), seconds)
    return sample


def database_sessions() -> int:
    """Connections ever opened to the bench database (PostgreSQL 14+): the API's pool churn."""
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as connection:
        row = connection.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (BENCH_DB,)).fetchone()
    return int(row[0]) if row else 0


def cpu_share(before: CpuSample, after: CpuSample) -> dict[str, float]:
    """Percent of one core used by each group over the interval (200 % = both cores)."""
    elapsed = after.at - before.at
    used: Counter[str] = Counter()
    for pid, (group, seconds) in after.by_pid.items():
        used[group] += seconds - before.by_pid.get(pid, (group, 0.0))[1]
    shares = {group: 100 * seconds / elapsed for group, seconds in used.items()}
    shares["machine"] = 100 * (after.machine_busy - before.machine_busy) / elapsed
    shares["iowait"] = 100 * (after.machine_iowait - before.machine_iowait) / elapsed
    # Whatever is not ours: other people's processes, their database backends, the kernel.
    ours = sum(shares.get(group, 0.0) for group in ("api", "client", "postgres", "redis"))
    shares["other"] = max(0.0, shares["machine"] - ours)
    return shares


def api_process_shares(before: CpuSample, after: CpuSample) -> list[float]:
    """Percent of one core per API process, busiest first: uvicorn's workers each take the
    connections they accept, so keep-alive connections can leave one worker busier."""
    elapsed = after.at - before.at
    shares = [
        100 * (seconds - before.by_pid.get(pid, (group, 0.0))[1]) / elapsed
        for pid, (group, seconds) in after.by_pid.items()
        if group == "api"
    ]
    return sorted((share for share in shares if share >= 0.5), reverse=True)


# --------------------------------------------------------------------------- the load


@dataclass
class Result:
    started: float
    finished: float
    status: str  # "201", "500", "ReadTimeout", ...

    @property
    def latency_ms(self) -> float:
        return 1000 * (self.finished - self.started)


@dataclass
class LoadRun:
    results: list[Result]
    window: tuple[float, float]
    cpu: dict[str, float]
    error_samples: dict[str, str]
    capped: bool
    unsent: int = 0  # open loop only: requests due before the end that never got a connection
    api_processes: list[float] = field(default_factory=list)  # percent of a core each, busiest first


async def run_load(
    *,
    base_url: str,
    tokens: list[str],
    photo: bytes,
    concurrency: int,
    warmup: float,
    duration: float,
    max_requests: int,
    server_pgid: int,
    rate: float | None = None,
    timeout: float = 30.0,
) -> LoadRun:
    """Closed loop (``rate`` None): ``concurrency`` connections each send the next report as
    soon as the previous answer arrives. Open loop (``rate``): reports are due at a fixed rate
    whatever the server does, at most ``concurrency`` in flight; latency is counted from when a
    report was due, so time spent waiting for a free connection counts (no coordinated omission)."""
    multipart = Multipart(photo)
    rng = random.Random(2026)  # noqa: S311 - positions on a map, not secrets
    results: list[Result] = []
    error_samples: dict[str, str] = {}
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        start = time.perf_counter()
        window = (start + warmup, start + warmup + duration)

        async def submit(n: int, due: float) -> None:
            headers = {
                "Authorization": tokens[n % len(tokens)],
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": multipart.content_type,
            }
            body = multipart.body(complaint_json(rng, n))
            try:
                response = await client.post("/api/v1/complaints", content=body, headers=headers)
                status = str(response.status_code)
                if response.status_code != 201:
                    error_samples.setdefault(status, response.text[:300])
            except httpx.HTTPError as exc:
                status = type(exc).__name__
                detail = str(exc) or (
                    f"no answer within {timeout:g} s" if isinstance(exc, httpx.TimeoutException) else ""
                )
                error_samples.setdefault(status, detail[:300])
            results.append(Result(due, time.perf_counter(), status))

        async def connection(index: int) -> None:
            nonlocal sent
            # Connections open one by one over the first part of the warm-up, as phones would,
            # not in one burst: a worker's event loop accepts every connection waiting at once,
            # so a burst could pin them all to one of uvicorn's workers.
            await asyncio.sleep(index * min(2.0, warmup / 2) / concurrency)
            while time.perf_counter() < window[1] and sent < max_requests:
                sent += 1
                await submit(sent - 1, time.perf_counter())

        async def open_loop(rate: float) -> int:
            nonlocal sent
            slots = asyncio.Semaphore(concurrency)
            queued: dict[int, asyncio.Task] = {}  # due, but still waiting for a connection
            tasks: list[asyncio.Task] = []

            async def one(n: int, due: float) -> None:
                async with slots:
                    queued.pop(n, None)
                    await submit(n, due)

            while sent < max_requests and (due := start + sent / rate) < window[1]:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                queued[sent] = asyncio.create_task(one(sent, due))
                tasks.append(queued[sent])
                sent += 1
            # What is still queued behind the connection limit at the end is the backlog of a
            # server that fell behind: counted, never sent. What is in flight may finish.
            await asyncio.sleep(0)  # the last ones created may take a free slot first
            backlog = list(queued.values())
            for task in backlog:
                task.cancel()
            await asyncio.wait(tasks, timeout=timeout + 5)
            for task in tasks:
                task.cancel()
            return len(backlog)

        async def sample_cpu() -> tuple[dict[str, float], list[float]]:
            await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
            before, sessions = cpu_sample(server_pgid), database_sessions()
            await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
            after = cpu_sample(server_pgid)
            shares = {**cpu_share(before, after), "connections": database_sessions() - sessions}
            return shares, api_process_shares(before, after)

        cpu_task = asyncio.create_task(sample_cpu())
        unsent = 0
        if rate is None:
            await asyncio.gather(*(connection(index) for index in range(concurrency)))
        else:
            unsent = await open_loop(rate)
        cpu, api_processes = await cpu_task
    return LoadRun(
        results, window, cpu, error_samples, capped=sent >= max_requests, unsent=unsent, api_processes=api_processes
    )


# --------------------------------------------------------------------------- report


def report(run: LoadRun, *, args: argparse.Namespace, photo: bytes, quality: int, citizens: int, facts: dict) -> None:
    lo, hi = run.window
    counted = [r for r in run.results if lo <= r.finished <= hi]
    duration = hi - lo
    ok = [r for r in counted if r.status == "201"]
    statuses = Counter(r.status for r in counted)
    latencies = [r.latency_ms for r in counted]
    rate = len(ok) / duration
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    rate_met = rate >= TARGET_RATE
    p95_met = bool(latencies) and p95 < TARGET_P95_MS
    no_errors = len(ok) == len(counted) and bool(counted)

    print(banner("PhanAnh intake benchmark: POST /api/v1/complaints"))
    print(f"  machine      {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load generator on the same machine")
    print(f"  server       phananh serve --workers {args.server_workers} (uvicorn, access log on, as deployed)")
    print(f"  code         {facts['code']}")
    print(f"  database     {BENCH_DB} on 127.0.0.1:5432 (migrated, demo seed); Redis database 9")
    print(
        "  no Celery    tasks only queue up in Redis: "
        f"{facts['queued']} process_photo tasks waiting in queue 'media' at the end"
    )
    print(f"  photo        1280x960 JPEG, {len(photo):,} bytes (quality {quality}, EXIF kept), one per report")
    if args.rate is None:
        load = f"closed loop: {args.concurrency} connections, each sends again as soon as it is answered"
    else:
        load = f"open loop: {args.rate:g} reports/s due, at most {args.concurrency} in flight"
    print(f"  load         {load}")
    print(f"               HTTP/1.1 keep-alive, {citizens} citizens in turn, {args.warmup:g} s warm-up not counted")
    print(
        f"  stored       {facts['complaints']} reports in the database, {facts['originals']} originals on disk "
        f"(warm-up included)"
    )
    print()
    print(row("duration", f"{duration:.1f} s"))
    print(row("requests completed", f"{len(counted)}"))
    print(row("by status", ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())) or "-"))
    print(row("successes (201)", f"{len(ok)}"))
    print(row("errors", f"{len(counted) - len(ok)}", "0", verdict(no_errors)))
    print(row("throughput", f"{rate:.1f} /s", f">= {TARGET_RATE:g} /s", verdict(rate_met)))
    print(row("latency p50", f"{p50:.1f} ms"))
    print(row("latency p95", f"{p95:.1f} ms", f"< {TARGET_P95_MS:g} ms", verdict(p95_met)))
    print(row("latency p99", f"{p99:.1f} ms"))
    print(row("latency max", f"{max(latencies, default=float('nan')):.1f} ms"))
    cpu = run.cpu
    print(
        row(
            "CPU during the window",
            f"{cpu.get('machine', 0):.0f} % busy",
            "",
            f"(of {100 * (os.cpu_count() or 1)} %: API {cpu.get('api', 0):.0f} %, "
            f"postgres {cpu.get('postgres', 0):.0f} %, load generator {cpu.get('client', 0):.0f} %, "
            f"redis {cpu.get('redis', 0):.0f} %, other {cpu.get('other', 0):.0f} %; "
            f"iowait {cpu.get('iowait', 0):.0f} %)",
        )
    )
    print(row("API processes", " + ".join(f"{share:.0f} %" for share in run.api_processes) or "-", "", "(CPU of each)"))
    # Stats reach pg_stat_database within a second or so: good enough for an order of magnitude.
    print(row("new DB connections", f"{cpu.get('connections', 0):.0f}", "", "(opened by the API during the window)"))
    if cpu.get("other", 0) > 15:
        print(
            f"  WARNING      the machine was not quiet (other processes took {cpu.get('other', 0):.0f} % during the "
            "window): these figures understate the service"
        )
    for status, sample in sorted(run.error_samples.items()):
        print(f"  first {status}: {sample}")
    if run.unsent:
        print(f"  backlog      {run.unsent} reports were due but never sent: the server fell behind the rate")
    if args.rate is None:
        # Little's law: in a closed loop the mean latency is the number in flight over the rate.
        needed = args.concurrency / (TARGET_P95_MS / 1000)
        print(
            f"  note         closed loop: mean latency = {args.concurrency} in flight / throughput, so p95 < "
            f"{TARGET_P95_MS:g} ms is out of reach below {needed:.0f}/s at this concurrency (see --rate)"
        )
    if run.capped:
        print(f"  note: stopped at --max-requests {args.max_requests} before the end of the window")
    overall = rate_met and p95_met and no_errors and not run.unsent
    print(
        f"\n  target: {TARGET_RATE:g} submissions/s with p95 under {TARGET_P95_MS:g} ms on this "
        f"{os.cpu_count()}-core machine: {verdict(overall).upper()}"
    )


def _git(*args: str) -> str:
    command = ["git", *args]  # read-only queries
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout  # noqa: S603


def code_version() -> str:
    """Which service code was measured: the commit, and whether service/ had uncommitted edits."""
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        changed = _git("status", "--porcelain", "--", "service", "workers").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"{ROOT} (not a git checkout)"
    return f"commit {commit}" + (f" + {len(changed)} uncommitted files in service/, workers/" if changed else "")


def stored_facts(data_dir: Path) -> dict:
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as connection:
            complaints = connection.execute(text("SELECT count(*) FROM complaints")).scalar_one()
    finally:
        engine.dispose()
    root = data_dir / "media" / "originals"
    originals = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    queued = redis.Redis.from_url(REDIS_URL).llen("media")
    return {"complaints": complaints, "originals": originals, "queued": queued, "code": code_version()}


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds (default 30)")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="connections; with --rate, the most in flight (default 32)"
    )
    parser.add_argument(
        "--rate", type=float, default=None, help="open loop: reports due per second (default: closed loop)"
    )
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (default 5)")
    parser.add_argument("--citizens", type=int, default=50, help="citizens sending in turn (default 50)")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="hard cap on requests sent (default 200000)")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 120:
        parser.error("--duration must be in (0, 600] and --warmup in [0, 120]")
    if args.rate is not None and not 0 < args.rate <= 1000:
        parser.error("--rate must be in (0, 1000]")
    if not 1 <= args.concurrency <= 512 or not 1 <= args.citizens <= 1000 or not 1 <= args.server_workers <= 8:
        parser.error("--concurrency 1..512, --citizens 1..1000, --server-workers 1..8")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_signals()
    data_dir = Path(tempfile.mkdtemp(prefix="phananh-bench-intake-"))
    env = service_env(data_dir)
    server: Server | None = None
    broker = redis.Redis.from_url(REDIS_URL)
    try:
        print(f"[bench.intake] preparing {BENCH_DB}, Redis db 9 and {data_dir} …", flush=True)
        admin_execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)', f'CREATE DATABASE "{BENCH_DB}"')
        broker.flushdb()
        run_command(["migrate"], env, timeout=300)
        run_command(["seed-demo", "--days", "0"], env, timeout=300)  # the organisation only
        photo, quality = build_photo()

        print(f"[bench.intake] starting the API ({args.server_workers} workers) …", flush=True)
        server = start_server(env, data_dir, args.server_workers)
        wait_ready(server)
        print(f"[bench.intake] registering {args.citizens} citizens …", flush=True)
        tokens = asyncio.run(make_citizens(server.base_url, args.citizens))
        smoke_check(server.base_url, tokens[0], photo)
        pace = f"{args.rate:g}/s" if args.rate else f"{args.concurrency} connections"
        print(f"[bench.intake] sending for {args.warmup:g} s warm-up + {args.duration:g} s at {pace} …", flush=True)
        run = asyncio.run(
            run_load(
                base_url=server.base_url,
                tokens=tokens,
                photo=photo,
                concurrency=args.concurrency,
                warmup=args.warmup,
                duration=args.duration,
                max_requests=args.max_requests,
                server_pgid=server.process.pid,
                rate=args.rate,
            )
        )
        if server.process.poll() is not None:
            raise RuntimeError(f"the API died during the run:\n{server.log_tail()}")
        report(run, args=args, photo=photo, quality=quality, citizens=len(tokens), facts=stored_facts(data_dir))
        return 0
    except KeyboardInterrupt:
        print("\n[bench.intake] interrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)  # let the clean-up finish (bounded: ~25 s at most)
        cleanup(server, broker, data_dir)


def cleanup(server: Server | None, broker: redis.Redis, data_dir: Path) -> None:
    steps = [
        ("stop the API", lambda: server.stop() if server else None),
        ("empty Redis db 9", broker.flushdb),
        ("drop the database", lambda: admin_execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')),
        ("remove the data folder", lambda: shutil.rmtree(data_dir, ignore_errors=True)),
    ]
    for what, step in steps:
        try:
            step()
        except Exception as exc:  # every step gets its chance, whatever failed before
            print(f"[bench.intake] could not {what}: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
