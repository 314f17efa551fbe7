"""The audit trail: every change, login and private-photo view leaves a hash-chained event
that the database will not let anyone edit, and that `phananh audit-verify` checks."""

import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import httpx2 as httpx
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from service import audit
from service.audit.models import AuditEvent
from service.audit.verify import verify
from service.core.database import get_engine, session_scope
from service.core.timeutil import utcnow
from service.identity.models import User
from service.reports import signing
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, login, register_citizen, unique
from tests.intake.test_intake import JPEG, complaint_json
from tests.media.test_photo_links import ready
from tests.workflow.test_handling_dispatch import actions, new_report, staff

TABLE = AuditEvent.__table__  # type: ignore[attr-defined]


def events_about(session, object_type: str, object_id) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
    return list(session.exec(statement.order_by(col(AuditEvent.id))))


def record_events(session, tag: str, count: int) -> list[int]:
    for i in range(count):
        audit.record(
            session=session, actor=audit.SYSTEM, action="test.event", object_type="test", object_id=tag, after={"i": i}
        )
    session.commit()
    return [e.id for e in events_about(session, "test", tag)]


def user_id(client_or_http, headers) -> int:
    return client_or_http.get("/api/v1/me", headers=headers).json()["id"]


# ---- the chain over real API traffic ---------------------------------------------------


def test_a_report_logins_a_role_change_and_an_original_view_leave_a_whole_chain(live_server):
    request_id = unique("chain-")
    with httpx.Client(base_url=live_server, timeout=60, headers={"X-Request-ID": request_id}) as http:
        citizen = register_citizen(http)
        sent = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": complaint_json()},
            files=[("photos", ("pothole.jpg", JPEG, "image/jpeg"))],
        )
        assert sent.status_code == 201, sent.text
        report = sent.json()

        admin = login(http, DEMO_USERS["admin"])
        promoted = register_citizen(http)
        promoted_id = user_id(http, promoted)
        for role in ("dispatcher", "citizen"):
            changed = http.patch(f"/api/v1/admin/users/{promoted_id}", json={"role": role}, headers=admin)
            assert changed.status_code == 200, changed.text

        dispatcher = login(http, DEMO_USERS["dispatcher"])
        photo_id = http.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()["photos"][0]["id"]
        # No worker here: the photo is pending and its read has no links; sign one as it would be.
        dispatcher_id = http.get("/api/v1/me", headers=dispatcher).json()["id"]
        original = signing.signed_url(uuid.UUID(photo_id), "original", viewer=dispatcher_id)
        assert http.get(original, headers=dispatcher).status_code == 200

    with session_scope() as session:
        admin_id = session.exec(select(User.id).where(User.username == DEMO_USERS["admin"])).one()
        ours = session.exec(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(col(AuditEvent.id))
        ).all()
        done = [e.action for e in ours]
        assert {"user.registered", "auth.login", "complaint.submitted", "photo.original_viewed"} <= set(done)
        assert done.count("user.role_changed") == 2
        promotion = next(e for e in ours if e.action == "user.role_changed")
        assert (promotion.actor_id, promotion.actor_role) == (admin_id, "admin")
        assert (promotion.object_type, promotion.object_id) == ("user", str(promoted_id))
        assert (promotion.before, promotion.after) == ({"role": "citizen"}, {"role": "dispatcher"})
        assert all(e.client_address == "127.0.0.1" for e in ours)
        result = verify(session.connection())
    assert result.ok, [str(p) for p in result.problems]
    assert result.count >= len(ours)


def test_ten_people_registering_and_logging_in_at_once_still_make_one_chain(live_server):
    with get_engine().connect() as connection:
        start = connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar_one()
    errors: list[BaseException] = []

    def one() -> None:
        try:
            register_citizen(live_server)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with get_engine().connect() as connection:
        actions_done = connection.execute(
            text("SELECT action, count(*) FROM audit_events WHERE id > :start GROUP BY action"), {"start": start}
        ).all()
        result = verify(connection)
    counts = dict(actions_done)  # type: ignore[arg-type]
    assert counts.get("user.registered", 0) >= 10 and counts.get("auth.login", 0) >= 10
    assert result.ok, [str(p) for p in result.problems]


