"""Photo links that hold when leaked: an original opens only for the staff member it was
made for, in their own session, while they still need to know; a private report's
pictures only for those who may see the report; a public report's stay anonymous.

Against the TestClient with real PostgreSQL and Redis; the console's <img> and "Ảnh gốc"
link through a real browser are in tests/web/test_console_days.py."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from service.audit.models import AuditEvent
from service.identity.models import User
from service.reports import signing
from service.reports.models import Complaint
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, login, register_citizen
from tests.reports.test_need_to_know import PHAN_DINH_PHUNG
from tests.workflow.test_handling_dispatch import actions, new_report


@pytest.fixture
def staff(client):
    """``staff(client, username)``: headers of a staff member logged in during this test
    (a login is a row of its own: one made in an earlier test was rolled back with it)."""
    logins: dict[str, dict[str, str]] = {}

    def headers(http, username: str) -> dict[str, str]:
        if username not in logins:
            logins[username] = login(http, username)
        return logins[username]

    return headers


def ready(db, report: dict) -> None:
    # The photo worker is not running here: make the photo ready so its links are handed out.
    db.exec(
        text(
            "UPDATE photos SET status = 'ready', large_key = original_key, thumb_key = original_key "
            "WHERE complaint_id = :id"
        ),
        params={"id": report["id"]},
    )
    db.commit()


def urls_for(client, report: dict, headers: dict[str, str]) -> dict:
    read = client.get(f"/api/v1/complaints/{report['id']}", headers=headers)
    assert read.status_code == 200, read.text
    return read.json()["photos"][0]["urls"]


def user_id(db, username: str) -> int:
    return db.exec(select(User.id).where(User.username == username)).one()


def viewer_of(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("viewer", [])


def views_of(db, url: str) -> list[AuditEvent]:
    photo_id = urlsplit(url).path.split("/")[-2]
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "photo.original_viewed", AuditEvent.object_id == photo_id)
            .order_by(col(AuditEvent.id))
        ).all()
    )


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == code


def test_a_leaked_original_opens_only_for_its_staff_member_in_their_session(client, db, staff):
    report = new_report(client)
    ready(db, report)
    dispatcher = staff(client, DEMO_USERS["dispatcher"])
    original = urls_for(client, report, dispatcher)["original"]
    assert viewer_of(original) == [str(user_id(db, DEMO_USERS["dispatcher"]))]

    refused(client.get(original), 401, "not_authenticated")
    # Other staff with their own valid sessions, the admin (who needs to know) included.
    for other in (DEMO_USERS["admin"], DEMO_USERS["officer"], "canbo.dienluc"):
        refused(client.get(original, headers=staff(client, other)), 403, "photo_not_yours")
    refused(client.get(original, headers=report["headers"]), 403, "photo_not_yours")  # its own citizen
    refused(client.get(original, headers=register_citizen(client)), 403, "photo_not_yours")
    # Naming someone else as the viewer breaks the signature.
    forged = original.replace(f"viewer={viewer_of(original)[0]}", f"viewer={user_id(db, DEMO_USERS['admin'])}")
    refused(client.get(forged, headers=staff(client, DEMO_USERS["admin"])), 403, "invalid_photo_url")
    assert views_of(db, original) == []  # no refusal claims a view

    opened = client.get(original, headers=dispatcher)
    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"].startswith("image/") and opened.content
    assert opened.headers["cache-control"] == "private, no-store"
    assert opened.headers["vary"] == "Authorization, Cookie"
    # The console's <a> sends no header: its login cookie stands for the session.
    token = dispatcher["Authorization"].removeprefix("Bearer ")
    by_cookie = client.get(original, headers={"Cookie": f"pa_access={token}"})
    assert by_cookie.status_code == 200 and by_cookie.content == opened.content
    seen = views_of(db, original)
    dispatcher_id = user_id(db, DEMO_USERS["dispatcher"])
    assert [(e.actor_id, e.actor_role) for e in seen] == [(dispatcher_id, "dispatcher")] * 2


def test_staff_who_lost_need_to_know_since_the_link_was_made_are_refused(client, db, staff):
    """A lead of the unit the report was sent to, who never acted on it: the report moves
    to another unit and their link to its original stops working, though it has not
    expired. The report itself they still see, as the public does, thumbnails and all."""
    admin = staff(client, DEMO_USERS["admin"])
    unit = client.get("/api/v1/admin/units", params={"q": "05443-KTHT"}, headers=admin).json()["items"][0]
    lead_name = f"ld.{uuid.uuid4().hex[:8]}"
    body = {"username": lead_name, "full_name": "Lãnh đạo thử", "password": DEMO_PASSWORD, "role": "unit_lead"}
    created = client.post("/api/v1/admin/users", headers=admin, json={**body, "unit_id": unit["id"]})
    assert created.status_code == 201, created.text
    lead = login(client, lead_name)
    report = new_report(client, lat=PHAN_DINH_PHUNG[0], lon=PHAN_DINH_PHUNG[1], visibility="private")
    assert report["unit"]["code"] == "05443-KTHT"
    ready(db, report)
    urls = urls_for(client, report, lead)
    assert client.get(urls["original"], headers=lead).status_code == 200

    holder = db.get(User, db.get(Complaint, uuid.UUID(report["id"])).current_officer_id).username
    moved = client.post(
        actions(report["id"], "transfer"),
        headers=staff(client, holder),
        json={"unit_code": "05528-KTHT", "reason": "Thuộc địa bàn phường Bách Quang"},
    )
    assert moved.status_code == 200, moved.text
    refused(client.get(urls["original"], headers=lead), 403, "photo_not_allowed")
    assert len(views_of(db, urls["original"])) == 1  # the view before the move only
    assert client.get(urls["thumb"], headers=lead).status_code == 200
    assert urls_for(client, report, lead)["original"] is None


def test_a_private_reports_pictures_only_for_those_who_may_see_it(client, db, staff):
    report = new_report(client, visibility="private")
    ready(db, report)
    owner = report["headers"]
    mine = urls_for(client, report, owner)
    assert mine["original"] is None
    for variant in ("thumb", "large"):
        url = mine[variant]
        assert viewer_of(url), url  # bound to the citizen who asked
        refused(client.get(url), 401, "not_authenticated")
        refused(client.get(url, headers=register_citizen(client)), 403, "photo_not_yours")
        refused(client.get(url, headers=staff(client, DEMO_USERS["dispatcher"])), 403, "photo_not_yours")
        opened = client.get(url, headers=owner)
        assert opened.status_code == 200 and opened.content, opened.text
        assert opened.headers["vary"] == "Authorization, Cookie"
        cache = opened.headers["cache-control"]
        assert cache.startswith("private, max-age=") and 0 < int(cache.rsplit("=", 1)[1]) <= 3600 + 300
    # Lists hand out the same bound thumbnail.
    listed = client.get("/api/v1/complaints/mine", headers=owner).json()["items"]
    assert viewer_of(next(i for i in listed if i["id"] == report["id"])["thumb_url"])

    # Staff may open any report: those who need to know and those who see it as the public does.
    for username in (DEMO_USERS["dispatcher"], "canbo.dienluc"):
        headers = staff(client, username)
        theirs = urls_for(client, report, headers)["thumb"]
        assert viewer_of(theirs) == [str(user_id(db, username))]
        assert client.get(theirs, headers=headers).status_code == 200, username


def test_an_anonymous_link_of_a_report_made_private_since_is_refused(client, db):
    report = new_report(client)
    ready(db, report)
    thumb = urls_for(client, report, {})["thumb"]
    assert client.get(thumb).status_code == 200
    db.exec(text("UPDATE complaints SET visibility = 'private' WHERE id = :id"), params={"id": report["id"]})
    db.commit()
    refused(client.get(thumb), 401, "not_authenticated")
    refused(client.get(thumb, headers=report["headers"]), 403, "photo_not_yours")  # it names nobody


@pytest.mark.parametrize("who", ["anonymous", "owner", "other_citizen"])
def test_a_public_reports_pictures_stay_anonymous_links(client, db, who):
    report = new_report(client)
    ready(db, report)
    headers = {"anonymous": {}, "owner": report["headers"], "other_citizen": register_citizen(client)}[who]
    urls = urls_for(client, report, headers)
    assert urls["original"] is None
    for variant in ("thumb", "large"):
        assert viewer_of(urls[variant]) == []
        opened = client.get(urls[variant])  # no login at all
        assert opened.status_code == 200 and opened.content, opened.text
        assert opened.headers["cache-control"] == f"private, max-age={signing.URL_LIFETIME_SECONDS}"
        assert "vary" not in opened.headers


def test_no_photo_behind_a_well_signed_link_is_not_found(client):
    url = signing.signed_url(uuid.uuid4(), "thumb")
    refused(client.get(url), 404, "not_found")
