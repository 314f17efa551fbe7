"""Redis goes away while a report changes state: every notification still arrives, once.

The real processes — the API, a Celery worker and beat — run against a private
``redis-server`` that keeps nothing on disk, so stopping it loses every queued message
(the harshest outage: only the outbox in PostgreSQL remembers what is owed). The peers
are real local servers: an HTTP server as FCM, another as the SMS gateway, aiosmtpd for
email. The shared Redis the other tests use is never touched.
"""

import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import DEMO_PASSWORD, free_port, login, register_citizen
from tests.routing.test_routing import PNG, send
from tests.support.peers import running_http_peer, running_smtp_peer
from tests.support.stack import Processes, arrivals, arrived_for, start_redis, start_service, wait_until
from tests.workflow.test_handling_dispatch import BACH_QUANG, actions

# The two demo officers of Bạch Quang's KTHT office: routing gives the report to one.
OFFICERS = ("canbo.bachquang", "canbo2.bachquang")


# --- the database, as committed ------------------------------------------------------------


def outbox_rows(engine: Engine, complaint_id: uuid.UUID) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                """
                SELECT o.id, o.channel, o.status, o.attempts, o.last_error, n.event, n.user_id
                FROM notification_outbox o JOIN notifications n ON n.id = o.notification_id
                WHERE n.complaint_id = :complaint_id
                """
            ),
            {"complaint_id": complaint_id},
        )
        return [dict(row._mapping) for row in rows]


def owed(rows: list[dict[str, Any]]) -> Counter:
    return Counter((row["event"], row["user_id"], row["channel"]) for row in rows)


def all_sent(engine: Engine, complaint_id: uuid.UUID, count: int) -> list[dict[str, Any]] | None:
    rows = outbox_rows(engine, complaint_id)
    return rows if len(rows) == count and all(row["status"] == "sent" for row in rows) else None


def inbox(engine: Engine, complaint_id: uuid.UUID) -> Counter:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT event, user_id FROM notifications WHERE complaint_id = :complaint_id"),
            {"complaint_id": complaint_id},
        )
        return Counter((event, user_id) for event, user_id in rows)


# --- the test ------------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    headers: dict[str, str]
    addresses: dict[str, str]  # channel -> where its messages must go


def citizen_who_wants_sms(http: httpx.Client, tag: str) -> Person:
    """A new citizen with a phone, an email and one app install, who turned SMS on for
    "acknowledged" (off by default) and email off for "info_requested"."""
    headers = register_citizen(http)
    me = http.patch("/api/v1/me", headers=headers, json={"email": f"citizen-{tag}@example.vn"})
    assert me.status_code == 200, me.text
    token = f"citizen-device-{tag}"
    device = http.post("/api/v1/me/devices", headers=headers, json={"token": token, "platform": "android"})
    assert device.status_code == 201, device.text
    choices = [
        {"event": "acknowledged", "channel": "sms", "enabled": True},
        {"event": "info_requested", "channel": "email", "enabled": False},
    ]
    chosen = http.put("/api/v1/me/notification-preferences", headers=headers, json={"items": choices})
    assert chosen.status_code == 200, chosen.text
    addresses = {"sms": me.json()["phone"], "email": me.json()["email"], "push": token}
    return Person(me.json()["id"], headers, addresses)


def reachable_officer(http: httpx.Client, username: str, tag: str) -> Person:
    """A demo officer with an email and an app install of this run's own."""
    headers = login(http, username, DEMO_PASSWORD)  # type: ignore[arg-type]
    email = f"{username.replace('.', '-')}-{tag}@example.vn"
    me = http.patch("/api/v1/me", headers=headers, json={"email": email})
    assert me.status_code == 200, me.text
    token = f"officer-device-{username}-{tag}"
    device = http.post("/api/v1/me/devices", headers=headers, json={"token": token, "platform": "ios"})
    assert device.status_code == 201, device.text
    return Person(me.json()["id"], headers, {"email": email, "push": token})


