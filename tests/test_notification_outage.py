"""Redis goes away while a report changes state: every notification still arrives, once.

The real processes — the API, a Celery worker and beat — run against a private
``redis-server`` that keeps nothing on disk, so stopping it loses every queued message
(the harshest outage: only the outbox in PostgreSQL remembers what is owed). The peers
are real local servers: an HTTP server as FCM, another as the SMS gateway, aiosmtpd for
email. The shared Redis the other tests use is never touched.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx2 as httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import DEMO_PASSWORD, free_port, login, register_citizen
from tests.support.peers import HttpPeer, SmtpPeer, running_http_peer, running_smtp_peer
from tests.test_handling_dispatch import BACH_QUANG, actions
from tests.test_routing import PNG, send

T = TypeVar("T")

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
FCM_PROJECT = "phananh-outage"
SMS_KEY = "sms-outage-key"
# The two demo officers of Bạch Quang's KTHT office: routing gives the report to one.
OFFICERS = ("canbo.bachquang", "canbo2.bachquang")
MESSAGE_ID = re.compile(r"^<phananh\.([0-9a-f-]{36})@[^>]+>$")


# --- processes ---------------------------------------------------------------------------


class Processes:
    """Subprocesses whose output goes to files (a pipe nobody reads would fill and block)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: list[tuple[str, Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log_path = self.directory / f"{name}-{len(self.logs)}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=Path.cwd()
            )
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

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def print_logs(self) -> None:
        for name, path in self.logs:
            output = path.read_text(errors="replace") if path.exists() else ""
            print(f"---- {name} ({path.name}) ----\n{output[-12000:]}")


def start_redis(processes: Processes, port: int) -> None:
    """A redis-server that forgets everything when it stops: no RDB, no AOF."""
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(processes.directory), "--daemonize", "no"]
    processes.start("redis", command, env=dict(os.environ))
    client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    wait_until(answers, timeout=10, what="the private redis-server")
    assert client.dbsize() == 0  # a fresh start: whatever was queued before is gone
    client.close()


def wait_until(check: Callable[[], T], *, timeout: float, what: str, every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


# --- the database, read as it is committed ----------------------------------------------


def outbox_rows(engine: Engine, complaint_id: uuid.UUID) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                """
                SELECT o.id, o.channel, o.status, o.attempts, o.last_error, d.token,
                       n.id AS notification_id, n.event, n.user_id
                FROM notification_outbox o
                JOIN notifications n ON n.id = o.notification_id
                LEFT JOIN devices d ON d.id = o.device_id
                WHERE n.complaint_id = :complaint_id
                """
            ),
            {"complaint_id": complaint_id},
        )
        return [dict(row._mapping) for row in rows]


def inbox_rows(engine: Engine, complaint_id: uuid.UUID) -> Counter:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT event, user_id FROM notifications WHERE complaint_id = :complaint_id"),
            {"complaint_id": complaint_id},
        )
        return Counter((event, user_id) for event, user_id in rows)


def all_sent(engine: Engine, complaint_id: uuid.UUID, expected: int) -> list[dict[str, Any]] | None:
    rows = outbox_rows(engine, complaint_id)
    if len(rows) == expected and all(row["status"] == "sent" for row in rows):
        return rows
    return None


# --- what the peers received, by outbox row -----------------------------------------------


