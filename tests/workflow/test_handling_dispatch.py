"""Moving reports between people: route, transfer, return, reassign, reject, duplicates,
the dispatcher queue — who may do each, and the trail each leaves."""

import threading
import uuid

import httpx2 as httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from service.identity.models import User
from service.reports.models import Complaint, ComplaintEvent, ComplaintFollower
from tests.conftest import DEMO_USERS, kept_login, register_citizen
from tests.routing.test_routing import send

BACH_QUANG = (21.5063, 105.868)  # ward 05528: potholes go to 05528-KTHT
PHAN_DINH_PHUNG_OFFICER = "canbo.phandinhphung"  # an officer of another ward's unit


def staff(client, name: str) -> dict[str, str]:
    """A seeded staff account's headers, one login serving many tests (tests/conftest.py)."""
    return kept_login(client, name)


def actions(report_id: str, action: str) -> str:
    return f"/api/v1/complaints/{report_id}/actions/{action}"


def new_report(client, citizen=None, **kwargs) -> dict:
    citizen = citizen or register_citizen(client)
    kwargs.setdefault("category", "pothole")
    kwargs.setdefault("lat", BACH_QUANG[0])
    kwargs.setdefault("lon", BACH_QUANG[1])
    return send(client, citizen, **kwargs) | {"headers": citizen}


def row(db, report: dict) -> Complaint:
    complaint = db.exec(
        select(Complaint).where(Complaint.code == report["code"]).execution_options(populate_existing=True)
    ).one()
    return complaint


def left_the_books(db, report: dict, action: str) -> None:
    """The report keeps when it was set aside in ``closed_at``: its timeline line's time,
    which the IOC's backlog counts it out from."""
    line = db.exec(
        select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == uuid.UUID(report["id"]), ComplaintEvent.action == action
        )
    ).one()
    assert row(db, report).closed_at == line.at


def username(db, user_id: int) -> str:
    return db.get(User, user_id).username


def events(db, report: dict) -> list[ComplaintEvent]:
    complaint_id = uuid.UUID(report["id"])
    return list(
        db.exec(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint_id)
            .order_by(col(ComplaintEvent.id))
            .execution_options(populate_existing=True)
        )
    )


def to_queue(db, report: dict, reason: str = "no_rule") -> None:
    db.exec(
        text(
            "UPDATE complaints SET status = 'submitted', current_officer_id = NULL, current_unit_id = NULL, "
            "dispatch_reason = :reason WHERE code = :code"
        ),
        params={"reason": reason, "code": report["code"]},
    )
    db.commit()  # a savepoint: a refused request's rollback must not undo the setup


def flag(db, report: dict) -> None:
    db.exec(text("UPDATE complaints SET location_mismatch = true WHERE code = :code"), params={"code": report["code"]})
    db.commit()


# ---------------------------------------------------------------- who may do what

# Who tries, relative to a pothole report held by an officer of 05528-KTHT.
ACTORS = [
    "holder",
    "same_unit_officer",
    "unit_lead",
    "other_unit_officer",
    "dispatcher",
    "admin",
    "owner",
    "other_citizen",
    "anonymous",
]
ALLOWED = {
    "route": {"dispatcher"},
    "transfer": {"holder", "unit_lead", "dispatcher"},
    "return": {"holder", "unit_lead"},
    "reassign": {"unit_lead"},
    "reject": {"dispatcher"},
    "mark-duplicate": {"holder", "unit_lead", "dispatcher"},
    "clear-flags": {"dispatcher"},
}
# The line each action leaves on the timeline.
EVENT = {
    "route": "routed",
    "transfer": "transferred",
    "return": "returned",
    "reassign": "reassigned",
    "reject": "rejected",
    "mark-duplicate": "marked_duplicate",
    "clear-flags": "flags_reviewed",
}


