"""`make run` end to end: private PostgreSQL+PostGIS and Redis under a data folder, migrate,
seed, API + worker + beat; Ctrl-C stops everything; a second start reuses the data; a
worker killed with -9 stops the run, and neither way leaves a process behind."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from service.core.settings import PROJECT_ROOT
from tests.support.stack import processes_marked, wait_until

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(data_dir: Path, ports: dict[str, int]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        PHANANH_DATA_DIR=str(data_dir),
        PORT=str(ports["api"]),
        PHANANH_PG_PORT=str(ports["pg"]),
        PHANANH_REDIS_PORT=str(ports["redis"]),
        # Two days of history: the same generator as the demo's 90, in seconds.
        PHANANH_DEMO_DAYS="2",
    )
    process = subprocess.Popen(
        ["make", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # As from a terminal, where Ctrl-C is not ignored: a test runner started in the
        # background (CI, nohup … &) ignores SIGINT, its children inherit that, and a shell
        # cannot trap a signal ignored when it started — its Ctrl-C would do nothing.
        preexec_fn=_interruptible,
    )
    # Read as it comes: a full pipe would stop the service mid-write (its logs are long).
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    _OUTPUT[process.pid] = (lines, reader)
    return process


_OUTPUT: dict[int, tuple[list[str], threading.Thread]] = {}


def _output(process: subprocess.Popen) -> str:
    lines, reader = _OUTPUT[process.pid]
    if process.poll() is not None:
        reader.join(timeout=10)
    return "".join(lines)


def _wait_ready(process: subprocess.Popen, port: int, seconds: float = 180) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("make run exited early:\n" + _output(process))
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    pytest.fail("never ready:\n" + _output(process))


def _interrupt(process: subprocess.Popen) -> str:
    # What Ctrl-C does in a terminal: SIGINT to the whole foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    try:
        # The script's own bound: the workers' grace (20 s), then PostgreSQL's shutdown
        # checkpoint, which pg_ctl waits up to 60 s for on a loaded machine.
        process.wait(timeout=100)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        output = _output(process)
        # The script's own lines (what it was doing when it stuck), then the tail of everything.
        own = "".join(line for line in output.splitlines(keepends=True) if "[phananh]" in line)
        pytest.fail(f"make run did not stop on Ctrl-C:\n{own}\n...\n{output[-4000:]}")
    return _output(process)


def _wait_for_history(process: subprocess.Popen, port: int, seconds: float = 180) -> int:
    """Reports in the IOC's figures once the history says it is written (its last line
    names the count; a count that merely stops growing for a while says nothing on a
    loaded machine, where one day's commit can take longer than any pause)."""
    deadline = time.monotonic() + seconds
    while not (written := re.search(r"history: (\d+) reports over", _output(process))):
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail("the demo history did not finish:\n" + _output(process)[-4000:])
        time.sleep(1)
    base = f"http://127.0.0.1:{port}"
    token = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": "quantri", "password": os.environ["PHANANH_DEMO_PASSWORD"]},
        timeout=60,
    ).json()["access_token"]
    summary = httpx.get(f"{base}/api/v1/ioc/summary", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    total = sum(summary.json()["by_status"].values())
    assert total == int(written.group(1)), (total, written.group(0))
    return total


def _left_behind(data_dir: Path, seconds: float = 15) -> list[tuple[int, str]]:
    """Processes of this run still alive: every one of them (the API, the worker and its
    pool children, beat, Redis, PostgreSQL) has the run's PHANANH_DATA_DIR in its environment."""
    marker = f"PHANANH_DATA_DIR={data_dir}\0"
    deadline = time.monotonic() + seconds
    while (left := processes_marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _worker_processes(data_dir: Path) -> list[tuple[int, str]]:
    return [(pid, cmd) for pid, cmd in processes_marked(f"PHANANH_DATA_DIR={data_dir}\0") if " worker" in cmd]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_make_run_serves_and_stops_cleanly_and_reuses_its_data():
    data_dir = PROJECT_ROOT / ".data" / f"test-make-run-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    shutil.rmtree(data_dir, ignore_errors=True)
    ports = {"api": _free_port(), "pg": _free_port(), "redis": _free_port()}
    try:
        first = _start(data_dir, ports)
        ready = _wait_ready(first, ports["api"])
        checks = ready.json()["checks"]
        assert checks["database"]["ok"] and checks["redis"]["ok"]
        ward = httpx.get(f"http://127.0.0.1:{ports['api']}/api/v1/areas", params={"lat": 21.5063, "lon": 105.868})
        assert ward.json()["code"] == "05528"
        reports = _wait_for_history(first, ports["api"])
        assert reports > 10
        output = _interrupt(first)
        assert "creating a private PostgreSQL cluster" in output
        assert f"history: {reports} reports over 2 days" in output
        assert "stopped" in output
        for name, port in ports.items():
            assert not _port_open(port), f"{name} still listening on {port} after Ctrl-C"
        assert _left_behind(data_dir) == [], "processes outlived make run's Ctrl-C"

        # The worker is killed with -9 (the OOM killer's way): its pool children must not
        # live on, and the run, now half a service, stops the rest.
        second = _start(data_dir, ports)
        _wait_ready(second, ports["api"])
        # The worker and its two pool children (forked once it is up: on a loaded machine
        # that can be after the API answers).
        workers = wait_until(
            lambda: w if len(w := _worker_processes(data_dir)) >= 3 else None,
            timeout=60,
            what="the worker's pool children",
        )
        pids = {pid for pid, _ in workers}
        (main,) = [pid for pid in pids if _parent(pid) not in pids]  # the pool's parent
        os.kill(main, signal.SIGKILL)
        try:
            second.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            pytest.fail("make run went on without its worker:\n" + _output(second)[-6000:])
        output = _output(second)
        assert "stopped" in output
        assert _left_behind(data_dir) == [], "processes outlived a worker killed with -9"
        assert "creating a private PostgreSQL cluster" not in output
        assert "demo organisation already present" in output
        assert "demo history already present" in output
    finally:
        # A failed run's components are in sessions of their own: Ctrl-C on make no longer
        # reaches them, so whatever of this run is still alive goes here, found by its marker.
        for pid, _ in processes_marked(f"PHANANH_DATA_DIR={data_dir}\0"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pg_data = data_dir / "postgres" / "data"
        if (pg_data / "postmaster.pid").exists():
            pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(pg_ctl), "-D", str(pg_data), "-m", "immediate", "stop"],
                check=False,
            )
        shutil.rmtree(data_dir, ignore_errors=True)
