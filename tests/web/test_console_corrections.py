"""Correcting a report and reply templates in the console.

In Chromium on the demo's lived week (``demo_site``): the officer of Phường Bách Quang puts
a reply template into the result of a report in progress, edits it and resolves; a
dispatcher changes a report's category to one the rules give another unit and sees it move;
the unit's lead raises a priority and sees the deadline move. Over plain HTTP on the test's
transaction: the admin's reply-templates section, its refusals and audit lines, and the
correction forms' refusals. Screenshots: .artifacts/screenshots/corrections-*.png."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, DEMO_USERS
from tests.routing.test_routing import PNG
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.web.test_web_admin import console, post
from tests.web.test_web_console import log_in
from tests.workflow.test_handling_dispatch import new_report, row, username

chromium = browser_fixture()
KTHT = "05528-KTHT"
OPEN_IN_HAND = ("assigned", "acknowledged", "in_progress", "reopened")


def in_hand(site, *, unit: str, statuses: tuple[str, ...], officer: str | None = None) -> list[str]:
    """Codes of the unit's reports in these states (the officer's, if named) that no other
    walk of the site counts on, nearest deadline first."""
    with site.engine.connect() as connection:
        codes = connection.execute(
            text(
                "SELECT c.code FROM complaints c JOIN units n ON n.id = c.current_unit_id "
                "JOIN users u ON u.id = c.current_officer_id JOIN categories k ON k.id = c.category_id "
                "WHERE n.code = :unit AND c.status = ANY(:s) AND (CAST(:officer AS text) IS NULL OR u.username = :officer) "
                "AND k.code NOT IN ('street_light', 'provincial_road') ORDER BY c.due_at"
            ),
            {"unit": unit, "s": list(statuses), "officer": officer},
        ).scalars()
        return [code for code in codes if code not in site.codes.values()]


def facts(page: Page, term: str) -> str:
    """The value the report's facts give for ``term`` (Vietnamese)."""
    return page.locator(f'[data-test="facts"] dt:text-is("{term}") + dd').inner_text()


def open_report(page: Page, site, code: str) -> None:
    page.goto(f"{site.url}/web/reports/{site.id_of(code)}")
    expect(page.locator("h1")).to_contain_text(code)


def test_an_officer_puts_a_reply_template_into_the_result_edits_it_and_resolves(chromium, demo_site, tmp_path):
    site = demo_site
    officer = DEMO_USERS["officer"]
    work = in_hand(site, unit=KTHT, statuses=("in_progress",), officer=officer)
    started = bool(work)
    work = work or in_hand(site, unit=KTHT, statuses=("assigned", "acknowledged"), officer=officer)
    assert work, "the demo's officer holds nothing to resolve"
    code = work[0]
    after = tmp_path / "sau-khi-xu-ly.png"
    after.write_bytes(PNG)
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, officer)
        open_report(page, site, code)
        if not started:
            for step in ("acknowledge", "start"):
                if page.locator(f'[data-test="do-{step}"]').count():
                    page.locator(f'[data-test="do-{step}"]').click()
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "in_progress")

        resolve = page.locator('form[data-action="resolve"]')
        picker = resolve.locator('[data-test="reply-picker-result"]')
        expect(picker).to_be_visible()
        # The templates come under the reporter's language first, by title; none is chosen.
        assert picker.evaluate("s => s.value") == ""
        expect(picker.locator("optgroup").first).to_have_attribute("label", re.compile("ngôn ngữ của người dân"))
        first = picker.locator("optgroup").first.locator("option").first
        picker.select_option(first.get_attribute("value"))
        resolve.locator('[data-test="reply-insert-result"]').click()
        result = resolve.locator('textarea[name="result"]')
        inserted = result.input_value()
        assert code in inserted and "{" not in inserted, inserted
        # The question to the citizen has its own picker, of question templates.
        expect(page.locator('form[data-action="request-info"] [data-test="reply-picker-question"]')).to_be_visible()
        result.press("End")
        result.press_sequentially(" Đã lu lèn và kẻ vạch lại.")
        screenshot(page, "corrections-officer-reply-template", full_page=False)
        resolve.locator('input[name="photos"]').set_input_files(str(after))
        resolve.locator('[data-test="do-resolve"]').click()

        expect(page.locator(".flash")).to_have_text("Đã báo cáo kết quả xử lý.")
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "resolved")
        shown = facts(page, "Kết quả")
        assert shown == f"{inserted} Đã lu lèn và kẻ vạch lại.", shown
        screenshot(page, "corrections-officer-resolved")
        assert errors == []
    assert site.one("SELECT result FROM complaints WHERE code = :c", c=code).endswith("kẻ vạch lại.")


