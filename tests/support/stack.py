"""The service's real processes for tests that break its dependencies: subprocesses
logging to files, a private ``redis-server``, and what the notification peers received
(counted per outbox row). Used by tests/notifications/test_outage.py and tests/faults/."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.support.peers import HttpPeer, SmtpPeer

T = TypeVar("T")

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
MESSAGE_ID = re.compile(r"^<phananh\.([0-9a-f-]{36})@[^>]+>$")


class Processes:
    """Subprocesses whose output goes to files (a pipe nobody reads would fill and block).
    Each runs in a session of its own, so stopping one stops its children too."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: list[tuple[str, Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log_path = self.directory / f"{len(self.logs)}-{name}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = process
        self.logs.append((name, log_path))
        return process

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        # Whatever it started and left behind (a pool child) goes with its session.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def kill(self, name: str) -> subprocess.Popen:
        """kill -9 the process itself, as the OOM killer would: not its children."""
        process = self.running.pop(name)
        process.kill()
        process.wait(timeout=15)
        return process

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def log_of(self, name: str) -> str:
        return "\n".join(path.read_text(errors="replace") for n, path in self.logs if n == name and path.exists())

    def print_logs(self, tail: int = 12000) -> None:
        for name, path in self.logs:
            output = path.read_text(errors="replace") if path.exists() else ""
            print(f"---- {name} ({path.name}) ----\n{output[-tail:]}")


def redis_answers(port: int) -> bool:
    client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start_redis(processes: Processes, port: int, env: dict[str, str] | None = None) -> None:
    """A redis-server that forgets everything when it stops: no RDB, no AOF."""
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(processes.directory), "--daemonize", "no"]
    processes.start("redis", command, env or dict(os.environ))
    wait_until(lambda: redis_answers(port), timeout=10, what="the private redis-server")
    client = redis.Redis(port=port)
    # Whatever was queued before it stopped is gone: the mark left by its previous start
    # is not there. (Not "no keys at all": the service's processes reconnect within
    # milliseconds and write again, before this line runs on a loaded machine.)
    assert client.get(_EARLIER_START) is None, "the restarted redis-server kept its data"
    client.set(_EARLIER_START, 1)
    client.close()


_EARLIER_START = "phananh-test:started-before"


def start_service(processes: Processes, env: dict[str, str], api_port: int, *, worker_concurrency: int = 1) -> None:
    """The API, one worker on every queue, and beat (its schedule file in a directory of its own)."""
    cli = [sys.executable, "-m", "service.cli"]
    processes.start("api", [*cli, "serve", "--host", "127.0.0.1", "--port", str(api_port)], env)
    start_worker(processes, env, concurrency=worker_concurrency)
    beat_dir = tempfile.mkdtemp(prefix="beat-", dir=processes.directory)
    processes.start("beat", [*cli, "beat"], {**env, "PHANANH_DATA_DIR": beat_dir})


def start_worker(
    processes: Processes, env: dict[str, str], *, concurrency: int = 1, module: str = "service.cli"
) -> subprocess.Popen:
    command = [sys.executable, "-m", module, "worker", "--concurrency", str(concurrency)]
    return processes.start("worker", [*command, "--queues", "default,media,notify"], env)


def wait_until(check: Callable[[], T], *, timeout: float, what: str, every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def processes_marked(marker: str) -> list[tuple[int, str]]:
    """Live processes whose environment holds ``marker`` (pid, command line): what a run
    started, however it was started and whoever its parent is now."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if state != "Z":  # a zombie is gone, only not yet reaped by its parent
            found.append((int(entry.name), command.strip()))
    return found


# --- what the peers received ---------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    channel: str
    outbox_id: str
    address: str  # the phone number, email address or device token it went to


def arrivals(engine: Engine, fcm: HttpPeer, sms: HttpPeer, smtp: SmtpPeer) -> list[Arrival]:
    """Every message the peers took, named by the outbox row it delivers.

    SMS and email carry the row's id (``reference``, Message-ID); a push carries its
    notification's id, and the device token tells that notification's rows apart. A
    message that no outbox row owes fails the test.
    """
    found = [Arrival("sms", str(r.body["reference"]), r.body["to"]) for r in list(sms.requests)]
    for message in list(smtp.handler.received):
        match = MESSAGE_ID.match(str(message["Message-ID"]))
        assert match, f"an email without a PhanAnh Message-ID: {message['Message-ID']!r}"
        found.append(Arrival("email", match.group(1), str(message["To"])))
    with engine.connect() as connection:
        for request in list(fcm.requests):
            push = request.body["message"]
            outbox_id = connection.execute(
                text(
                    "SELECT o.id FROM notification_outbox o JOIN devices d ON d.id = o.device_id "
                    "WHERE o.notification_id = :notification AND o.channel = 'push' AND d.token = :token"
                ),
                {"notification": push["data"]["notification_id"], "token": push["token"]},
            ).scalar_one_or_none()
            assert outbox_id is not None, f"a push no outbox row owes: {push}"
            found.append(Arrival("push", str(outbox_id), push["token"]))
        known = {
            str(outbox_id)
            for (outbox_id,) in connection.execute(
                text("SELECT id FROM notification_outbox WHERE id = ANY(:ids)"),
                {"ids": [uuid.UUID(a.outbox_id) for a in found if a.channel != "push"]},
            )
        }
    strays = [a for a in found if a.channel != "push" and a.outbox_id not in known]
    assert strays == [], f"messages no outbox row owes: {strays}"
    return found


def arrived_for(found: list[Arrival], rows: list[dict[str, Any]]) -> Counter:
    """How many times each of ``rows`` reached its peer (beat sweeps the whole test
    database, so messages for other reports may arrive too: they are not counted)."""
    mine = {(row["channel"], str(row["id"])) for row in rows}
    return Counter((a.channel, a.outbox_id) for a in found if (a.channel, a.outbox_id) in mine)
