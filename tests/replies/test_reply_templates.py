"""Reply templates: the admin API with its audit lines and refusals, and the templates a
report's staff are offered, filled in for it — for every role."""

import pytest
from sqlalchemy import text

from service.areas.models import Area
from service.core.timeutil import format_local
from service.units.models import Unit
from tests.conftest import DEMO_USERS, register_citizen
from tests.workflow.test_handling_dispatch import new_report, row, staff, username

ADMIN_API = "/api/v1/admin/reply-templates"
TEMPLATE = {
    "title": "Đã vá ổ gà",
    "purpose": "result",
    "category_code": "pothole",
    "body_vi": "Phản ánh {code}: {unit} đã vá ổ gà tại {ward}, trước hạn {due}.",
    "body_en": "Report {code}: {unit} has patched the pothole in {ward}, before {due}.",
}


def offered(report_id: str) -> str:
    return f"/api/v1/complaints/{report_id}/reply-templates"


def audited(db, action: str, template_id: int) -> list[tuple]:
    return db.execute(
        text(
            "SELECT actor_role, before, after FROM audit_events "
            "WHERE action = :a AND object_type = 'reply_template' AND object_id = :o ORDER BY id"
        ),
        {"a": action, "o": str(template_id)},
    ).all()


def create(client, auth, **changes) -> dict:
    made = client.post(ADMIN_API, headers=auth("admin"), json=TEMPLATE | changes)
    assert made.status_code == 201, made.text
    return made.json()


def test_an_admin_keeps_templates_and_every_change_is_audited(client, db, auth):
    made = create(client, auth)
    assert made["category_code"] == "pothole" and made["is_active"] is True
    [(role, _, after)] = audited(db, "reply_template.created", made["id"])
    assert role == "admin" and after["title"] == "Đã vá ổ gà" and after["body_vi"] == TEMPLATE["body_vi"]

    changed = client.patch(
        f"{ADMIN_API}/{made['id']}", headers=auth("admin"), json={"title": "Đã vá xong ổ gà", "category_code": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Đã vá xong ổ gà" and changed.json()["category_code"] is None
    [(_, before, after)] = audited(db, "reply_template.updated", made["id"])
    assert before["title"] == "Đã vá ổ gà" and after["title"] == "Đã vá xong ổ gà"
    assert after["category_id"] is None and before["category_id"] is not None

    listed = client.get(ADMIN_API, headers=auth("admin")).json()
    assert made["id"] in [t["id"] for t in listed]
    assert client.get(f"{ADMIN_API}/{made['id']}", headers=auth("admin")).json()["title"] == "Đã vá xong ổ gà"

    assert client.delete(f"{ADMIN_API}/{made['id']}", headers=auth("admin")).status_code == 204
    [(_, before, _)] = audited(db, "reply_template.deleted", made["id"])
    assert before["title"] == "Đã vá xong ổ gà"
    assert client.get(f"{ADMIN_API}/{made['id']}", headers=auth("admin")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "code", "named"),
    [
        ({"body_en": "Dear {name}, report {code} is done."}, "body_en", "unknown_placeholder", "{name}"),
        ({"body_vi": "Phản ánh {ma_phan_anh} đã xong."}, "body_vi", "unknown_placeholder", "{ma_phan_anh}"),
        ({"body_vi": "Phản ánh {code.__class__}"}, "body_vi", "unknown_placeholder", "{code.__class__}"),
        ({"body_vi": "Hạn {due"}, "body_vi", "unknown_placeholder", "{code}"),
        ({"category_code": "no_such_category"}, "category_code", "unknown_category", None),
    ],
)
def test_a_template_that_would_not_fill_in_is_refused_naming_the_field(client, db, auth, changes, field, code, named):
    before = client.get(ADMIN_API, headers=auth("admin")).json()
    refused = client.post(ADMIN_API, headers=auth("admin"), json=TEMPLATE | changes)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == (code, field)
    if named:
        assert named in refused.json()["message"] and named in refused.json()["message_en"]
    assert client.get(ADMIN_API, headers=auth("admin")).json() == before
    # The same check on a change.
    kept = create(client, auth)
    if field != "category_code":
        patched = client.patch(f"{ADMIN_API}/{kept['id']}", headers=auth("admin"), json=changes)
        assert (patched.status_code, patched.json()["field"]) == (422, field)
        assert audited(db, "reply_template.updated", kept["id"]) == []


def test_a_body_too_long_or_empty_and_a_null_title_are_refused(client, auth):
    assert client.post(ADMIN_API, headers=auth("admin"), json=TEMPLATE | {"body_vi": "x" * 1501}).status_code == 422
    assert client.post(ADMIN_API, headers=auth("admin"), json=TEMPLATE | {"body_en": ""}).status_code == 422
    kept = create(client, auth)
    cleared = client.patch(f"{ADMIN_API}/{kept['id']}", headers=auth("admin"), json={"title": None})
    assert cleared.status_code == 422 and cleared.json()["field"] == "title"


@pytest.mark.parametrize("role", [r for r in DEMO_USERS if r != "admin"])
def test_only_admins_keep_templates(client, auth, role):
    for method, path in (
        ("GET", ADMIN_API),
        ("POST", ADMIN_API),
        ("PATCH", f"{ADMIN_API}/1"),
        ("DELETE", f"{ADMIN_API}/1"),
    ):
        answer = client.request(method, path, headers=auth(role), json=TEMPLATE)
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), (role, method)
    assert client.get(ADMIN_API).status_code == 401


