"""The live stream (``GET /api/v1/stream``): Server-Sent Events fed from Redis, on the real
server. A change reaches an officer's open connection within a second, each connection
hears only what its caller may see, and a reconnect with ``Last-Event-ID`` replays what
it missed."""

import contextlib
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import jwt
import pytest

from service.core.redis import get_redis
from service.core.settings import get_settings
from service.core.timeutil import utcnow
from service.notifications.live import STREAM_KEY
from tests.conftest import DEMO_USERS, login, register_citizen
from tests.routing.test_routing import send

STREAM = "/api/v1/stream"
BACH_QUANG = (21.5063, 105.868)  # ward 05528: potholes go to 05528-KTHT
PHAN_DINH_PHUNG = (21.5937, 105.8418)  # ward 05443: potholes go to 05443-KTHT
# Who may be handed a pothole in each of the two wards: the named demo accounts
# (service/demo/catalogue.py) and the one officer seeded per unit (service/demo/seed.py).
OUR_STAFF = ("canbo.bachquang", "canbo2.bachquang", "lanhdao.bachquang", "cb.05528-ktht")
THEIR_STAFF = ("canbo.phandinhphung", "cb.05443-ktht")
THEIR_OFFICER = "canbo.phandinhphung"
# Filled in by the server for filtering, never shown to the browser.
HIDDEN_FIELDS = {"citizen_id", "public"}
WAIT = 5.0  # the longest any one event is waited for; the latency bound is asserted apart


@dataclass(frozen=True)
class Event:
    """One dispatched SSE block (or a comment line), with when it arrived."""

    at: float  # time.monotonic() when its last line was read
    event: str | None = None
    id: str | None = None
    data: Any = None
    retry: int | None = None
    comment: str | None = None

    def about(self, report: dict, action: str | None = None) -> bool:
        return (
            self.event == "complaint"
            and self.data["complaint_id"] == report["id"]
            and (action is None or self.data["action"] == action)
        )