def headers_of(client, db, actor: str, report: dict) -> tuple[dict, int | None]:
    """Headers for the actor, and their user id (None for the anonymous caller)."""
    holder_id = row(db, report).current_officer_id
    if actor == "anonymous":
        return {}, None
    if actor == "owner":
        headers = report["headers"]
    elif actor == "other_citizen":
        headers = register_citizen(client)
    else:
        name = {
            "holder": username(db, holder_id) if holder_id else DEMO_USERS["officer"],
            "same_unit_officer": next(
                u.username
                for u in db.exec(select(User).where(User.role == "officer").order_by(col(User.id)))
                if u.unit_id is not None and u.id != holder_id and u.username.endswith("bachquang")
            ),
            "other_unit_officer": PHAN_DINH_PHUNG_OFFICER,
        }.get(actor) or DEMO_USERS[actor]
        headers = staff(client, name)
    me = client.get("/api/v1/me", headers=headers).json()
    return headers, me["id"]


def body_for(client, db, action: str, report: dict) -> dict:
    holder_id = row(db, report).current_officer_id
    if action == "route":
        return {"unit_code": "05528-KTHT", "note": "Ổ gà trên đường phường"}
    if action == "transfer":
        return {"unit_code": "EVN-TN", "reason": "Cột đèn hỏng, việc của điện lực"}
    if action == "return":
        return {"reason": "Không thuộc địa bàn phường"}
    if action == "reassign":
        other = db.exec(
            select(User.id).where(User.role == "officer", User.unit_id == row(db, report).current_unit_id)
        ).all()
        return {"officer_id": next(i for i in other if i != holder_id), "reason": "Cân đối khối lượng"}
    if action == "reject":
        return {"kind": "spam", "reason": "Ảnh quảng cáo, không phải sự cố"}
    if action == "mark-duplicate":
        original = new_report(client)
        return {"original_code": original["code"]}
    return {"note": "Ảnh chụp đúng chỗ, vị trí GPS lệch"}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_who_may_take_each_action_and_the_trail_it_leaves(client, db, action, actor):
    report = new_report(client)
    if action == "route":
        to_queue(db, report)
    if action == "clear-flags":
        flag(db, report)
    body = body_for(client, db, action, report)
    headers, actor_id = headers_of(client, db, actor, report)
    before_status, before_events = row(db, report).status, len(events(db, report))

    response = client.post(actions(report["id"], action), headers=headers, json=body)

    if actor in ALLOWED[action]:
        assert response.status_code == 200, response.text
        line = next(e for e in reversed(events(db, report)) if e.action == EVENT[action])
        assert line.actor_id == actor_id
        assert line.at is not None
        assert line.actor_role in ("officer", "unit_lead", "dispatcher")
        why = body.get("reason") or body.get("note")
        if why:
            assert why in (line.note, line.internal_note)
        return
    expected = 401 if actor == "anonymous" else 403
    assert response.status_code == expected, response.text
    assert response.json()["code"] in ("not_authenticated", "not_your_report", "forbidden")
    # A refusal changes nothing and writes no line.
    assert row(db, report).status == before_status
    assert len(events(db, report)) == before_events


def test_a_stranger_cannot_learn_a_private_report_exists_by_acting_on_it(client, db):
    report = new_report(client, visibility="private")
    stranger = register_citizen(client)
    body = {"reason": "Không phải việc"}
    private = client.post(actions(report["id"], "return"), headers=stranger, json=body)
    missing = client.post(actions(str(uuid.uuid4()), "return"), headers=stranger, json=body)
    assert (private.status_code, private.json()) == (missing.status_code, missing.json())
    unknown = client.post(actions(str(uuid.uuid4()), "return"), headers=staff(client, "dieuphoi"), json=body)
    assert unknown.status_code == 404 and unknown.json()["field"] == "complaint_id"


# ---------------------------------------------------------------- each action