def test_a_report_offers_its_categorys_templates_then_the_general_ones_filled_in_for_it(client, db, auth):
    pothole = create(client, auth)
    create(client, auth, title="Đèn đã sửa", category_code="street_light")
    create(client, auth, title="Mẫu đã ngừng dùng", is_active=False)
    general = create(
        client,
        auth,
        title="Hỏi thêm ảnh",
        purpose="question",
        category_code=None,
        body_vi="Gửi thêm ảnh cho {code}",
        body_en="Send another photo of {code}",
    )
    report = new_report(client)
    officer = staff(client, username(db, row(db, report).current_officer_id))

    answer = client.get(offered(report["id"]), headers=officer)

    assert answer.status_code == 200, answer.text
    listed = answer.json()
    titles = [t["title"] for t in listed]
    assert titles[0] == "Đã vá ổ gà" and "Hỏi thêm ảnh" in titles
    assert "Đèn đã sửa" not in titles and "Mẫu đã ngừng dùng" not in titles
    # The category's own first, then those for every category (the two the service starts with too).
    assert [t["category_code"] for t in listed] == ["pothole"] + [None] * (len(listed) - 1)
    mine = next(t for t in listed if t["id"] == pothole["id"])
    complaint = row(db, report)
    unit, ward = db.get(Unit, complaint.current_unit_id), db.get(Area, complaint.area_id)
    due = format_local(complaint.resolve_due_at)
    assert (
        mine["text_vi"] == f"Phản ánh {report['code']}: {unit.name} đã vá ổ gà tại {ward.full_name}, trước hạn {due}."
    )
    assert mine["text_en"] == (
        f"Report {report['code']}: {unit.name_en} has patched the pothole in {ward.full_name_en}, before {due}."
    )
    questions = client.get(offered(report["id"]), headers=officer, params={"purpose": "question"}).json()
    assert {t["purpose"] for t in questions} == {"question"} and general["id"] in [t["id"] for t in questions]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("other_officer", 200),
        ("unit_lead", 200),
        ("dispatcher", 200),
        ("admin", 200),
        ("owner", 403),
        ("citizen", 403),
        ("anonymous", 401),
    ],
)
def test_staff_are_offered_templates_citizens_are_not(client, db, auth, who, status):
    report = new_report(client)
    headers = {
        "officer": lambda: staff(client, username(db, row(db, report).current_officer_id)),
        "other_officer": lambda: staff(client, "canbo.phandinhphung"),
        "owner": lambda: report["headers"],
        "citizen": lambda: register_citizen(client),
        "anonymous": lambda: {},
    }.get(who, lambda: auth(who))()
    answer = client.get(offered(report["id"]), headers=headers)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert all("{" not in t["text_vi"] for t in answer.json())
    else:
        assert answer.json()["code"] == ("not_authenticated" if status == 401 else "forbidden")


def test_an_unknown_report_has_no_templates(client, auth):
    answer = client.get(offered("00000000-0000-0000-0000-000000000001"), headers=auth("dispatcher"))
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