class Listener:
    """One open stream: a background thread parses it into a queue of :class:`Event`."""

    def __init__(self, base_url: str, headers: dict[str, str], *, last_event_id: str | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=30))
        if last_event_id is not None:
            headers = {**headers, "Last-Event-ID": last_event_id}
        self._context = self.http.stream("GET", STREAM, headers=headers)
        self.response = self._context.__enter__()
        self.seen: list[Event] = []
        self.ended = False
        self._queue: queue.Queue[Event | None] = queue.Queue()
        # The server fixes where this connection starts reading before it answers, so a
        # change made once the headers are in is never missed.
        assert self.response.status_code == 200, self.response.read()
        assert self.response.headers["content-type"].startswith("text/event-stream")
        assert self.response.headers["cache-control"] == "no-cache"
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self.response.iter_lines():
                now = time.monotonic()
                if line.startswith(":"):
                    self._queue.put(Event(at=now, comment=line[1:].strip()))
                elif line == "":
                    if fields:
                        data = json.loads(fields["data"]) if "data" in fields else None
                        retry = int(fields["retry"]) if "retry" in fields else None
                        self._queue.put(Event(now, fields.get("event"), fields.get("id"), data, retry))
                    fields = {}
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    fields[name] = f"{fields[name]}\n{value}" if name == "data" and name in fields else value
        except (httpx.HTTPError, OSError, ValueError):
            pass  # closed under the reader
        finally:
            self._queue.put(None)

    def _next(self, timeout: float) -> Event | None:
        """The next event, or None once the stream has ended; raises queue.Empty on timeout."""
        if self.ended:
            return None
        item = self._queue.get(timeout=max(timeout, 0.001))
        if item is None:
            self.ended = True
        else:
            self.seen.append(item)
        return item

    def wait_for(self, wanted: Callable[[Event], bool], timeout: float = WAIT) -> Event:
        """Read until an event matches (every event read is kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                item = self._next(deadline - time.monotonic())
            except queue.Empty:
                item = None
            if item is None:
                raise AssertionError(f"no matching event within {timeout}s (ended={self.ended}); saw {self.seen}")
            if wanted(item):
                return item

    def drain(self, seconds: float) -> None:
        """Read whatever arrives during ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self._next(deadline - time.monotonic()) is None:
                    return
            except queue.Empty:
                return

    def read_to_end(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ended:
            try:
                self._next(deadline - time.monotonic())
            except queue.Empty:
                raise AssertionError(f"stream still open after {timeout}s; saw {self.seen}") from None

    def complaints(self) -> list[Event]:
        return [e for e in self.seen if e.event == "complaint"]

    def close(self) -> None:
        # Shut the socket down so the reading thread wakes at once; a plain close would
        # leave it blocked until the next keep-alive.
        stream = self.response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "the reader did not stop"
        self._context.__exit__(None, None, None)
        self.http.close()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Staff:
    """The seeded staff accounts on the live server: headers and user ids."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.headers: dict[str, dict[str, str]] = {}
        self.me: dict[str, dict] = {}
        for name in (*OUR_STAFF, *THEIR_STAFF, DEMO_USERS["dispatcher"]):
            self.headers[name] = login(self.http, name)  # type: ignore[arg-type]
            self.me[name] = self.http.get("/api/v1/me", headers=self.headers[name]).json()

    def holder(self, report: dict) -> str:
        """The username of the officer holding the report now."""
        detail = self.http.get(f"/api/v1/complaints/{report['id']}", headers=self.headers[DEMO_USERS["dispatcher"]])
        officer_id = detail.json()["officer"]["id"]
        return next(name for name, me in self.me.items() if me["id"] == officer_id)

    def act(self, name: str, report: dict, action: str, body: dict | None = None) -> tuple[float, dict]:
        """Do an action as ``name``; returns when its response arrived, and the report."""
        response = self.http.post(
            f"/api/v1/complaints/{report['id']}/actions/{action}", headers=self.headers[name], json=body or {}
        )
        arrived = time.monotonic()
        assert response.status_code == 200, response.text
        return arrived, response.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def staff(live_server: str) -> Iterator[Staff]:
    accounts = Staff(live_server)
    yield accounts
    accounts.close()


def report_at(base_url: str, citizen: dict[str, str], place: tuple[float, float], visibility: str = "public") -> dict:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        return send(http, citizen, category="pothole", lat=place[0], lon=place[1], visibility=visibility)


def published() -> list[tuple[str, dict]]:
    """Everything on the Redis stream, as the server put it there (hidden fields included)."""
    entries: Any = get_redis().xrange(STREAM_KEY)
    return [(entry_id, json.loads(fields["data"])) for entry_id, fields in entries]


def key(event_id: str) -> tuple[int, int]:
    millis, _, seq = event_id.partition("-")
    return int(millis), int(seq)


def assert_clean(listener: Listener) -> None:
    """Every change carries an id, and none shows the fields kept for filtering."""
    for item in listener.complaints():
        assert item.id and key(item.id), item
        assert HIDDEN_FIELDS.isdisjoint(item.data), item.data


def test_an_officer_hears_of_a_change_within_a_second_and_never_of_another_units_private_report(live_server, staff):
    with contextlib.ExitStack() as stack:
        own_citizen, other_citizen = register_citizen(live_server), register_citizen(live_server)
        ours = report_at(live_server, own_citizen, BACH_QUANG)
        theirs = report_at(live_server, other_citizen, PHAN_DINH_PHUNG, visibility="private")
        assert ours["unit"]["code"] == "05528-KTHT" and theirs["unit"]["code"] == "05443-KTHT"
        assert theirs["visibility"] == "private"
        our_holder, their_holder = staff.holder(ours), staff.holder(theirs)
        assert their_holder in THEIR_STAFF and our_holder in OUR_STAFF
        officer = DEMO_USERS["officer"]
        our_unit = staff.me[officer]["unit"]["id"]

        callers = {
            "officer": staff.headers[officer],
            "lead": staff.headers[DEMO_USERS["unit_lead"]],
            "dispatcher": staff.headers[DEMO_USERS["dispatcher"]],
            "own_citizen": own_citizen,
            "other_citizen": other_citizen,
        }
        streams = {name: stack.enter_context(Listener(live_server, headers)) for name, headers in callers.items()}
        # The other unit's private report changes first...
        staff.act(their_holder, theirs, "acknowledge")
        # ...then one of ours, timed from its response.
        asked = time.monotonic()
        acted, body = staff.act(our_holder, ours, "acknowledge")
        assert body["status"] == "acknowledged"
        heard = streams["officer"].wait_for(lambda e: e.about(ours, "acknowledged"))
        after_response, after_request = heard.at - acted, heard.at - asked
        print(
            f"live latency: {after_response * 1000:.1f} ms after the response, {after_request * 1000:.1f} ms after the request"
        )
        assert after_response < 1.0
        assert after_request < 1.0  # the whole way: request, commit, Redis, the stream

        assert heard.data["code"] == ours["code"] and heard.data["status"] == "acknowledged"
        assert heard.data["visibility"] == "public" and heard.data["unit_id"] == our_unit
        assert heard.data["officer_id"] == staff.me[our_holder]["id"]
        # The other unit's line went out before ours on the same Redis stream: the
        # officer's connection read it and passed it by.
        on_redis = published()
        their_line = next(i for i, item in on_redis if item["complaint_id"] == theirs["id"])
        assert key(their_line) < key(heard.id)  # type: ignore[arg-type]
        assert heard.id in [i for i, _ in on_redis]

        # A line only staff read, then one more each: the last ones anyone is sure to hear.
        staff.act(our_holder, ours, "extend", {"working_days": 2, "reason": "Chờ vật tư"})
        staff.act(their_holder, theirs, "start")
        staff.act(our_holder, ours, "start")

        for name in ("officer", "lead"):
            streams[name].wait_for(lambda e: e.about(ours, "started"))
            assert [e.data["action"] for e in streams[name].complaints()] == [
                "acknowledged",
                "extension_requested",
                "started",
            ], name
            assert all(e.data["complaint_id"] == ours["id"] for e in streams[name].complaints())

        dispatcher = streams["dispatcher"]
        dispatcher.wait_for(lambda e: e.about(ours, "started"))
        assert [(e.data["code"], e.data["action"]) for e in dispatcher.complaints()] == [
            (theirs["code"], "acknowledged"),
            (ours["code"], "acknowledged"),
            (ours["code"], "extension_requested"),
            (theirs["code"], "started"),
            (ours["code"], "started"),
        ]
        assert dispatcher.complaints()[0].data["visibility"] == "private"

        # A citizen hears of their own report's public lines only.
        mine = streams["own_citizen"]
        mine.wait_for(lambda e: e.about(ours, "started"))
        assert [(e.data["code"], e.data["action"]) for e in mine.complaints()] == [
            (ours["code"], "acknowledged"),
            (ours["code"], "started"),
        ]
        # Private means "not on the public map": its sender still follows it.
        other = streams["other_citizen"]
        other.wait_for(lambda e: e.about(theirs, "started"))
        other.drain(0.5)  # the one line after it (ours, started) has had ample time to come
        assert [(e.data["code"], e.data["action"]) for e in other.complaints()] == [
            (theirs["code"], "acknowledged"),
            (theirs["code"], "started"),
        ]

        for listener in streams.values():
            assert listener.seen[0].retry == 3000  # the first thing sent
            assert not listener.ended
            assert_clean(listener)
            ids = [key(e.id) for e in listener.complaints()]  # type: ignore[arg-type]
            assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_report_transferred_away_is_the_last_the_unit_hears_of_it(live_server, staff):
    citizen = register_citizen(live_server)
    leaving, staying = report_at(live_server, citizen, BACH_QUANG), report_at(live_server, citizen, BACH_QUANG)
    with (
        Listener(live_server, staff.headers[DEMO_USERS["officer"]]) as ours,
        Listener(live_server, staff.headers[THEIR_OFFICER]) as theirs,
    ):
        moved = {"unit_code": "05443-KTHT", "reason": "Thuộc địa bàn phường khác"}
        staff.act(staff.holder(leaving), leaving, "transfer", moved)
        gone = ours.wait_for(lambda e: e.about(leaving, "transferred"))
        assert gone.data["from_unit"] == "05528-KTHT"
        assert gone.data["unit_id"] == staff.me[THEIR_OFFICER]["unit"]["id"]
        arrived = theirs.wait_for(lambda e: e.about(leaving, "transferred"))
        assert arrived.id == gone.id

        staff.act(staff.holder(leaving), leaving, "acknowledge")
        staff.act(staff.holder(staying), staying, "acknowledge")
        ours.wait_for(lambda e: e.about(staying, "acknowledged"))
        theirs.wait_for(lambda e: e.about(leaving, "acknowledged"))
        assert [(e.data["code"], e.data["action"]) for e in ours.complaints()] == [
            (leaving["code"], "transferred"),
            (staying["code"], "acknowledged"),
        ]
        theirs.drain(0.5)
        assert [(e.data["code"], e.data["action"]) for e in theirs.complaints()] == [
            (leaving["code"], "transferred"),
            (leaving["code"], "acknowledged"),
        ]


def test_a_reconnect_with_last_event_id_gets_what_it_missed_first(live_server, staff):
    report = report_at(live_server, register_citizen(live_server), BACH_QUANG)
    holder, officer = staff.holder(report), staff.headers[DEMO_USERS["officer"]]
    with Listener(live_server, officer) as first:
        staff.act(holder, report, "acknowledge")
        last_seen = first.wait_for(lambda e: e.about(report, "acknowledged")).id
    assert last_seen is not None

    # Away: two changes, then back with the last id seen.
    staff.act(holder, report, "start")
    staff.act(holder, report, "request-info", {"question": "Ổ gà ở trước số nhà nào?"})
    with Listener(live_server, officer, last_event_id=last_seen) as again:
        missed = again.wait_for(lambda e: e.event == "complaint")
        assert missed.about(report, "started") and key(missed.id) > key(last_seen)  # type: ignore[arg-type]
        again.wait_for(lambda e: e.about(report, "info_requested"))
        # And it goes on live from there.
        staff.act(holder, report, "extend", {"working_days": 1, "reason": "Chờ người dân"})
        again.wait_for(lambda e: e.about(report, "extension_requested"))
        assert [e.data["action"] for e in again.complaints()] == ["started", "info_requested", "extension_requested"]
        assert [e.retry for e in again.seen[:1]] == [3000]
        assert_clean(again)

    # Without an id it starts from now: nothing already past is sent again.
    with Listener(live_server, officer) as fresh:
        fresh.drain(0.3)
        assert fresh.complaints() == []

    # An id older than anything kept: some changes are gone, the client must reload.
    with Listener(live_server, officer, last_event_id="1-0") as stale:
        reset = stale.wait_for(lambda e: e.event is not None)
        assert reset.event == "reset" and reset.data == {"reason": "missed_too_much"}
        assert stale.seen[0].retry == 3000


def test_bad_last_event_id_and_missing_or_bad_token_are_refused(live_server, staff):
    headers = staff.headers[DEMO_USERS["officer"]]
    with httpx.Client(base_url=live_server, timeout=10) as http:
        for bad in ("abc", "12", "1-", "-1", "1-2-3", "1.5-0", "1-0x", "1-0,2-0"):
            refused = http.get(STREAM, headers={**headers, "Last-Event-ID": bad})
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.json()["code"] == "invalid_last_event_id", bad
            assert refused.json()["field"] == "Last-Event-ID"

        anonymous = http.get(STREAM)
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
        assert anonymous.headers["www-authenticate"] == "Bearer"
        # Authentication comes first: a bad id from nobody is still a 401.
        assert http.get(STREAM, headers={"Last-Event-ID": "abc"}).status_code == 401
        forged = http.get(STREAM, headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401


def test_an_idle_stream_keeps_alive_and_ends_when_the_token_does(live_server, staff):
    me = staff.me[DEMO_USERS["officer"]]
    settings = get_settings()
    now = utcnow()
    # A real token, signed as the server signs them, that runs out in 3 seconds.
    token = jwt.encode(
        {
            "sub": str(me["id"]),
            "role": me["role"],
            "typ": "access",
            "sid": str(uuid.uuid4()),  # a login of its own, never revoked
            "iat": now,
            "exp": now + timedelta(seconds=3),
            "jti": uuid.uuid4().hex,
        },
        settings.jwt_secret.get_secret_value(),
        settings.jwt_algorithm,
    )
    started = time.monotonic()
    with Listener(live_server, {"Authorization": f"Bearer {token}"}) as short:
        short.read_to_end(timeout=10)
        took = time.monotonic() - started
        kinds = [e.event or e.comment or f"retry {e.retry}" for e in short.seen]
        # Idle: only keep-alive comments (each blocking read is cut at the token's end).
        assert kinds[0] == "retry 3000" and kinds[-1] == "expired", kinds
        assert kinds[1:-1] and set(kinds[1:-1]) == {"keep-alive"}, kinds
        assert short.seen[-1].data == {}
        assert 1.5 < took < 6, took


def test_an_idle_console_stream_is_held_for_a_minute_and_still_delivers(live_server, staff):
    """An IOC screen left open with nothing happening: the same connection stays up past a
    minute (the production blocking read of 15 s, redis-py's 5 s read timeout, the client's
    30 s read timeout), with keep-alives only, and the next change still arrives on it."""
    report = report_at(live_server, register_citizen(live_server), BACH_QUANG)
    holder = staff.holder(report)
    with Listener(live_server, staff.headers[DEMO_USERS["dispatcher"]]) as idle:
        opened = time.monotonic()
        idle.drain(62)
        held = time.monotonic() - opened
        assert not idle.ended and held >= 61.5, (held, idle.seen)
        comments = [e.comment for e in idle.seen if e.comment]
        # A keep-alive at the end of each 15 s read: no read broke off, nothing reconnected.
        assert len(comments) >= 4 and set(comments) == {"keep-alive"}, idle.seen
        assert [e for e in idle.seen if e.event] == [], idle.seen
        staff.act(holder, report, "acknowledge")
        assert idle.wait_for(lambda e: e.about(report, "acknowledged"))


def test_a_last_event_id_out_of_redis_range_is_refused(live_server, staff):
    headers = staff.headers[DEMO_USERS["officer"]]
    with httpx.Client(base_url=live_server, timeout=httpx.Timeout(10, read=5)) as http:
        for bad in ("18446744073709551616-0", "1-18446744073709551616", "9" * 20 + "-0"):
            with http.stream("GET", STREAM, headers={**headers, "Last-Event-ID": bad}) as refused:
                assert refused.status_code == 422, bad
                assert json.loads(refused.read())["code"] == "invalid_last_event_id"


def test_after_a_reset_only_changes_made_since_follow(live_server, staff):
    report = report_at(live_server, register_citizen(live_server), BACH_QUANG)
    holder = staff.holder(report)
    staff.act(holder, report, "acknowledge")  # history the client already lost
    with Listener(live_server, staff.headers[DEMO_USERS["officer"]], last_event_id="1-0") as stale:
        assert stale.wait_for(lambda e: e.event is not None).event == "reset"
        staff.act(holder, report, "start")
        stale.wait_for(lambda e: e.about(report, "started"))
        assert [e.data["action"] for e in stale.complaints()] == ["started"]


def test_an_idle_stream_stays_open_longer_than_the_redis_clients_default_read_timeout(database):
    """The blocking read waits 7 s here (15 s in production), beyond redis-py's asyncio read
    timeout of 5 s: the stream must answer with a keep-alive, not break off."""
    import asyncio

    from service.identity.models import Role
    from service.notifications.live import LiveStream
    from service.notifications.policies import Viewer

    async def idle() -> list[str]:
        stream = LiveStream(
            Viewer(1, Role.dispatcher, None, None), until=utcnow() + timedelta(seconds=30), block_ms=7000
        )
        await stream.open(None)
        events = stream.events()
        try:
            return [await events.__anext__(), await asyncio.wait_for(events.__anext__(), timeout=15)]
        finally:
            await events.aclose()

    started = time.monotonic()
    assert asyncio.run(idle()) == ["retry: 3000\n\n", ": keep-alive\n\n"]
    assert time.monotonic() - started >= 6.5