def test_a_dispatcher_changes_the_category_and_the_report_moves_to_that_unit(chromium, demo_site):
    site = demo_site
    code = in_hand(site, unit=KTHT, statuses=OPEN_IN_HAND)[-1]
    power = site.one("SELECT name FROM units WHERE code = 'EVN-TN'")
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        open_report(page, site, code)
        before_unit = facts(page, "Đơn vị")
        form = page.locator('form[data-action="change-category"]')
        categories = form.locator('[data-test="category-picker"]')
        # Names under their groups, nothing chosen, and not the category it has.
        assert categories.evaluate("s => s.value") == ""
        current = page.locator('[data-test="facts"] .lead strong').inner_text()
        assert current not in categories.locator("option").all_inner_texts()
        expect(categories.locator('optgroup[label="Chiếu sáng công cộng"] option')).to_contain_text(
            ["Đèn chiếu sáng hỏng"]
        )
        form.locator('input[data-filter="categories-change"]').fill("den chieu sang")
        categories.select_option(label="Đèn chiếu sáng hỏng")
        form.locator('input[name="reason"]').fill("Cột đèn hỏng, không phải mặt đường")
        screenshot(page, "corrections-dispatcher-category-picker", full_page=False)
        form.locator('[data-test="do-change-category"]').click()

        expect(page.locator(".flash")).to_have_text("Đã đổi lĩnh vực phản ánh.")
        expect(page.locator('[data-test="facts"] .lead strong')).to_have_text("Đèn chiếu sáng hỏng")
        expect(page.locator('[data-test="unit"]')).to_have_text(power)
        assert before_unit != power
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "assigned")
        timeline = page.locator('[data-test="timeline"]')
        expect(timeline).to_contain_text("Đã điều chỉnh lĩnh vực phản ánh")
        expect(timeline).to_contain_text("Đã chuyển sang đơn vị khác")
        screenshot(page, "corrections-dispatcher-category-moved")
        assert errors == []
    assert (
        site.one("SELECT n.code FROM complaints c JOIN units n ON n.id = c.current_unit_id WHERE c.code = :c", c=code)
        == "EVN-TN"
    )


def test_the_lead_changes_the_priority_and_the_deadline_moves(chromium, demo_site):
    site = demo_site
    code = in_hand(site, unit=KTHT, statuses=("acknowledged", "in_progress"))[0]
    priority = site.one("SELECT priority FROM complaints WHERE code = :c", c=code)
    wanted = "Thấp" if priority == "urgent" else "Khẩn cấp"
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        open_report(page, site, code)
        due_before = facts(page, "Hạn xử lý")
        form = page.locator('form[data-action="change-priority"]')
        picker = form.locator('[data-test="priority-picker"]')
        assert picker.evaluate("s => s.value") == ""
        # In words, and not the priority it has.
        assert page.locator('[data-test="priority"]').inner_text() not in picker.locator("option").all_inner_texts()
        picker.select_option(label=wanted)
        form.locator('input[name="reason"]').fill("Nguy hiểm cho người đi đường, cần xử lý ngay")
        form.locator('[data-test="do-change-priority"]').click()

        expect(page.locator(".flash")).to_have_text("Đã đổi mức ưu tiên; hạn xử lý được tính lại.")
        expect(page.locator('[data-test="priority"]')).to_have_text(wanted)
        due_after = facts(page, "Hạn xử lý")
        assert due_after != due_before, due_after
        expect(page.locator('[data-test="timeline"]')).to_contain_text("Đã điều chỉnh mức ưu tiên")
        screenshot(page, "corrections-lead-priority")
        assert errors == []