def delivered(engine: Engine, fcm: HttpPeer, sms: HttpPeer, smtp: SmtpPeer) -> Counter:
    """Every message the peers took, as the outbox row id it delivers (counted).

    SMS and email carry the row id (``reference``, Message-ID); a push carries its
    notification's id, and the device token tells the rows of one notification apart.
    A message that names no outbox row at all fails the test.
    """
    arrived: Counter = Counter()
    for request in list(sms.requests):
        arrived[("sms", str(request.body["reference"]))] += 1
    for message in list(smtp.handler.received):
        match = MESSAGE_ID.match(str(message["Message-ID"]))
        assert match, f"an email without a PhanAnh Message-ID: {message['Message-ID']!r}"
        arrived[("email", match.group(1))] += 1
    pushes = [(r.body["message"]["data"]["notification_id"], r.body["message"]["token"]) for r in list(fcm.requests)]
    with engine.connect() as connection:
        for notification_id, token in pushes:
            outbox_id = connection.execute(
                text(
                    "SELECT o.id FROM notification_outbox o JOIN devices d ON d.id = o.device_id "
                    "WHERE o.notification_id = :n AND o.channel = 'push' AND d.token = :token"
                ),
                {"n": notification_id, "token": token},
            ).scalar_one_or_none()
            assert outbox_id is not None, f"a push that no outbox row owes: {notification_id} to {token}"
            arrived[("push", str(outbox_id))] += 1
    return arrived


def ours(arrived: Counter, rows: list[dict[str, Any]]) -> Counter:
    """The part of what arrived that delivers this report's rows (beat also sweeps for
    whatever else is pending in the test database)."""
    mine = {(row["channel"], str(row["id"])) for row in rows}
    return Counter({key: count for key, count in arrived.items() if key in mine})


# --- the test ------------------------------------------------------------------------------


