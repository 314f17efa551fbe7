"""Need-to-know for personal data (Decree 13/2023): an officer sees the reporter on their
unit's reports and those they handled before, a lead on the unit's, a dispatcher and an
admin on their province's; any other staff member sees a report as the public does. The
policy itself (pure), then the API, the audit trail, the console, the exports and the
live stream, for every role."""

import contextlib
import io
import random
import re
import uuid
from dataclasses import dataclass

import httpx2 as httpx
import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import select

from service.core.settings import get_settings
from service.identity.models import Role, User
from service.reports.models import Complaint, Visibility
from service.reports.policies import Audience, audience_for, province_of
from tests.conftest import DEMO_PASSWORD, kept_login
from tests.notifications.test_live_stream import Listener
from tests.routing.test_routing import send

# ---------------------------------------------------------------- the policy, pure

ME, OWNER = 7, 1
OUR_UNIT, OTHER_UNIT = 10, 20
PROVINCE, ELSEWHERE = "19", "01"


def person(role: Role, unit_id: int | None = None, user_id: int = ME) -> User:
    return User(id=user_id, username=f"u{user_id}", full_name="x", password_hash="x", role=role, unit_id=unit_id)


def report(*, unit: int | None = OUR_UNIT, officer: int | None = 99, visibility: str = "private") -> Complaint:
    return Complaint(
        citizen_id=OWNER, current_unit_id=unit, current_officer_id=officer, visibility=Visibility(visibility)
    )


officer, lead = Role.officer, Role.unit_lead
# (caller, report, facts, what they see). Reports are private unless said: staff see even
# a private report, in the public view when their work does not need its reporter.
POLICY = [
    ("owner", person(Role.citizen, user_id=OWNER), report(), {}, Audience.owner),
    ("owner-public", person(Role.citizen, user_id=OWNER), report(visibility="public"), {}, Audience.owner),
    ("citizen-public", person(Role.citizen), report(visibility="public"), {}, Audience.public),
    ("citizen-private", person(Role.citizen), report(), {}, None),
    ("citizen-follows", person(Role.citizen), report(), {"follows": True}, Audience.public),
    ("anonymous-public", None, report(visibility="public"), {}, Audience.public),
    ("anonymous-private", None, report(), {}, None),
    ("officer-of-unit", person(officer, OUR_UNIT), report(), {}, Audience.staff),
    ("officer-holds-it", person(officer, OTHER_UNIT), report(officer=ME), {}, Audience.staff),
    ("officer-handled", person(officer, OTHER_UNIT), report(), {"handled": True}, Audience.staff),
    ("officer-other-unit", person(officer, OTHER_UNIT), report(), {}, Audience.public),
    ("officer-other-unit-public", person(officer, OTHER_UNIT), report(visibility="public"), {}, Audience.public),
    ("officer-queue", person(officer, OUR_UNIT), report(unit=None, officer=None), {}, Audience.public),
    ("officer-province-only", person(officer, OTHER_UNIT), report(), {"complaint_province": PROVINCE,
                                                                     "staff_province": PROVINCE}, Audience.public),
    ("lead-of-unit", person(lead, OUR_UNIT), report(), {}, Audience.staff),
    ("lead-handled", person(lead, OTHER_UNIT), report(), {"handled": True}, Audience.staff),
    ("lead-other-unit", person(lead, OTHER_UNIT), report(), {}, Audience.public),
    ("lead-queue", person(lead, OUR_UNIT), report(unit=None, officer=None), {}, Audience.public),
    ("dispatcher-province", person(Role.dispatcher), report(), {"complaint_province": PROVINCE,
                                                               "staff_province": PROVINCE}, Audience.staff),
    ("dispatcher-queue", person(Role.dispatcher), report(unit=None, officer=None), {"complaint_province": PROVINCE,
                                                                                   "staff_province": PROVINCE}, Audience.staff),
    ("dispatcher-elsewhere", person(Role.dispatcher), report(), {"complaint_province": PROVINCE,
                                                                "staff_province": ELSEWHERE}, Audience.public),
    ("dispatcher-handled-elsewhere", person(Role.dispatcher), report(), {"handled": True, "complaint_province": PROVINCE,
                                                                        "staff_province": ELSEWHERE}, Audience.public),
    ("dispatcher-no-facts", person(Role.dispatcher), report(), {}, Audience.public),
    ("dispatcher-unknown-province", person(Role.dispatcher), report(), {"staff_province": PROVINCE}, Audience.public),
    ("admin-province", person(Role.admin), report(), {"complaint_province": PROVINCE,
                                                     "staff_province": PROVINCE}, Audience.staff),
    ("admin-elsewhere", person(Role.admin), report(), {"complaint_province": ELSEWHERE,
                                                      "staff_province": PROVINCE}, Audience.public),
    ("staff-follows-nothing", person(officer, OTHER_UNIT), report(), {"follows": True}, Audience.public),
]  # fmt: skip