def test_transfer_passes_it_to_an_officer_of_the_other_unit_with_the_reason_kept_for_staff(client, db):
    report = new_report(client)
    holder = staff(client, username(db, row(db, report).current_officer_id))
    answer = client.post(
        actions(report["id"], "transfer"),
        headers=holder,
        json={"unit_code": "EVN-TN", "reason": "Đèn đường hỏng: việc của điện lực"},
    )
    assert answer.status_code == 200, answer.text
    moved = answer.json()
    assert moved["status"] == "assigned"
    assert moved["unit"]["code"] == "EVN-TN"
    evn = db.exec(text("SELECT id FROM units WHERE code = 'EVN-TN'")).one()[0]
    assert db.get(User, moved["officer"]["id"]).unit_id == evn
    line = moved["timeline"][-1]
    assert line["action"] == "transferred"
    assert line["internal_note"] == "Đèn đường hỏng: việc của điện lực"
    assert line["details"]["from_unit"] == "05528-KTHT" and line["details"]["to_unit"] == "EVN-TN"
    assert line["actor"]["role"] == "officer"
    # The citizen sees that it moved, not the staff's remark or who did it.
    mine = client.get(f"/api/v1/complaints/{report['id']}", headers=report["headers"]).json()
    seen = mine["timeline"][-1]
    assert seen["action"] == "transferred" and seen["internal_note"] is None and seen["actor"] is None
    assert mine["unit"]["code"] == "EVN-TN"
    # The first unit no longer holds it: its officer cannot move it again.
    again = client.post(
        actions(report["id"], "transfer"), headers=holder, json={"unit_code": "05528-KTHT", "reason": "abc"}
    )
    assert again.status_code == 403 and again.json()["code"] == "not_your_report"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"unit_code": "NO-SUCH-UNIT", "reason": "abc"}, 422, "unknown_unit", "unit_code"),
        ({"unit_code": "05528-KTHT", "reason": "abc"}, 422, "same_unit", "unit_code"),
        ({"unit_code": "EVN-TN", "reason": " "}, 422, "validation_error", "reason"),
        ({"unit_code": "EVN-TN"}, 422, "validation_error", "reason"),
    ],
)
def test_transfer_refusals_name_the_field_and_change_nothing(client, db, body, status, code, field):
    report = new_report(client)
    before = len(events(db, report))
    response = client.post(actions(report["id"], "transfer"), headers=staff(client, "dieuphoi"), json=body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert row(db, report).current_unit_id is not None and len(events(db, report)) == before


def test_transfer_to_a_unit_with_nobody_on_duty_is_refused(client, db):
    report = new_report(client)
    db.exec(text("UPDATE users SET on_duty = false WHERE unit_id = (SELECT id FROM units WHERE code = 'EVN-TN')"))
    db.commit()
    response = client.post(
        actions(report["id"], "transfer"),
        headers=staff(client, "dieuphoi"),
        json={"unit_code": "EVN-TN", "reason": "abc"},
    )
    assert response.status_code == 409 and response.json()["code"] == "unit_has_no_officer"
    assert response.json()["field"] == "unit_code"


def test_return_puts_it_in_the_dispatcher_queue_and_the_dispatcher_routes_it_on(client, db):
    report = new_report(client)
    holder_id = row(db, report).current_officer_id
    holder = staff(client, username(db, holder_id))
    returned = client.post(
        actions(report["id"], "return"), headers=holder, json={"reason": "Đường tỉnh, không phải đường phường"}
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "submitted"
    assert returned.json()["unit"] is None and returned.json()["officer"] is None
    assert returned.json()["dispatch_reason"] == "returned"

    queue = client.get(
        "/api/v1/dispatch/queue", params={"reason": "returned"}, headers=staff(client, "dieuphoi")
    ).json()
    assert report["code"] in [item["code"] for item in queue["items"]]

    routed = client.post(
        actions(report["id"], "route"),
        headers=staff(client, "dieuphoi"),
        json={"unit_code": "SXD-TN", "note": "Đường tỉnh"},
    )
    assert routed.status_code == 200, routed.text
    assert routed.json()["status"] == "assigned" and routed.json()["unit"]["code"] == "SXD-TN"
    assert routed.json()["dispatch_reason"] is None
    queue = client.get("/api/v1/dispatch/queue", headers=staff(client, "dieuphoi")).json()
    assert report["code"] not in [item["code"] for item in queue["items"]]
    trail = [(e.action, e.actor_id, e.from_status, e.to_status) for e in events(db, report)]
    dispatcher_id = client.get("/api/v1/me", headers=staff(client, "dieuphoi")).json()["id"]
    assert ("returned", holder_id, "assigned", "submitted") in trail
    assert ("routed", dispatcher_id, "submitted", "assigned") in trail


def test_route_only_from_the_queue(client, db):
    report = new_report(client)
    response = client.post(
        actions(report["id"], "route"), headers=staff(client, "dieuphoi"), json={"unit_code": "EVN-TN"}
    )
    assert response.status_code == 409
    assert response.json() | {"message": None, "message_en": None} == {
        "code": "invalid_transition",
        "field": "status",
        "current_status": "assigned",
        "message": None,
        "message_en": None,
    }


def test_a_lead_reassigns_inside_the_unit_only(client, db):
    report = new_report(client)
    holder_id = row(db, report).current_officer_id
    unit_id = row(db, report).current_unit_id
    colleague = db.exec(
        select(User).where(User.unit_id == unit_id, User.role == "officer", User.id != holder_id).order_by(col(User.id))
    ).first()
    elsewhere = db.exec(select(User).where(User.username == PHAN_DINH_PHUNG_OFFICER)).one()
    lead = staff(client, "lanhdao.bachquang")
    for officer_id in (elsewhere.id, holder_id, 2_000_000_000):
        refused = client.post(actions(report["id"], "reassign"), headers=lead, json={"officer_id": officer_id})
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_officer", refused.text
        assert refused.json()["field"] == "officer_id"
    done = client.post(
        actions(report["id"], "reassign"), headers=lead, json={"officer_id": colleague.id, "reason": "Nghỉ phép"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["officer"]["id"] == colleague.id
    line = events(db, report)[-1]
    assert (line.action, line.data["from_officer_id"], line.data["officer_id"]) == (
        "reassigned",
        holder_id,
        colleague.id,
    )
    assert line.internal_note == "Nghỉ phép"
    # The officer who no longer holds it cannot act on it.
    former = staff(client, username(db, holder_id))
    assert client.post(actions(report["id"], "return"), headers=former, json={"reason": "abc"}).status_code == 403


def test_a_rejected_report_shows_the_citizen_why_and_cannot_be_rejected_twice(client, db):
    report = new_report(client)
    dispatcher = staff(client, "dieuphoi")
    body = {"kind": "not_actionable", "reason": "Ảnh không cho thấy sự cố nào"}
    assert client.post(actions(report["id"], "reject"), headers=dispatcher, json=body).status_code == 200
    mine = client.get(f"/api/v1/complaints/{report['id']}", headers=report["headers"]).json()
    assert mine["status"] == "rejected"
    assert mine["timeline"][-1]["note"] == "Ảnh không cho thấy sự cố nào"
    left_the_books(db, report, "rejected")
    again = client.post(actions(report["id"], "reject"), headers=dispatcher, json=body)
    assert again.status_code == 409 and again.json()["current_status"] == "rejected"
    bad = client.post(actions(report["id"], "reject"), headers=dispatcher, json={"kind": "boring", "reason": "abc"})
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_a_duplicate_points_its_citizen_to_the_original_which_they_then_follow(client, db):
    first_citizen = register_citizen(client)
    original = new_report(client, first_citizen, visibility="private")
    copy = new_report(client)
    third = new_report(client)
    holder = staff(client, username(db, row(db, copy).current_officer_id))

    merged = client.post(
        actions(copy["id"], "mark-duplicate"),
        headers=holder,
        json={"original_code": original["code"], "note": "Đã có người phản ánh, theo dõi phản ánh gốc"},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "duplicate"
    mine = client.get(f"/api/v1/complaints/{copy['id']}", headers=copy["headers"]).json()
    assert mine["duplicate_of"] == {"id": original["id"], "code": original["code"]}
    assert mine["timeline"][-1]["note"] == "Đã có người phản ánh, theo dõi phản ánh gốc"
    left_the_books(db, copy, "marked_duplicate")
    # Its citizen follows the original, and may now read it though it is private, as
    # the public would: no one else's personal data.
    follower_id = client.get("/api/v1/me", headers=copy["headers"]).json()["id"]
    assert db.get(ComplaintFollower, (uuid.UUID(original["id"]), follower_id)) is not None
    followed = client.get(f"/api/v1/complaints/{original['id']}", headers=copy["headers"])
    assert followed.status_code == 200
    assert followed.json()["reporter"] is None and followed.json()["is_mine"] is False
    assert client.get(f"/api/v1/complaints/{original['id']}", headers=third["headers"]).status_code == 404
    # The original's staff timeline records the merge.
    seen = client.get(f"/api/v1/complaints/{original['id']}", headers=staff(client, "dieuphoi")).json()
    assert seen["timeline"][-1]["action"] == "duplicate_merged"
    assert seen["timeline"][-1]["details"]["duplicate_code"] == copy["code"]

    # Merging into the duplicate means merging into its original.
    chained = client.post(
        actions(third["id"], "mark-duplicate"), headers=staff(client, "dieuphoi"), json={"original_code": copy["code"]}
    )
    assert chained.status_code == 200, chained.text
    assert chained.json()["duplicate_of"]["code"] == original["code"]


def test_duplicate_refusals(client, db):
    report = new_report(client)
    rejected = new_report(client)
    dispatcher = staff(client, "dieuphoi")
    client.post(actions(rejected["id"], "reject"), headers=dispatcher, json={"kind": "spam", "reason": "abc"})
    cases = [
        ({"original_code": report["code"]}, 422, "same_report"),
        ({"original_code": "PA-1999-000001"}, 422, "unknown_original"),
        ({"original_code": rejected["code"]}, 409, "original_not_open"),
        ({"original_code": "not a code"}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = client.post(actions(report["id"], "mark-duplicate"), headers=dispatcher, json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.json()["field"] == "original_code"
    assert row(db, report).status == "assigned" and row(db, report).duplicate_of_id is None


# ---------------------------------------------------------------- the dispatcher queue


def test_the_queue_holds_unrouted_returned_and_flagged_reports_longest_waiting_first(client, db):
    waiting = new_report(client)
    to_queue(db, waiting, "no_rule")
    flagged = new_report(client)
    flag(db, flagged)
    handled = new_report(client)
    dispatcher = staff(client, "dieuphoi")

    queue = client.get("/api/v1/dispatch/queue", params={"limit": 100}, headers=dispatcher).json()
    codes = [item["code"] for item in queue["items"]]
    assert waiting["code"] in codes and flagged["code"] in codes and handled["code"] not in codes
    assert codes.index(waiting["code"]) < codes.index(flagged["code"])
    item = next(i for i in queue["items"] if i["code"] == flagged["code"])
    assert item["flags"] == ["location_mismatch"] and item["unit"]["code"] == "05528-KTHT"
    assert item["dispatch_reason"] is None
    only_flagged = client.get("/api/v1/dispatch/queue", params={"reason": "flagged"}, headers=dispatcher).json()
    assert {i["code"] for i in only_flagged["items"]} >= {flagged["code"]}
    assert waiting["code"] not in {i["code"] for i in only_flagged["items"]}

    cleared = client.post(actions(flagged["id"], "clear-flags"), headers=dispatcher, json={"note": "Đã gọi người dân"})
    assert cleared.status_code == 200 and cleared.json()["status"] == "assigned"
    queue = client.get("/api/v1/dispatch/queue", params={"limit": 100}, headers=dispatcher).json()
    assert flagged["code"] not in [i["code"] for i in queue["items"]]
    again = client.post(actions(flagged["id"], "clear-flags"), headers=dispatcher, json={})
    assert again.status_code == 409 and again.json()["code"] == "nothing_flagged"


@pytest.mark.parametrize("role", ["citizen", "officer", "unit_lead", "admin"])
def test_only_dispatchers_see_the_queue(client, auth, role):
    response = client.get("/api/v1/dispatch/queue", headers=auth(role))
    assert response.status_code == 403
    assert client.get("/api/v1/dispatch/queue").status_code == 401


# ---------------------------------------------------------------- two at once


def test_eight_rejections_of_one_report_at_once_only_one_wins(live_server, auth_headers_for, database):
    citizen = register_citizen(live_server)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        report = send(http, citizen, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])
    dispatcher = auth_headers_for("dispatcher")
    results: list[httpx.Response] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            barrier.wait()
            body = {"kind": "spam", "reason": "Quảng cáo"}
            results.append(http.post(actions(report["id"], "reject"), headers=dispatcher, json=body))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * 7, [r.text for r in results]
    assert {r.json()["current_status"] for r in results if r.status_code == 409} == {"rejected"}
    with httpx.Client(base_url=live_server, timeout=30) as http:
        staff = http.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()
    assert [e["action"] for e in staff["timeline"]].count("rejected") == 1