def test_the_report_page_in_english_has_the_forms_in_words(chromium, demo_site):
    site = demo_site
    code = in_hand(site, unit=KTHT, statuses=("in_progress", "acknowledged"))[-1]
    with new_page(chromium, locale="en-GB") as page:
        page.context.add_cookies([{"name": "pa_lang", "value": "en", "url": site.url}])
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        open_report(page, site, code)
        expect(page.locator('[data-test="do-change-category"]')).to_have_text("Change the category")
        expect(page.locator('[data-test="do-edit-address"]')).to_have_text("Correct the address")
        expect(page.locator('form[data-action="change-priority"] option').nth(1)).not_to_have_text(re.compile("_"))
        screenshot(page, "corrections-lead-english")


# ---------------------------------------------------------------- over HTTP, on the test's transaction


def test_an_admin_keeps_reply_templates_in_the_console_and_a_bad_placeholder_is_shown_at_its_field(client, db):
    csrf = console(client, "admin")
    listed = client.get("/web/admin/reply-templates")
    assert listed.status_code == 200 and "Mẫu trả lời" in listed.text
    form = {
        "title": "Đã dọn rác",
        "purpose": "result",
        "category_code": "waste",
        "body_vi": "Phản ánh {code}: {unit} đã dọn rác tại {ward}.",
        "body_en": "Report {code}: {unit} has cleared the rubbish in {ward}.",
        "is_active": "true",
    }
    bad = post(client, "/web/admin/reply-templates", csrf, form | {"body_en": "Dear {name}, done."})
    assert bad.status_code == 422
    assert 'data-code="unknown_placeholder"' in bad.text and "{name}" in bad.text
    assert 'value="Đã dọn rác"' in bad.text  # what was typed is kept
    assert db.execute(text("SELECT count(*) FROM reply_templates WHERE title = 'Đã dọn rác'")).scalar_one() == 0

    made = post(client, "/web/admin/reply-templates", csrf, form)
    assert made.status_code == 303, made.text
    template_id = db.execute(text("SELECT id FROM reply_templates WHERE title = 'Đã dọn rác'")).scalar_one()
    page = client.get(f"/web/admin/reply-templates/{template_id}")
    assert page.status_code == 200 and "Đã dọn rác" in page.text and "Rác thải, đổ trộm rác" in page.text
    changed = post(client, f"/web/admin/reply-templates/{template_id}", csrf, {"title": "Đã thu gom rác"})
    assert changed.status_code == 303
    removed = post(client, f"/web/admin/reply-templates/{template_id}/delete", csrf, {})
    assert removed.status_code == 303
    trail = db.execute(
        text("SELECT action FROM audit_events WHERE object_type = 'reply_template' AND object_id = :o ORDER BY id"),
        {"o": str(template_id)},
    ).scalars()
    assert list(trail) == ["reply_template.created", "reply_template.updated", "reply_template.deleted"]


@pytest.mark.parametrize(
    ("action", "form", "said"),
    [
        ("change-category", {"category_code": "waste", "reason": "x"}, "«Lý do» chưa đúng"),
        (
            "change-category",
            {"category_code": "khong_co", "reason": "Sai lĩnh vực"},
            "Lĩnh vực phản ánh không tồn tại.",
        ),
        ("change-priority", {"priority": "", "reason": "Gấp lắm"}, "«Mức ưu tiên» chưa đúng"),
        ("edit-address", {"address": ""}, "«Địa chỉ» chưa đúng"),
    ],
)
def test_a_refused_correction_says_why_in_words_and_changes_nothing(client, db, action, form, said):
    report = new_report(client)
    csrf = console(client, "dispatcher")
    before = row(db, report)
    category, priority = before.category_id, before.priority
    answer = post(client, f"/web/reports/{report['id']}/{action}", csrf, form)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert said in page.text, page.text[:3000]
    after = row(db, report)
    assert (after.category_id, after.priority, after.address) == (category, priority, None)


def console_as(client, username: str) -> None:
    client.cookies.clear()
    form = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/web/login", data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def test_the_holder_is_offered_the_category_and_address_forms_but_not_the_priority(client, db):
    report = new_report(client)
    console_as(client, username(db, row(db, report).current_officer_id))
    page = client.get(f"/web/reports/{report['id']}").text
    assert 'data-action="change-category"' in page and 'data-action="edit-address"' in page
    assert 'data-action="change-priority"' not in page
    console_as(client, DEMO_USERS["unit_lead"])
    assert 'data-action="change-priority"' in client.get(f"/web/reports/{report['id']}").text