@pytest.mark.parametrize(
    ("caller", "complaint", "facts", "expected"), [p[1:] for p in POLICY], ids=[p[0] for p in POLICY]
)
def test_the_policy_for_every_role_and_fact(caller, complaint, facts, expected):
    assert audience_for(caller, complaint, **facts) == expected


def test_every_role_is_in_the_policy_table():
    roles = {caller.role if caller else None for _, caller, *_ in POLICY}
    assert roles == {*Role, None}


def test_staff_work_for_the_deployments_province_and_citizens_for_none():
    assert get_settings().province_code == "19"  # Thái Nguyên, the demo's
    for role in (Role.officer, Role.unit_lead, Role.dispatcher, Role.admin):
        assert province_of(person(role, OUR_UNIT if role in (officer, lead) else None)) == "19"
    assert province_of(person(Role.citizen)) is None


# ---------------------------------------------------------------- the scene, on the API

PHAN_DINH_PHUNG = (21.5937, 105.8418)  # ward 05443: potholes go to 05443-KTHT
THEIR_STAFF = ("canbo.phandinhphung", "cb.05443-ktht")
OUR_OFFICERS = ("canbo.bachquang", "canbo2.bachquang", "cb.05528-ktht")
TRANSFER_REASON = "Thuộc địa bàn phường Bách Quang"

# Who asks, relative to a report sent in Phan Đình Phùng and transferred by its first
# holder to Bách Quang's KTHT office, and what they see.
EXPECTED = {
    "owner": Audience.owner,
    "other_citizen": Audience.public,
    "anonymous": Audience.public,
    "holder": Audience.staff,  # an officer of the unit, holding it
    "unit_officer": Audience.staff,  # another officer of the unit
    "former_holder": Audience.staff,  # held it, then transferred it away
    "former_unit_officer": Audience.public,  # of the unit it left, never handled it
    "other_unit_officer": Audience.public,
    "unit_lead": Audience.staff,
    "former_unit_lead": Audience.public,  # leads the unit it left, never acted on it
    "other_unit_lead": Audience.public,
    "dispatcher": Audience.staff,
    "admin": Audience.staff,
}
CITIZENS = ("owner", "other_citizen", "anonymous")
STAFF = [who for who in EXPECTED if who not in CITIZENS]


def register(http, full_name: str) -> tuple[dict[str, str], str]:
    """A citizen with this name and a fresh phone, logged in: (headers, phone as stored)."""
    phone = f"09{random.randint(10_000_000, 99_999_999)}"
    password = "mat-khau-nguoi-gui"
    registered = http.post("/api/v1/auth/register", json={"phone": phone, "password": password, "full_name": full_name})
    assert registered.status_code == 201, registered.text
    token = http.post("/api/v1/auth/token", data={"username": phone, "password": password})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return headers, http.get("/api/v1/me", headers=headers).json()["phone"]


@dataclass
class Scene:
    report: dict
    name: str  # the reporter's full name: distinctive, so "nowhere in the page" means something
    phone: str  # E.164
    usernames: dict[str, str]  # who -> username, staff only
    citizens: dict[str, dict[str, str]]  # who -> headers

    def leaks(self, body: str) -> list[str]:
        """The reporter's details found in ``body`` (the phone in either writing)."""
        local = "0" + self.phone.removeprefix("+84")
        return [s for s in (self.name, self.name.split()[-1], self.phone, local) if s in body]

    def headers(self, http, who: str) -> dict[str, str]:
        if who == "anonymous":
            return {}
        if who in self.citizens:
            return self.citizens[who]
        return kept_login(http, self.usernames[who])


def holder_id(http, report: dict) -> int:
    dispatcher = kept_login(http, "dieuphoi")
    return http.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()["officer"]["id"]