# ---- what an event carries -----------------------------------------------------------


def test_events_carry_the_request_id_and_the_client_address(client, db):
    response = client.post(
        "/api/v1/auth/token",
        data={"username": DEMO_USERS["dispatcher"], "password": DEMO_PASSWORD},
        headers={"X-Request-ID": "req-audit-0001"},
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-audit-0001"
    dispatcher_id = db.exec(select(User.id).where(User.username == DEMO_USERS["dispatcher"])).one()
    login_event = events_about(db, "user", dispatcher_id)[-1]
    assert login_event.action == "auth.login"
    assert (login_event.actor_id, login_event.actor_role) == (dispatcher_id, "dispatcher")
    assert login_event.request_id == "req-audit-0001"
    assert login_event.client_address == "testclient"

    # An id that is not one (spaces, far too long) is replaced by a fresh one, and a
    # request without one gets one too.
    for sent in ({"X-Request-ID": "not an id; DROP TABLE"}, {"X-Request-ID": "x" * 500}, {}):
        echoed = client.get("/healthz", headers=sent).headers["X-Request-ID"]
        assert len(echoed) == 32 and echoed != sent.get("X-Request-ID")


def test_a_failed_login_is_recorded_though_the_request_is_refused(client, db):
    phone = f"09{uuid.uuid4().int % 10**8:08d}"
    register_citizen(client, phone)
    wrong = client.post("/api/v1/auth/token", data={"username": phone, "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/token", data={"username": "khong.co.ai", "password": "sai-mat-khau"})
    assert unknown.status_code == 401
    failures = db.exec(
        select(AuditEvent).where(AuditEvent.action == "auth.login_failed").order_by(col(AuditEvent.id).desc())
    ).all()[:2]
    assert [f.after["reason"] for f in failures] == ["unknown_login", "wrong_password"]  # type: ignore[index]
    assert failures[1].object_id == str(db.exec(select(User.id).where(User.phone == "+84" + phone[1:])).one())
    assert failures[0].actor_id is None and failures[0].actor_role == "anonymous"


def test_changing_ones_own_account_is_recorded_as_done_by_oneself(client, db):
    citizen = register_citizen(client)
    me = user_id(client, citizen)
    assert client.patch("/api/v1/me", json={"language": "en"}, headers=citizen).status_code == 200
    change = events_about(db, "user", me)[-1]
    assert (change.action, change.actor_id, change.actor_role) == ("user.updated", me, "citizen")
    assert (change.before, change.after) == ({"language": "vi"}, {"language": "en"})


def test_an_event_of_a_rolled_back_savepoint_or_request_is_not_written(client, auth, db):
    tag_dropped, tag_kept = unique("dropped-"), unique("kept-")
    nested = db.begin_nested()
    audit.record(session=db, actor=audit.SYSTEM, action="test.event", object_type="test", object_id=tag_dropped)
    nested.rollback()
    audit.record(session=db, actor=audit.SYSTEM, action="test.event", object_type="test", object_id=tag_kept)
    db.commit()
    assert events_about(db, "test", tag_dropped) == []
    assert len(events_about(db, "test", tag_kept)) == 1

    code = unique("X-")
    refused = client.post(
        "/api/v1/admin/units",
        json={"code": code, "name": "X", "name_en": "X", "kind": "other", "area_codes": ["00000"]},
        headers=auth("admin"),
    )
    assert refused.status_code == 422
    assert db.exec(select(AuditEvent).where(AuditEvent.after["code"].astext == code)).all() == []


def test_values_json_changes_on_the_way_through_postgresql_still_verify(db):
    tag = unique("odd-")
    after = {
        "big": 1e16,
        "huge": 1e300,
        "tenth": 0.1,
        "tiny": 1.25e-7,
        "nan": float("nan"),
        "nul": "a\x00b",
        "when": utcnow(),
    }
    audit.record(session=db, actor=None, action="test.event", object_type="test", object_id=tag, after=after)
    db.commit()
    stored = events_about(db, "test", tag)[0]
    assert stored.after["nan"] is None and stored.after["nul"] == "ab"  # type: ignore[index]
    assert verify(db.connection()).ok


# ---- tampering -------------------------------------------------------------------------


def test_the_database_refuses_to_edit_delete_or_truncate_events(database):
    with session_scope() as session:
        record_events(session, unique("kept-"), 1)
    with get_engine().connect() as connection:
        for statement in (
            "UPDATE audit_events SET action = 'test.forged'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(DBAPIError, match="append-only") as refused:
                connection.execute(text(statement))
            assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
            connection.rollback()


def _disable_trigger(db) -> None:
    # As the table's owner (which the tests' role is), as an attacker with those rights would.
    db.exec(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))


def test_verify_names_an_edited_row(db):
    ids = record_events(db, unique("edit-"), 3)
    _disable_trigger(db)
    db.exec(text("""UPDATE audit_events SET after = '{"i": 99}' WHERE id = :id"""), params={"id": ids[1]})
    result = verify(db.connection())
    assert [(p.event_id, p.kind) for p in result.problems] == [(ids[1], "edited")]


def test_verify_names_the_row_after_a_deleted_one(db):
    ids = record_events(db, unique("delete-"), 3)
    _disable_trigger(db)
    db.exec(text("DELETE FROM audit_events WHERE id = :id"), params={"id": ids[1]})
    result = verify(db.connection())
    assert [(p.event_id, p.kind) for p in result.problems] == [(ids[2], "broken_link")]
    assert f"row {ids[2]}: broken_link: does not follow row {ids[0]}" in str(result.problems[0])


def test_verify_names_a_row_whose_hash_was_recomputed_by_its_successor(db):
    ids = record_events(db, unique("rehash-"), 3)
    _disable_trigger(db)
    # A careful forger rewrites the hash too; the next row still points at the old one.
    db.exec(text("UPDATE audit_events SET hash = repeat('a', 64) WHERE id = :id"), params={"id": ids[1]})
    problems = [(p.event_id, p.kind) for p in verify(db.connection()).problems]
    assert problems == [(ids[1], "edited"), (ids[2], "broken_link")]


def _phananh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "audit-verify", *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _as_owner(statement, params: dict | None = None) -> None:
    with get_engine().begin() as connection:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        connection.execute(statement if not isinstance(statement, str) else text(statement), params or {})
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))