def test_every_notification_arrives_exactly_once_across_a_redis_restart(database: str) -> None:
    from tests.conftest import DATABASE_URL

    engine = create_engine(DATABASE_URL)
    processes = Processes(Path(tempfile.mkdtemp(prefix="phananh-outage-")))
    tag = uuid.uuid4().hex[:8]
    with engine.begin() as connection:
        found = connection.execute(
            text("SELECT username, email FROM users WHERE username = ANY(:u)"), {"u": list(OFFICERS)}
        )
        officer_emails = {username: email for username, email in found}
        # Other tests on this database may have added officers to the same office; routing
        # would pick the least loaded. Off duty for this test, so the report goes to a
        # demo officer whose addresses the test knows.
        parked = list(
            connection.execute(
                text(
                    "UPDATE users SET on_duty = false WHERE on_duty AND role = 'officer' AND NOT username = ANY(:u) "
                    "AND unit_id = (SELECT unit_id FROM users WHERE username = :first) RETURNING id"
                ),
                {"u": list(OFFICERS), "first": OFFICERS[0]},
            ).scalars()
        )
    started = time.monotonic()
    with running_http_peer() as fcm, running_http_peer() as sms, running_smtp_peer() as smtp:
        redis_port, api_port = free_port(), free_port()
        env = {
            **os.environ,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "FCM_BASE_URL": fcm.url,
            "FCM_PROJECT_ID": "phananh-outage",
            "FCM_ACCESS_TOKEN": "ya29.outage-token",
            "SMS_GATEWAY_URL": f"{sms.url}/api/sms",
            "SMS_API_KEY": "sms-outage-key",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "false",
            "NOTIFY_SWEEP_SECONDS": "1",
            "NOTIFY_CLAIM_SECONDS": "3",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_TIMEOUT_SECONDS": "5",
        }
        try:
            start_redis(processes, redis_port)
            start_service(processes, env, api_port)
            with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:

                def api_up() -> bool:
                    try:
                        return http.get("/healthz").status_code == 200
                    except httpx.TransportError:
                        return False

                wait_until(api_up, timeout=30, what="the API")

                # Whatever needs Redis (registration and login are rate limited there)
                # happens before the outage.
                citizen = citizen_who_wants_sms(http, tag)
                officers = {person.id: person for person in (reachable_officer(http, u, tag) for u in OFFICERS)}
                report = send(http, citizen.headers, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])
                complaint_id = uuid.UUID(report["id"])
                with engine.connect() as connection:
                    holder_id = connection.execute(
                        text("SELECT current_officer_id FROM complaints WHERE id = :id"), {"id": complaint_id}
                    ).scalar_one()
                assert holder_id in officers, f"the report went to user {holder_id}, not a demo officer"
                officer = officers[holder_id]
                people = {citizen.id: citizen, officer.id: officer}

                # Submitted and assigned: the citizen hears "received" (push, email: no SMS by
                # default), the officer "new_work". All four go out while Redis is up.
                first = wait_until(lambda: all_sent(engine, complaint_id, 4), timeout=30, what="the first deliveries")
                assert owed(first) == Counter(
                    {
                        ("received", citizen.id, "push"): 1,
                        ("received", citizen.id, "email"): 1,
                        ("new_work", officer.id, "push"): 1,
                        ("new_work", officer.id, "email"): 1,
                    }
                )
                assert arrived_for(arrivals(engine, fcm, sms, smtp), first) == Counter(
                    {(row["channel"], str(row["id"])): 1 for row in first}
                )

                # --- Redis goes away, and every message queued in it -------------------
                processes.stop("redis")
                outage_began = time.monotonic()
                answers: list[tuple[str, int, float]] = []
                # Each change commits, so each must answer 200 — checked at the end, once
                # the deliveries have shown whether what it owed got out anyway.
                refused: list[str] = []

                def act(name: str, person: Person, **request: Any) -> None:
                    began = time.monotonic()
                    # A new connection each time: uvicorn drops the connection after an
                    # unhandled error, and a kept-alive one would fail the next request.
                    headers = {**person.headers, "Connection": "close"}
                    response = http.post(actions(report["id"], name), headers=headers, **request)
                    answers.append((name, response.status_code, round(time.monotonic() - began, 2)))
                    if response.status_code != 200:
                        refused.append(f"{name} with Redis down answered {response.status_code}: {response.text}")

                act("acknowledge", officer)
                act("start", officer, json={})
                act("request-info", officer, json={"question": "Ổ gà ở trước số nhà nào?"})
                act("answer", citizen, json={"answer": "Trước số 12"})
                result = {"result": "Đã vá ổ gà bằng bê tông nhựa"}
                act("resolve", officer, data=result, files=[("photos", ("after.png", PNG, "image/png"))])
                print("actions with Redis down (action, status, seconds):", answers)
                seen = http.get(
                    f"/api/v1/complaints/{report['id']}", headers={**citizen.headers, "Connection": "close"}
                )
                assert seen.json()["status"] == "resolved", (seen.text, refused)

                # What the changes owe is committed with them, and waits: nothing was queued.
                during = outbox_rows(engine, complaint_id)
                waiting = [row for row in during if row["status"] == "pending"]
                assert len(during) == 4 + 10, (owed(during), refused)
                assert len(waiting) == 10 and all(row["attempts"] == 0 for row in waiting), during
                assert arrived_for(arrivals(engine, fcm, sms, smtp), during) == Counter(
                    {(row["channel"], str(row["id"])): 1 for row in first}
                )

                # --- Redis comes back, empty: the sweep finds what the outbox owes ------
                outage = time.monotonic() - outage_began
                start_redis(processes, redis_port)
                back = time.monotonic()
                wait_until(lambda: all_sent(engine, complaint_id, 14), timeout=60, what="every delivery", every=0.5)
                recovered = time.monotonic() - back
                time.sleep(4)  # several more sweeps: nothing goes out again

                rows = outbox_rows(engine, complaint_id)
                assert owed(rows) == Counter(
                    {
                        ("received", citizen.id, "push"): 1,
                        ("received", citizen.id, "email"): 1,
                        ("new_work", officer.id, "push"): 1,
                        ("new_work", officer.id, "email"): 1,
                        ("acknowledged", citizen.id, "push"): 1,
                        ("acknowledged", citizen.id, "sms"): 1,  # turned on
                        ("acknowledged", citizen.id, "email"): 1,
                        ("info_requested", citizen.id, "push"): 1,
                        ("info_requested", citizen.id, "sms"): 1,  # email turned off
                        ("info_provided", officer.id, "push"): 1,
                        ("info_provided", officer.id, "email"): 1,
                        ("resolved", citizen.id, "push"): 1,
                        ("resolved", citizen.id, "sms"): 1,
                        ("resolved", citizen.id, "email"): 1,
                    }
                )
                assert [row for row in rows if row["status"] != "sent" or row["attempts"] != 1] == []

                # Each row reached its peer exactly once, at its person's address.
                found = arrivals(engine, fcm, sms, smtp)
                assert arrived_for(found, rows) == Counter({(row["channel"], str(row["id"])): 1 for row in rows})
                by_id = {str(row["id"]): row for row in rows}
                for arrival in found:
                    if (row := by_id.get(arrival.outbox_id)) is not None:
                        assert arrival.address == people[row["user_id"]].addresses[row["channel"]], (arrival, row)
                # The citizen is new: everything that reached them is this report's.
                to_citizen = Counter(a.channel for a in found if a.address in citizen.addresses.values())
                assert to_citizen == Counter({"push": 4, "sms": 3, "email": 3})

                # The inbox: one line per notification, whatever happened to the channels.
                assert inbox(engine, complaint_id) == Counter(
                    {
                        ("received", citizen.id): 1,
                        ("new_work", officer.id): 1,
                        ("acknowledged", citizen.id): 1,
                        ("info_requested", citizen.id): 1,
                        ("info_provided", officer.id): 1,
                        ("resolved", citizen.id): 1,
                    }
                )
                listed = http.get("/api/v1/notifications", headers=citizen.headers, params={"limit": 100})
                assert listed.status_code == 200, listed.text
                assert Counter(item["event"] for item in listed.json()["items"]) == Counter(
                    ["received", "acknowledged", "info_requested", "resolved"]
                )
            print(f"Redis down {outage:.1f}s; every delivery out {recovered:.1f}s after it came back")
            assert refused == [], refused
        finally:
            processes.stop_all()
            processes.print_logs()
            print(f"---- wall time {time.monotonic() - started:.1f}s ----")
            # The demo officers outlive this test in the session's database: put them back.
            with engine.begin() as connection:
                for username, email in officer_emails.items():
                    connection.execute(
                        text("UPDATE users SET email = :email WHERE username = :u"), {"email": email, "u": username}
                    )
                connection.execute(text("DELETE FROM devices WHERE token LIKE :tokens"), {"tokens": f"%-{tag}"})
                connection.execute(text("UPDATE users SET on_duty = true WHERE id = ANY(:ids)"), {"ids": parked})
            engine.dispose()
            shutil.rmtree(processes.directory, ignore_errors=True)