def new_lead(http, unit_code: str) -> tuple[str, int]:
    """A lead for a unit the demo gives none (only Bách Quang's KTHT has one): (username, id)."""
    admin = kept_login(http, "quantri")
    found = http.get("/api/v1/admin/units", params={"q": unit_code}, headers=admin).json()["items"]
    unit_id = next(unit["id"] for unit in found if unit["code"] == unit_code)
    username = f"ld.{unit_code.lower()}.{uuid.uuid4().hex[:6]}"
    body = {"username": username, "full_name": "Lãnh đạo thử", "password": DEMO_PASSWORD, "role": "unit_lead"}
    created = http.post("/api/v1/admin/users", headers=admin, json={**body, "unit_id": unit_id})
    assert created.status_code == 201, created.text
    return username, created.json()["id"]


def send_and_transfer(http, owner: dict[str, str], username_of) -> tuple[dict, str, str]:
    """A pothole in Phan Đình Phùng, transferred by its first holder to Bách Quang's KTHT
    office: (the report, its first holder, its holder now)."""
    sent = send(http, owner, category="pothole", lat=PHAN_DINH_PHUNG[0], lon=PHAN_DINH_PHUNG[1])
    assert sent["unit"]["code"] == "05443-KTHT"
    first = username_of(holder_id(http, sent))
    assert first in THEIR_STAFF
    moved = http.post(
        f"/api/v1/complaints/{sent['id']}/actions/transfer",
        headers=kept_login(http, first),
        json={"unit_code": "05528-KTHT", "reason": TRANSFER_REASON},
    )
    assert moved.status_code == 200, moved.text
    second = username_of(holder_id(http, sent))
    assert second in (*OUR_OFFICERS, "lanhdao.bachquang"), second
    return sent, first, second


def reporter_name() -> str:
    return f"Trịnh Bí Mật {uuid.uuid4().hex[:8].upper()}"


def make_scene(http, username_of) -> Scene:
    name = reporter_name()
    owner, phone = register(http, name)
    other, _ = register(http, "Người dân khác")
    sent, first, second = send_and_transfer(http, owner, username_of)
    usernames = {
        "holder": second,
        "unit_officer": next(u for u in OUR_OFFICERS if u != second),
        "former_holder": first,
        "former_unit_officer": next(u for u in THEIR_STAFF if u != first),
        "other_unit_officer": "canbo.dienluc",
        "unit_lead": "lanhdao.bachquang",
        "former_unit_lead": new_lead(http, "05443-KTHT")[0],
        "other_unit_lead": new_lead(http, "EVN-TN")[0],
        "dispatcher": "dieuphoi",
        "admin": "quantri",
    }
    return Scene(sent, name, phone, usernames, {"owner": owner, "other_citizen": other})


@pytest.fixture
def scene(client, db) -> Scene:
    made = make_scene(client, lambda user_id: db.get(User, user_id).username)
    # The photo worker is not running here: make the photo ready so its links are handed out.
    db.exec(
        text(
            "UPDATE photos SET status = 'ready', large_key = original_key, thumb_key = original_key "
            "WHERE complaint_id = :id"
        ),
        params={"id": made.report["id"]},
    )
    db.commit()
    return made


def test_the_scene_is_what_the_table_says(client, db, scene):
    complaint = db.get(Complaint, uuid.UUID(scene.report["id"]))
    units = {who: db.exec(select(User).where(User.username == u)).one() for who, u in scene.usernames.items()}
    assert complaint.current_officer_id == units["holder"].id
    assert units["unit_officer"].unit_id == units["unit_lead"].unit_id == complaint.current_unit_id
    assert units["former_holder"].unit_id == units["former_unit_officer"].unit_id == units["former_unit_lead"].unit_id
    assert units["former_holder"].unit_id != complaint.current_unit_id
    assert units["other_unit_lead"].role == Role.unit_lead and units["former_unit_lead"].role == Role.unit_lead
    assert set(EXPECTED) == {*scene.usernames, *CITIZENS}


def assert_public(scene: Scene, who: str, body: dict, raw: str) -> None:
    assert body["reporter"] is None, who
    assert scene.leaks(raw) == [], who
    assert all(p["urls"] is None or p["urls"]["original"] is None for p in body["photos"]), who
    assert "/original?" not in raw, who
    assert TRANSFER_REASON not in raw, who  # an internal note
    assert all(e["actor"] is None and e["details"] is None and e["internal_note"] is None for e in body["timeline"])
    assert body["officer"] is None and body["flags"] is None and body["duplicate_candidates"] is None, who


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_api_shows_the_reporter_and_originals_only_to_those_who_need_to_know(client, scene, who):
    answer = client.get(f"/api/v1/complaints/{scene.report['id']}", headers=scene.headers(client, who))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["is_mine"] == (who == "owner")
    if EXPECTED[who] == Audience.staff:
        assert body["reporter"]["full_name"] == scene.name and body["reporter"]["phone"] == scene.phone, who
        assert body["photos"] and body["photos"][0]["urls"]["original"], who
        assert TRANSFER_REASON in answer.text  # staff's own notes
        assert body["flags"] == [] and body["officer"] is not None
    else:
        assert_public(scene, who, body, answer.text)


