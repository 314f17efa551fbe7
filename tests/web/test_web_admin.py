"""The admin pages (units, categories, routing rules, SLA policies, users): every section
through its forms, with the audit trail, refusals that keep what was typed and write
nothing, and refusal of every other role. Plain HTTP on the test's transaction; the
browser test is in test_web_console.py."""

import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from service.web.labels import options
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, unique

SECTIONS = ("units", "category-groups", "categories", "routing-rules", "sla-policies", "users")


def console(client: TestClient, role: str) -> str:
    """Log the client in to the console as the demo user of ``role``; its CSRF token."""
    client.cookies.clear()
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/web/login",
        data={"username": DEMO_USERS[role], "password": DEMO_PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf


def post(client: TestClient, path: str, csrf: str, data: dict | list) -> object:
    """Post a form; a list of pairs may repeat a name (a multiple choice)."""
    form: dict[str, list[str]] = {"csrf": [csrf]}
    for name, value in data.items() if isinstance(data, dict) else data:
        form.setdefault(name, []).append(value)
    return client.post(path, data=form, follow_redirects=False)


def one(db: Session, sql: str, **params) -> object:
    return db.execute(text(sql), params).scalar_one_or_none()


def audited(db: Session, action: str, object_id: object) -> int:
    return db.execute(
        text("SELECT count(*) FROM audit_events WHERE action = :a AND object_id = :o AND actor_role = 'admin'"),
        {"a": action, "o": str(object_id)},
    ).scalar_one()


@pytest.fixture
def admin(client: TestClient) -> str:
    return console(client, "admin")


def test_every_section_lists_its_rows_for_the_admin(client, admin):
    home = client.get("/web/admin")
    assert home.status_code == 200
    for key in SECTIONS:
        assert f'href="/web/admin/{key}"' in home.text
        page = client.get(f"/web/admin/{key}")
        assert page.status_code == 200, key
        assert 'data-test="admin-rows"' in page.text
    assert DEMO_USERS["officer"] in client.get("/web/admin/users?q=canbo").text
    assert client.get("/web/admin/nothing-here").status_code == 404
    assert client.get("/web/admin/units/2147483647").status_code == 404
    assert client.get("/web/admin/units/2147483648").status_code == 422  # not a database id
    assert client.get("/web/admin/sla-policies/1").status_code == 404  # add or delete only


def test_lists_and_forms_show_words_and_names_not_codes(client, admin):
    units = client.get("/web/admin/units", params={"q": "05528-KTHT"}).text
    assert "<td>Phòng Kinh tế, Hạ tầng và Đô thị</td>" in units and "<td>ward_infrastructure</td>" not in units
    # A required choice starts unanswered; the kinds are in words.
    assert '<option value="" disabled selected>— Chọn —</option>' in units
    assert '<option value="ward_police" >Công an phường, xã</option>' in units
    categories = client.get("/web/admin/categories", params={"q": "blocked_drain"}).text
    assert "<td>Thoát nước, ngập úng</td>" in categories and "<td>drainage</td>" not in categories
    assert any(f"<td>{words}</td>" in categories for _, words in options("priority", "vi"))
    english = client.get("/web/admin/users", params={"q": DEMO_USERS["officer"]}, cookies={"pa_lang": "en"}).text
    assert "<td>Officer</td>" in english and "<td>officer</td>" not in english
    rules = client.get("/web/admin/routing-rules", params={"q": "Cây xanh"}).text
    assert "<td>Cây xanh</td>" in rules  # a rule for the trees group, found and shown by its name


def test_a_long_list_is_paged(client, db, admin):
    total = one(db, "SELECT count(*) FROM units")
    assert total > 200  # three units in each of the 92 wards, and more
    first = client.get("/web/admin/units")
    assert first.text.count('href="/web/admin/units/') == 200
    assert f"1–200 / {total}" in first.text and "offset=200" in first.text
    last = client.get("/web/admin/units", params={"offset": 200})
    assert last.text.count('href="/web/admin/units/') == total - 200
    assert f"201–{total} / {total}" in last.text and "offset=0" in last.text
    assert client.get("/web/admin/units", params={"offset": -1}).status_code == 422


def test_a_category_group_is_added_and_then_used_by_a_new_category(client, db, admin):
    code = unique("nhom_")
    made = post(client, "/web/admin/category-groups", admin, {"code": code, "name": "Cây xanh", "name_en": "Trees"})
    assert made.status_code == 303, made.text
    assert audited(db, "category_group.created", code) == 1
    assert f'<option value="{code}"' in client.get("/web/admin/categories").text


@pytest.mark.parametrize("role", ["officer", "unit_lead", "dispatcher"])
def test_other_staff_may_neither_open_nor_post_to_the_admin_pages(client, db, role):
    csrf = console(client, role)
    for path in ["/web/admin", *(f"/web/admin/{key}" for key in SECTIONS), "/web/admin/units/1"]:
        assert client.get(path).status_code == 403, path
    code = unique("X")
    refused = post(client, "/web/admin/units", csrf, {"code": code, "name": "x", "name_en": "x", "kind": "other"})
    assert refused.status_code == 403
    assert post(client, "/web/admin/users/1", csrf, {"role": "admin"}).status_code == 403
    assert post(client, "/web/admin/units/1/delete", csrf, {}).status_code == 403
    assert one(db, "SELECT count(*) FROM units WHERE code = :c", c=code) == 0


def test_a_unit_is_created_changed_and_deleted_through_its_forms_with_an_audit_trail(client, db, admin):
    code = unique("UB-")
    made = post(
        client,
        "/web/admin/units",
        admin,
        [
            ("code", code),
            ("name", "Đội trật tự đô thị"),
            ("name_en", "Urban order team"),
            ("kind", "other"),
            ("phone", "02083855555"),
            ("area_codes", "05528"),
            ("area_codes", "05518"),
        ],
    )
    assert made.status_code == 303 and made.headers["location"] == "/web/admin/units"
    unit_id = one(db, "SELECT id FROM units WHERE code = :c", c=code)
    assert unit_id and audited(db, "unit.created", unit_id) == 1
    wards = db.execute(
        text("SELECT a.code FROM unit_areas ua JOIN areas a ON a.id = ua.area_id WHERE ua.unit_id = :u ORDER BY 1"),
        {"u": unit_id},
    ).scalars()
    assert list(wards) == ["05518", "05528"]

    form = client.get(f"/web/admin/units/{unit_id}")
    assert form.status_code == 200 and 'value="02083855555"' in form.text
    # The form posts every field back; only what changed goes to the API.
    changed = post(
        client,
        f"/web/admin/units/{unit_id}",
        admin,
        [
            ("name", "Đội trật tự đô thị"),
            ("name_en", "Urban order team"),
            ("kind", "other"),
            ("phone", "0208111222"),
            ("email", ""),
            ("is_active", "true"),
            ("area_codes", "05518"),
            ("area_codes", "05528"),
        ],
    )
    assert changed.status_code == 303
    assert one(db, "SELECT phone FROM units WHERE id = :u", u=unit_id) == "0208111222"
    event = db.execute(
        text("SELECT before, after FROM audit_events WHERE action = 'unit.updated' AND object_id = :o"),
        {"o": str(unit_id)},
    ).one()
    assert event.before["phone"] == "02083855555" and event.after["phone"] == "0208111222"
    # The same wards, in another order, are no change.
    assert set(event.after) == {"phone"}

    # A unit with staff is not deleted: the refusal is the next page's flash line.
    staffed = one(db, "SELECT unit_id FROM users WHERE username = :u", u=DEMO_USERS["officer"])
    kept = post(client, f"/web/admin/units/{staffed}/delete", admin, {})
    assert kept.status_code == 303 and "Đơn vị còn cán bộ" in unquote(kept.cookies["pa_flash"])
    assert one(db, "SELECT count(*) FROM units WHERE id = :u", u=staffed) == 1

    deleted = post(client, f"/web/admin/units/{unit_id}/delete", admin, {})
    assert deleted.status_code == 303
    assert one(db, "SELECT count(*) FROM units WHERE id = :u", u=unit_id) == 0
    assert audited(db, "unit.deleted", unit_id) == 1


def test_a_refused_form_keeps_what_was_typed_names_the_field_and_writes_nothing(client, db, admin):
    before = one(db, "SELECT count(*) FROM categories")
    bad = post(
        client,
        "/web/admin/categories",
        admin,
        {"code": "có dấu cách", "group_code": "road", "name": "Ổ gà mới", "name_en": "New pothole"},
    )
    assert bad.status_code == 422
    assert 'data-test="field-error"' in bad.text and 'data-code="invalid_input"' in bad.text
    # The refusal names the field and says what is wrong, in the page's words.
    assert "Mã: chỉ dùng chữ không dấu" in bad.text
    assert 'value="Ổ gà mới"' in bad.text and 'value="có dấu cách"' in bad.text
    assert one(db, "SELECT count(*) FROM categories") == before

    existing = one(db, "SELECT code FROM units ORDER BY id LIMIT 1")
    taken = post(client, "/web/admin/units", admin, {"code": existing, "name": "x", "name_en": "x", "kind": "other"})
    assert taken.status_code == 409 and 'data-code="unit_code_taken"' in taken.text
    assert "Mã đơn vị đã tồn tại." in taken.text
    assert one(db, "SELECT count(*) FROM units WHERE code = :c", c=existing) == 1


def test_a_form_without_its_csrf_token_writes_nothing(client, db, admin):
    code = unique("UB-")
    forged = client.post(
        "/web/admin/units", data={"code": code, "name": "x", "name_en": "x", "kind": "other"}, follow_redirects=False
    )
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_refused"
    assert one(db, "SELECT count(*) FROM units WHERE code = :c", c=code) == 0


def test_a_category_is_added_changed_and_retired(client, db, admin):
    group = one(db, "SELECT code FROM category_groups ORDER BY sort_order LIMIT 1")
    code = unique("cat_")
    assert (
        post(
            client,
            "/web/admin/categories",
            admin,
            {"code": code, "group_code": group, "name": "Cây đổ", "name_en": "Fallen tree", "default_priority": "high"},
        ).status_code
        == 303
    )
    category_id = one(db, "SELECT id FROM categories WHERE code = :c", c=code)
    assert one(db, "SELECT default_priority FROM categories WHERE id = :i", i=category_id) == "high"
    assert post(client, f"/web/admin/categories/{category_id}", admin, {"is_active": "false"}).status_code == 303
    assert one(db, "SELECT is_active FROM categories WHERE id = :i", i=category_id) is False
    assert audited(db, "category.updated", category_id) == 1
    # Saving the form untouched changes nothing and writes no audit event.
    page = client.get(f"/web/admin/categories/{category_id}")
    fields = dict(re.findall(r'<input name="(\w+)" type="\w+" value="([^"]*)"', page.text))
    fields |= {"group_code": group, "default_priority": "high", "is_active": "false"}
    assert post(client, f"/web/admin/categories/{category_id}", admin, fields).status_code == 303
    assert audited(db, "category.updated", category_id) == 1


def test_a_routing_rule_is_added_reordered_and_removed(client, db, admin):
    unit_id = one(db, "SELECT id FROM units WHERE is_active ORDER BY id LIMIT 1")
    note = unique("rule ")
    made = post(
        client,
        "/web/admin/routing-rules",
        admin,
        {
            "category_code": "pothole",
            "area_code": "05528",
            "unit_id": str(unit_id),
            "order": "5",
            "is_active": "true",
            "note": note,
        },
    )
    assert made.status_code == 303, made.text
    rule_id = one(db, "SELECT id FROM routing_rules WHERE note = :n", n=note)
    assert audited(db, "routing_rule.created", rule_id) == 1
    assert note in client.get("/web/admin/routing-rules", params={"q": "05528"}).text
    assert post(client, f"/web/admin/routing-rules/{rule_id}", admin, {"order": "7"}).status_code == 303
    assert one(db, 'SELECT "order" FROM routing_rules WHERE id = :i', i=rule_id) == 7
    assert post(client, f"/web/admin/routing-rules/{rule_id}/delete", admin, {}).status_code == 303
    assert one(db, "SELECT count(*) FROM routing_rules WHERE id = :i", i=rule_id) == 0
    assert audited(db, "routing_rule.deleted", rule_id) == 1


def test_an_sla_policy_is_added_and_removed(client, db, admin):
    db.execute(text("DELETE FROM sla_policies WHERE category_id = (SELECT id FROM categories WHERE code = 'flooding')"))
    made = post(
        client,
        "/web/admin/sla-policies",
        admin,
        {"category_code": "flooding", "priority": "urgent", "ack_hours": "1.5", "resolve_hours": "7.5"},
    )
    assert made.status_code == 303, made.text
    policy_id, ack = db.execute(
        text(
            "SELECT p.id, p.ack_minutes FROM sla_policies p JOIN categories c ON c.id = p.category_id "
            "WHERE c.code = 'flooding' AND p.priority = 'urgent'"
        )
    ).one()
    assert ack == 90 and audited(db, "sla_policy.created", policy_id) == 1
    listed = client.get("/web/admin/sla-policies")
    assert f'action="/web/admin/sla-policies/{policy_id}/delete"' in listed.text
    again = post(
        client,
        "/web/admin/sla-policies",
        admin,
        {"category_code": "flooding", "priority": "urgent", "ack_hours": "2", "resolve_hours": "8"},
    )
    assert again.status_code == 409
    assert post(client, f"/web/admin/sla-policies/{policy_id}/delete", admin, {}).status_code == 303
    assert one(db, "SELECT count(*) FROM sla_policies WHERE id = :i", i=policy_id) == 0


def test_a_user_is_created_promoted_and_disabled_and_the_admin_cannot_lock_themselves_out(client, db, admin):
    unit_id = one(db, "SELECT unit_id FROM users WHERE username = :u", u=DEMO_USERS["officer"])
    username = unique("canbo.")
    made = post(
        client,
        "/web/admin/users",
        admin,
        {
            "username": username,
            "full_name": "Nguyễn Văn Mới",
            "password": "mat-khau-du-dai",
            "role": "officer",
            "unit_id": str(unit_id),
            "language": "vi",
        },
    )
    assert made.status_code == 303, made.text
    user_id = one(db, "SELECT id FROM users WHERE username = :u", u=username)
    page = client.get(f"/web/admin/users/{user_id}")
    assert "mat-khau-du-dai" not in page.text and "password_hash" not in page.text
    assert post(client, f"/web/admin/users/{user_id}", admin, {"role": "unit_lead"}).status_code == 303
    assert audited(db, "user.role_changed", user_id) == 1
    assert post(client, f"/web/admin/users/{user_id}", admin, {"is_active": "false"}).status_code == 303
    assert one(db, "SELECT is_active FROM users WHERE id = :i", i=user_id) is False

    own_id = one(db, "SELECT id FROM users WHERE username = :u", u=DEMO_USERS["admin"])
    refused = post(client, f"/web/admin/users/{own_id}", admin, {"role": "officer"})
    assert refused.status_code == 403 and 'data-code="self_lockout"' in refused.text
    assert one(db, "SELECT role FROM users WHERE id = :i", i=own_id) == "admin"


def test_a_name_in_the_map_data_cannot_end_its_script_element(client, db, admin):
    # Ward names reach the IOC map as JSON: fetched from /api/v1/ioc/wards, and shown in the
    # page's tables as text; neither may end a script element or open a tag.
    db.execute(text("UPDATE areas SET name = 'Bách Quang</script><img src=x>' WHERE code = '05528'"))
    page = client.get("/web/ioc?group=ward")
    assert page.status_code == 200
    assert "</script><img" not in page.text and "<img src=x>" not in page.text
    wards = client.get("/api/v1/ioc/wards").json()
    assert "Bách Quang</script><img src=x>" in [f["properties"]["name"] for f in wards["features"]]


def test_a_weak_staff_password_is_refused_on_the_form_with_the_reason_and_nothing_written(client, db, admin):
    unit_id = one(db, "SELECT unit_id FROM users WHERE username = :u", u=DEMO_USERS["officer"])
    username = unique("canbo.")
    form = {"username": username, "full_name": "Trần Thị Yếu", "role": "officer", "unit_id": str(unit_id)}
    for password, words in (
        ("12345678", "Mật khẩu phải có ít nhất 15 ký tự"),
        ("1qaz2wsx3edc4rfv", "phổ biến"),
        (f"{username}-2026", "tên đăng nhập"),
    ):
        refused = post(client, "/web/admin/users", admin, {**form, "password": password, "language": "vi"})
        assert refused.status_code == 422, refused.text[:300]
        assert 'data-code="weak_password"' in refused.text
        assert words in refused.text, (password, refused.text[:2000])
        assert f'value="{password}"' not in refused.text  # a refused password is never typed back in
    assert one(db, "SELECT count(*) FROM users WHERE username = :u", u=username) == 0