def test_phananh_audit_verify_fails_on_an_edited_or_deleted_row_and_names_it(database):
    """The issue's "done when", for real: committed rows, tampered in SQL, checked by the CLI."""
    with session_scope() as session:
        ids = record_events(session, unique("cli-"), 4)
    with get_engine().connect() as connection:
        originals = {r["id"]: dict(r) for r in connection.execute(TABLE.select().where(TABLE.c.id.in_(ids))).mappings()}

    intact = _phananh()
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.startswith("ok ") and " events" in intact.stdout
    last = intact.stdout.splitlines()[1].removeprefix("last: ")
    try:
        _as_owner("""UPDATE audit_events SET after = '{"i": 1000}' WHERE id = :id""", {"id": ids[1]})
        edited = _phananh()
        assert edited.returncode == 1
        assert f"row {ids[1]}: edited" in edited.stdout

        _as_owner("UPDATE audit_events SET after = :after WHERE id = :id", {"id": ids[1], "after": '{"i": 1}'})
        _as_owner("DELETE FROM audit_events WHERE id = :id", {"id": ids[2]})
        deleted = _phananh()
        assert deleted.returncode == 1
        assert f"row {ids[3]}: broken_link" in deleted.stdout
        assert f"row {ids[1]}: edited" not in deleted.stdout  # the edit was undone: only the gap is left

        # Rows cut off the end leave a whole, shorter chain: only the noted last event tells.
        _as_owner(insert(TABLE).values(**originals[ids[2]]))
        _as_owner("DELETE FROM audit_events WHERE id = :id", {"id": ids[3]})
        assert _phananh().returncode == 0
        cut = _phananh("--anchor", last)
        assert cut.returncode == 1 and f"row {ids[3]}: anchor" in cut.stdout
    finally:
        with get_engine().connect() as connection:
            present = set(connection.execute(select(TABLE.c.id).where(TABLE.c.id.in_(ids))).scalars())
        for event_id in ids:
            if event_id in present:
                _as_owner(TABLE.update().where(TABLE.c.id == event_id).values(**originals[event_id]))
            else:
                _as_owner(insert(TABLE).values(**originals[event_id]))
    restored = _phananh("--anchor", last)
    assert restored.returncode == 0, restored.stdout