def test_staff_of_another_province_see_the_public_view(client, scene, monkeypatch):
    monkeypatch.setattr(get_settings(), "province_code", "01")  # as if the deployment served Hà Nội
    for who in ("dispatcher", "admin"):
        answer = client.get(f"/api/v1/complaints/{scene.report['id']}", headers=scene.headers(client, who))
        assert answer.status_code == 200
        assert_public(scene, who, answer.json(), answer.text)
    # The officer who handled it and its unit's lead keep theirs: units are not provinces.
    for who in ("former_holder", "unit_lead"):
        answer = client.get(f"/api/v1/complaints/{scene.report['id']}", headers=scene.headers(client, who))
        assert answer.json()["reporter"]["full_name"] == scene.name, who


def test_an_action_answers_with_what_the_caller_may_see_after_it(client, scene, monkeypatch):
    path = f"/api/v1/complaints/{scene.report['id']}/actions"
    acknowledged = client.post(f"{path}/acknowledge", headers=scene.headers(client, "holder"))
    assert acknowledged.status_code == 200
    assert acknowledged.json()["reporter"]["full_name"] == scene.name
    # A dispatcher may move any report; one who works for another province is answered
    # with the public view even after acting on it.
    monkeypatch.setattr(get_settings(), "province_code", "01")
    moved = client.post(
        f"{path}/transfer", headers=scene.headers(client, "dispatcher"), json={"unit_code": "EVN-TN", "reason": "Đèn"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "assigned"
    assert_public(scene, "dispatcher", moved.json(), moved.text)


def client_addresses(items: list[dict]) -> set[str | None]:
    return {item["client_address"] for item in items}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_audit_trail_with_the_network_address_is_only_for_those_who_need_to_know(client, scene, who):
    trail = client.get(f"/api/v1/complaints/{scene.report['id']}/events", headers=scene.headers(client, who))
    if EXPECTED[who] == Audience.staff:
        assert trail.status_code == 200, trail.text
        items = trail.json()["items"]
        assert items[0]["action"] == "complaint.submitted"
        assert items[0]["client_address"] == "testclient"  # where the citizen sent it from
        return
    assert trail.status_code == (401 if who == "anonymous" else 403), trail.text
    assert trail.json()["code"] == ("not_authenticated" if who == "anonymous" else "forbidden")
    assert scene.leaks(trail.text) == [] and "testclient" not in trail.text
    if who in STAFF:
        assert "13/2023" in trail.json()["message"]  # says why, not just "forbidden"


# ---------------------------------------------------------------- the console


def console_login(client, username: str) -> int:
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/web/login", data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    return answer.status_code


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_console_shows_the_reporter_only_to_those_who_need_to_know(client, scene, who):
    page = f"/web/reports/{scene.report['id']}"
    if who in CITIZENS:
        # Citizens cannot log in to the console (a demo citizen tries), nor open a report.
        if who == "owner":
            assert console_login(client, "+84912345678") == 403
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/web/login")
        assert scene.leaks(answer.text) == []
        return
    assert console_login(client, scene.usernames[who]) == 303
    answer = client.get(page, follow_redirects=False)
    assert answer.status_code == 200, answer.text
    html = answer.text
    if EXPECTED[who] == Audience.staff:
        assert scene.name in html and scene.phone in html, who
    else:
        assert scene.leaks(html) == [], who
        assert TRANSFER_REASON not in html and "/original?" not in html, who


# ---------------------------------------------------------------- the exports

EXPORTS = [
    ("/api/v1/ioc/overdue/export", {"format": "csv"}),
    ("/api/v1/ioc/overdue/export", {"format": "xlsx"}),
    ("/api/v1/ioc/performance/export", {"format": "csv", "group_by": "officer"}),
    ("/api/v1/ioc/performance/export", {"format": "xlsx", "group_by": "unit"}),
    ("/api/v1/ioc/overdue", {"limit": 200}),
]
# Who reads the IOC's figures at all, and whose scope holds the report (Bách Quang's KTHT).
IOC_READERS = {
    "unit_lead": True,
    "former_unit_lead": False,
    "other_unit_lead": False,
    "dispatcher": True,
    "admin": True,
}


def readable(answer) -> str:
    if answer.headers["content-type"].startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return answer.content.decode("utf-8")


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_exports_carry_no_reporter_for_any_role(client, db, scene, who):
    # Overdue, so that the report is a row of the overdue list.
    overdue = text("UPDATE complaints SET due_at = now() - interval '3 days' WHERE id = :id")
    db.exec(overdue, params={"id": scene.report["id"]})
    db.commit()
    for path, params in EXPORTS:
        answer = client.get(path, params=params, headers=scene.headers(client, who))
        if who not in IOC_READERS:
            assert answer.status_code == (401 if who == "anonymous" else 403), (who, path)
            continue
        assert answer.status_code == 200, (who, path, answer.text)
        body = readable(answer)
        assert scene.leaks(body) == [], (who, path, params)
        if "overdue" in path:
            assert (scene.report["code"] in body) == IOC_READERS[who], (who, path, params)


# ---------------------------------------------------------------- the live stream

# Everything a live change may carry: no reporter, no address, no citizen id.
LIVE_FIELDS = {
    "complaint_id", "code", "action", "status", "visibility", "unit_id", "from_unit", "officer_id",
    "category_id", "area_id", "due_at", "at",
}  # fmt: skip


def test_the_live_stream_carries_no_reporter_for_any_role(live_server):
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(httpx.Client(base_url=live_server, timeout=30))
        assert http.get("/api/v1/stream").status_code == 401  # anonymous
        # Committed, unlike the other tests' scenes: a lead of a unit no other test uses,
        # switched off again at the end.
        quiet_lead, quiet_lead_id = new_lead(http, "01840-CA")
        admin = kept_login(http, "quantri")
        stack.callback(
            lambda: http.patch(f"/api/v1/admin/users/{quiet_lead_id}", headers=admin, json={"is_active": False})
        )
        name = reporter_name()
        owner, phone = register(http, name)
        other, _ = register(http, "Người dân khác")
        accounts = (
            *THEIR_STAFF,
            *OUR_OFFICERS,
            "lanhdao.bachquang",
            "canbo.dienluc",
            quiet_lead,
            "dieuphoi",
            "quantri",
        )
        staff = {u: kept_login(http, u) for u in accounts}
        ids = {http.get("/api/v1/me", headers=h).json()["id"]: u for u, h in staff.items()}
        # Everyone listens before anything happens.
        streams = {u: stack.enter_context(Listener(live_server, h)) for u, h in staff.items()}
        streams["owner"] = stack.enter_context(Listener(live_server, owner))
        streams["other_citizen"] = stack.enter_context(Listener(live_server, other))

        sent, first, second = send_and_transfer(http, owner, ids.__getitem__)
        acknowledged = http.post(f"/api/v1/complaints/{sent['id']}/actions/acknowledge", headers=staff[second])
        assert acknowledged.status_code == 200, acknowledged.text
        for who in ("dieuphoi", "quantri", "lanhdao.bachquang", second, "owner"):
            streams[who].wait_for(lambda e: e.about(sent, "acknowledged"))
        for listener in streams.values():
            listener.drain(0.3)

        scene = Scene(sent, name, phone, {}, {})
        for who, listener in streams.items():
            for event in listener.complaints():
                assert set(event.data) <= LIVE_FIELDS, (who, event.data)
                assert scene.leaks(str(event.data)) == [], (who, event.data)
                assert TRANSFER_REASON not in str(event.data), who
        # Each role heard what its filter lets through, so the checks above read real changes.
        heard = {who: [e.data["action"] for e in s.complaints() if e.about(sent)] for who, s in streams.items()}
        roles = {
            "dispatcher": "dieuphoi",
            "admin": "quantri",
            "holder": second,
            "unit_officer": next(u for u in OUR_OFFICERS if u != second),
            "unit_lead": "lanhdao.bachquang",
            "former_holder": first,
        }
        for role, who in roles.items():
            assert "transferred" in heard[who], (role, heard[who])
        assert "acknowledged" in heard["owner"]
        for who in ("other_citizen", "canbo.dienluc", quiet_lead):
            assert heard[who] == [], (who, heard[who])