def test_every_notification_arrives_exactly_once_across_a_redis_restart(database: str) -> None:
    from tests.conftest import DATABASE_URL

    engine = create_engine(DATABASE_URL)
    workdir = Path(tempfile.mkdtemp(prefix="phananh-outage-"))
    processes = Processes(workdir)
    tag = uuid.uuid4().hex[:8]
    officer_emails = {name: f"{name.replace('.', '-')}-{tag}@example.vn" for name in OFFICERS}
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT username, email FROM users WHERE username = ANY(:u)"), {"u": list(OFFICERS)}
        )
        original_emails = {name: email for name, email in found}
    with running_http_peer() as fcm, running_http_peer() as sms, running_smtp_peer() as smtp:
        redis_port, api_port = free_port(), free_port()
        env = {
            **os.environ,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "FCM_BASE_URL": fcm.url,
            "FCM_PROJECT_ID": FCM_PROJECT,
            "FCM_ACCESS_TOKEN": "ya29.outage-token",
            "SMS_GATEWAY_URL": f"{sms.url}/api/sms",
            "SMS_API_KEY": SMS_KEY,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "false",
            "NOTIFY_SWEEP_SECONDS": "1",
            "NOTIFY_CLAIM_SECONDS": "3",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_TIMEOUT_SECONDS": "5",
        }
        api = f"http://127.0.0.1:{api_port}"
        started = time.monotonic()
        try:
            start_redis(processes, redis_port)
            serve = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(api_port)]
            processes.start("api", serve, env)
            worker = [sys.executable, "-m", "service.cli", "worker", "--concurrency", "1"]
            processes.start("worker", [*worker, "--queues", "default,media,notify"], env)
            beat_dir = tempfile.mkdtemp(prefix="beat-", dir=workdir)
            processes.start("beat", [sys.executable, "-m", "service.cli", "beat"], {**env, "PHANANH_DATA_DIR": beat_dir})

            with httpx.Client(base_url=api, timeout=30) as http:

                def api_up() -> bool:
                    try:
                        return http.get("/healthz").status_code == 200
                    except httpx.TransportError:
                        return False

                wait_until(api_up, timeout=30, what="the API")

                # Everything that needs Redis (registration and login are rate limited
                # there) happens before the outage.
                citizen = register_citizen(http)
                me = http.patch("/api/v1/me", headers=citizen, json={"email": f"citizen-{tag}@example.vn"})
                assert me.status_code == 200, me.text
                citizen_id, citizen_phone = me.json()["id"], me.json()["phone"]
                citizen_token = f"citizen-device-{tag}"
                device = http.post(
                    "/api/v1/me/devices", headers=citizen, json={"token": citizen_token, "platform": "android"}
                )
                assert device.status_code == 201, device.text
                # SMS for "acknowledged" on (off by default), email for "info_requested" off.
                chosen = http.put(
                    "/api/v1/me/notification-preferences",
                    headers=citizen,
                    json={
                        "items": [
                            {"event": "acknowledged", "channel": "sms", "enabled": True},
                            {"event": "info_requested", "channel": "email", "enabled": False},
                        ]
                    },
                )
                assert chosen.status_code == 200, chosen.text

                officers: dict[int, dict[str, str]] = {}
                for name in OFFICERS:
                    headers = login(http, name, DEMO_PASSWORD)  # type: ignore[arg-type]
                    me = http.patch("/api/v1/me", headers=headers, json={"email": officer_emails[name]})
                    assert me.status_code == 200, me.text
                    token = f"officer-device-{name}-{tag}"
                    device = http.post("/api/v1/me/devices", headers=headers, json={"token": token, "platform": "ios"})
                    assert device.status_code == 201, device.text
                    officers[me.json()["id"]] = headers

                report = send(http, citizen, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])
                complaint_id = uuid.UUID(report["id"])
                with engine.connect() as connection:
                    officer_id = connection.execute(
                        text("SELECT current_officer_id FROM complaints WHERE id = :id"), {"id": complaint_id}
                    ).scalar_one()
                assert officer_id in officers, f"the report went to user {officer_id}, not a demo officer"
                officer = officers[officer_id]

                # Submitted and assigned: the citizen hears "received" (push, email; no SMS by
                # default), the officer "new_work" (push, email). Wait until they are out.
                first = wait_until(
                    lambda: all_sent(engine, complaint_id, 4), timeout=30, what="the first four deliveries"
                )
                assert Counter((row["event"], row["user_id"], row["channel"]) for row in first) == Counter(
                    {
                        ("received", citizen_id, "push"): 1,
                        ("received", citizen_id, "email"): 1,
                        ("new_work", officer_id, "push"): 1,
                        ("new_work", officer_id, "email"): 1,
                    }
                )
                before_outage = ours(delivered(engine, fcm, sms, smtp), first)
                assert before_outage == Counter({(row["channel"], str(row["id"])): 1 for row in first})

                # --- Redis goes away: every queued message with it ------------------------
                processes.stop("redis")
                outage_started = time.monotonic()
                timings: list[tuple[str, int, float]] = []

                def act(name: str, headers: dict[str, str], **request: Any) -> None:
                    began = time.monotonic()
                    response = http.post(actions(report["id"], name), headers=headers, **request)
                    timings.append((name, response.status_code, time.monotonic() - began))
                    assert response.status_code == 200, (
                        f"{name} with Redis down answered {response.status_code}: {response.text}"
                    )

                act("acknowledge", officer)
                act("start", officer, json={})
                act("request-info", officer, json={"question": "Ổ gà ở trước số nhà nào?"})
                act("answer", citizen, json={"answer": "Trước số 12"})
                act(
                    "resolve",
                    officer,
                    data={"result": "Đã vá ổ gà bằng bê tông nhựa"},
                    files=[("photos", ("after.png", PNG, "image/png"))],
                )
                print("actions with Redis down (name, status, seconds):", timings)
                status = http.get(f"/api/v1/complaints/{report['id']}", headers=citizen).json()["status"]
                assert status == "resolved"

                # Committed with the changes, and waiting: nothing could be queued.
                during = outbox_rows(engine, complaint_id)
                waiting = [row for row in during if row["status"] == "pending"]
                assert len(during) == 4 + 10
                assert len(waiting) == 10 and all(row["attempts"] == 0 for row in waiting)
                assert ours(delivered(engine, fcm, sms, smtp), during) == before_outage
                outage = time.monotonic() - outage_started

                # --- Redis comes back, empty: the sweep finds what the outbox still owes --
                start_redis(processes, redis_port)
                rows = wait_until(
                    lambda: all_sent(engine, complaint_id, 14), timeout=60, what="every delivery to be sent", every=0.5
                )
                recovered = time.monotonic() - outage_started - outage
                time.sleep(4)  # several more sweeps: nothing is sent again

                # Exactly what the timeline owes, each to the right person on the right channel.
                expected = Counter(
                    {
                        ("received", citizen_id, "push"): 1,
                        ("received", citizen_id, "email"): 1,
                        ("new_work", officer_id, "push"): 1,
                        ("new_work", officer_id, "email"): 1,
                        ("acknowledged", citizen_id, "push"): 1,
                        ("acknowledged", citizen_id, "sms"): 1,
                        ("acknowledged", citizen_id, "email"): 1,
                        ("info_requested", citizen_id, "push"): 1,
                        ("info_requested", citizen_id, "sms"): 1,
                        ("info_provided", officer_id, "push"): 1,
                        ("info_provided", officer_id, "email"): 1,
                        ("resolved", citizen_id, "push"): 1,
                        ("resolved", citizen_id, "sms"): 1,
                        ("resolved", citizen_id, "email"): 1,
                    }
                )
                rows = outbox_rows(engine, complaint_id)
                assert Counter((row["event"], row["user_id"], row["channel"]) for row in rows) == expected
                assert all(row["status"] == "sent" for row in rows), rows
                # One attempt each: no delivery was tried twice.
                assert [row for row in rows if row["attempts"] != 1] == []

                # Each row reached its peer exactly once, and nothing else of this report did.
                arrived = delivered(engine, fcm, sms, smtp)
                assert ours(arrived, rows) == Counter({(row["channel"], str(row["id"])): 1 for row in rows})
                assert sum(ours(arrived, rows).values()) == len(rows) == 14
                # ...to the right address.
                sms_to = {request.body["to"] for request in sms.requests}
                assert citizen_phone in sms_to
                citizen_sms = [r for r in sms.requests if r.body["to"] == citizen_phone]
                assert len(citizen_sms) == 3
                mine = {f"citizen-{tag}@example.vn", *officer_emails.values()}
                to_us = Counter(str(m["To"]) for m in smtp.handler.received if str(m["To"]) in mine)
                holder = next(name for name in OFFICERS if officers_id(engine, name) == officer_id)
                assert to_us == Counter({f"citizen-{tag}@example.vn": 3, officer_emails[holder]: 2})
                tokens = Counter(r.body["message"]["token"] for r in fcm.requests if tag in r.body["message"]["token"])
                assert tokens == Counter({citizen_token: 4, f"officer-device-{holder}-{tag}": 2})

                # The inbox: one line per notification, whatever happened to the channels.
                assert inbox_rows(engine, complaint_id) == Counter(
                    {
                        ("received", citizen_id): 1,
                        ("new_work", officer_id): 1,
                        ("acknowledged", citizen_id): 1,
                        ("info_requested", citizen_id): 1,
                        ("info_provided", officer_id): 1,
                        ("resolved", citizen_id): 1,
                    }
                )
                listed = http.get("/api/v1/notifications", headers=citizen, params={"limit": 100})
                assert listed.status_code == 200, listed.text
                assert Counter(item["event"] for item in listed.json()["items"]) == Counter(
                    ["received", "acknowledged", "info_requested", "resolved"]
                )
            print(f"outage {outage:.1f}s, recovered {recovered:.1f}s after Redis came back")
        finally:
            processes.stop_all()
            processes.print_logs()
            print(f"---- wall time {time.monotonic() - started:.1f}s ----")
            # The demo officers outlive this test in the session's database: put them back.
            with engine.begin() as connection:
                for name, email in original_emails.items():
                    connection.execute(
                        text("UPDATE users SET email = :email WHERE username = :name"), {"email": email, "name": name}
                    )
                connection.execute(text("DELETE FROM devices WHERE token LIKE :t"), {"t": f"%-{tag}"})
            engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)


def officers_id(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one()