# ---- reading it ------------------------------------------------------------------------


def test_staff_read_a_reports_trail_with_transfers_and_original_photo_views(client, auth, db):
    report = new_report(client)
    dispatcher = staff(client, DEMO_USERS["dispatcher"])
    moved = client.post(
        actions(report["id"], "transfer"),
        json={"unit_code": "EVN-TN", "reason": "Cột đèn hỏng, việc của điện lực"},
        headers={**dispatcher, "X-Request-ID": "transfer-0001"},
    )
    assert moved.status_code == 200, moved.text
    ready(db, report)  # the photo worker is not running here
    urls = client.get(f"/api/v1/complaints/{report['id']}", headers=dispatcher).json()["photos"][0]["urls"]
    assert client.get(urls["large"]).status_code == 200  # derivatives are not logged
    assert client.get(urls["original"], headers=dispatcher).status_code == 200

    trail = client.get(f"/api/v1/complaints/{report['id']}/events", headers=dispatcher)
    assert trail.status_code == 200, trail.text
    items = trail.json()["items"]
    done = [e["action"] for e in items]
    assert done[0] == "complaint.submitted"
    assert done[-2:] == ["complaint.transferred", "photo.original_viewed"]
    transfer = items[-2]
    dispatcher_id = db.exec(select(User.id).where(User.username == DEMO_USERS["dispatcher"])).one()
    assert (transfer["actor_id"], transfer["actor_role"], transfer["request_id"]) == (
        dispatcher_id,
        "dispatcher",
        "transfer-0001",
    )
    assert transfer["actor_name"]
    assert transfer["before"] == {"status": "assigned"}
    assert transfer["after"]["status"] == "assigned" and transfer["after"]["data"]["to_unit"] == "EVN-TN"
    assert transfer["at"].endswith("+07:00")
    # The link to an original opens only for the staff member it was made for: they are the actor.
    assert (items[-1]["actor_id"], items[-1]["actor_role"]) == (dispatcher_id, "dispatcher")
    assert items[-1]["client_address"] == "testclient"
    # Changing the viewer in the link breaks its signature.
    forged = urls["original"].replace(f"viewer={dispatcher_id}", f"viewer={dispatcher_id + 1}")
    assert client.get(forged, headers=dispatcher).status_code == 403

    first = client.get(f"/api/v1/complaints/{report['id']}/events", params={"limit": 1}, headers=dispatcher).json()
    assert [e["action"] for e in first["items"]] == ["complaint.submitted"]
    rest = client.get(
        f"/api/v1/complaints/{report['id']}/events", params={"cursor": first["next_cursor"]}, headers=dispatcher
    ).json()
    assert [e["action"] for e in rest["items"]] == done[1:] and rest["next_cursor"] is None


def test_citizens_and_strangers_cannot_read_a_trail(client, auth, db):
    report = new_report(client)
    path = f"/api/v1/complaints/{report['id']}/events"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=report["headers"]).status_code == 403
    assert client.get(path, headers=auth("citizen")).status_code == 403
    missing = client.get(f"/api/v1/complaints/{uuid.uuid4()}/events", headers=auth("officer"))
    assert missing.status_code == 404
    assert client.get("/api/v1/admin/audit", headers=auth("dispatcher")).status_code == 403
    assert client.get("/api/v1/admin/audit", headers=report["headers"]).status_code == 403


def test_admins_search_the_trail_by_actor_action_object_and_time(client, auth, db):
    admin = auth("admin")
    admin_id = db.exec(select(User.id).where(User.username == DEMO_USERS["admin"])).one()
    citizen = register_citizen(client)
    target = user_id(client, citizen)
    assert client.patch(f"/api/v1/admin/users/{target}", json={"role": "dispatcher"}, headers=admin).status_code == 200
    assert client.patch(f"/api/v1/admin/users/{target}", json={"full_name": "Điều phối mới"}, headers=admin).is_success

    def search(**params) -> list[dict]:
        response = client.get("/api/v1/admin/audit", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    about = search(object_type="user", object_id=str(target))
    assert [e["action"] for e in about] == ["user.updated", "user.role_changed", "auth.login", "user.registered"]
    assert about[0]["before"] == {"full_name": "Người dân thử nghiệm"}
    assert about[0]["after"] == {"full_name": "Điều phối mới"}
    assert "password_hash" in about[-1]["after"] and about[-1]["after"]["password_hash"] == "[redacted]"

    by_admin = search(actor_id=admin_id, action="user.")
    assert [e["action"] for e in by_admin[:2]] == ["user.updated", "user.role_changed"]
    assert all(e["actor_id"] == admin_id and e["action"].startswith("user.") for e in by_admin)
    assert search(action="user.role_changed", object_id=str(target))[0]["after"] == {"role": "dispatcher"}
    assert search(action="user%", object_id=str(target)) == []  # a prefix, not a pattern

    now = utcnow()
    assert len(search(object_id=str(target), **{"from": (now - timedelta(minutes=5)).isoformat()})) == 4
    assert search(object_id=str(target), **{"from": (now + timedelta(minutes=5)).isoformat()}) == []
    assert search(object_id=str(target), to=(now - timedelta(minutes=5)).isoformat()) == []

    page = client.get("/api/v1/admin/audit", params={"object_id": str(target), "limit": 3}, headers=admin).json()
    assert len(page["items"]) == 3 and page["next_cursor"] == page["items"][-1]["id"]
    last = search(object_id=str(target), cursor=page["next_cursor"])
    assert [e["action"] for e in last] == ["user.registered"]


def test_admin_changes_to_units_categories_and_rules_are_recorded(client, auth, db):
    admin = auth("admin")
    code = unique("AUD-")
    unit = client.post(
        "/api/v1/admin/units",
        json={"code": code, "name": "Đơn vị thử", "name_en": "Test unit", "kind": "other", "area_codes": ["05528"]},
        headers=admin,
    ).json()
    assert client.patch(f"/api/v1/admin/units/{unit['id']}", json={"phone": "02083855555"}, headers=admin).is_success
    rule = client.post(
        "/api/v1/admin/routing-rules",
        json={"category_code": "pothole", "unit_id": unit["id"], "order": 5},
        headers=admin,
    )
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert client.patch(f"/api/v1/admin/routing-rules/{rule_id}", json={"is_active": False}, headers=admin).is_success
    assert client.delete(f"/api/v1/admin/routing-rules/{rule_id}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/admin/units/{unit['id']}", headers=admin).status_code == 204

    unit_events = events_about(db, "unit", unit["id"])
    assert [e.action for e in unit_events] == ["unit.created", "unit.updated", "unit.deleted"]
    assert unit_events[0].after["area_codes"] == ["05528"]  # type: ignore[index]
    assert (unit_events[1].before, unit_events[1].after) == ({"phone": None}, {"phone": "02083855555"})
    assert unit_events[2].before["code"] == code  # type: ignore[index]
    rule_events = events_about(db, "routing_rule", rule_id)
    assert [e.action for e in rule_events] == ["routing_rule.created", "routing_rule.updated", "routing_rule.deleted"]
    assert rule_events[1].after == {"is_active": False}
    assert all(e.actor_role == "admin" for e in unit_events + rule_events)
    assert verify(db.connection()).ok
