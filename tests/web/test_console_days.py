"""A working day in the console for each role, on the demo's lived history (``demo_site``):
what each person sees on the screen — photos that have loaded, names where codes were,
pickers that choose nothing for them — and what their clicks change.

Screenshots of each step are saved to .artifacts/screenshots/ (day-*)."""

import re
import unicodedata
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.conftest import DEMO_USERS
from tests.routing.test_routing import PNG
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.web.test_web_console import log_in

chromium = browser_fixture()
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(demo_site):
    return demo_site


def images_loaded(page: Page, scope: str = "main") -> int:
    """Bring every picture in ``scope`` into view (they load lazily) and wait until each has
    loaded; returns how many there are. A broken image fails here."""
    pictures = page.locator(f"{scope} img")
    count = pictures.count()
    for index in range(count):
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        picture.evaluate(
            """img => new Promise((done, fail) => {
                 if (img.complete) return img.naturalWidth > 0 ? done() : fail(new Error("broken " + img.src));
                 img.addEventListener("load", done); img.addEventListener("error", () => fail(new Error(img.src)));
               })"""
        )
        assert picture.evaluate("img => img.naturalWidth") > 0, picture.get_attribute("src")
    return count


def unmarked(name: str) -> str:
    """A name as typed on a keyboard without Vietnamese marks."""
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def fits_a_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def report_id(site, code: str) -> str:
    with site.engine.connect() as connection:
        return str(connection.execute(text("SELECT id FROM complaints WHERE code = :c"), {"c": code}).scalar_one())


def held_by(site, username: str, *statuses: str) -> list[str]:
    """The officer's reports in these states, nearest deadline first, leaving out the ones
    other walks of the site count on (the reused photo a dispatcher must still find flagged)."""
    with site.engine.connect() as connection:
        codes = connection.execute(
            text(
                "SELECT c.code FROM complaints c JOIN users u ON u.id = c.current_officer_id "
                "WHERE u.username = :u AND c.status = ANY(:s) ORDER BY c.due_at"
            ),
            {"u": username, "s": list(statuses)},
        ).scalars()
        return [code for code in codes if code not in site.codes.values()]


def state_of(site, code: str) -> tuple[str, str | None]:
    with site.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT c.status, u.username FROM complaints c LEFT JOIN users u ON u.id = c.current_officer_id "
                "WHERE c.code = :c"
            ),
            {"c": code},
        ).one()
    return row[0], row[1]


@pytest.fixture
def officer_page(chromium, site) -> Iterator[Page]:
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["officer"])
        yield page


def test_an_officers_day_photos_in_the_queue_and_the_report_then_acknowledge_start_and_resolve(
    chromium, site, tmp_path
):
    work = held_by(site, DEMO_USERS["officer"], "assigned", "reopened")
    assert work, "the demo's officer holds nothing new"
    code = work[0]
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["officer"])
        expect(page.locator('[data-test="role"]')).to_have_text("Cán bộ xử lý")
        queue = page.locator('[data-test="queue"]')
        expect(queue.locator(f'tr[data-code="{code}"]')).to_be_visible()
        assert images_loaded(page, '[data-test="queue"]') >= 1
        expect(queue).not_to_contain_text("assigned")
        screenshot(page, "day-officer-queue")

        queue.get_by_role("link", name=code).click()
        expect(page.locator('h1 [data-test="status"]')).to_have_text(re.compile("Đã giao|Mở lại"))
        assert images_loaded(page, '[data-test="photos"]') >= 1
        # The reporter's details: the report is in the officer's own unit.
        expect(page.locator('[data-test="reporter"]')).to_contain_text("+84")
        # A thumbnail opens the large picture; the original opens through its signed link.
        page.locator('[data-test="photos"] a.zoom').first.click()
        lightbox = page.locator('[data-test="lightbox"]')
        expect(lightbox).to_be_visible()
        images_loaded(page, '[data-test="lightbox"]')
        screenshot(page, "day-officer-photo-large", full_page=False)
        lightbox.get_by_role("button", name="Đóng").click()
        original = page.locator('[data-test="original"]').first.get_attribute("href")
        assert original and "/original?" in original
        fetched = page.request.get(site.url + original)
        assert fetched.status == 200 and fetched.headers["content-type"].startswith("image/")

        page.locator('[data-test="do-acknowledge"]').click()
        expect(page.locator(".flash")).to_have_text("Đã tiếp nhận phản ánh.")
        expect(page.locator('h1 [data-test="status"]')).to_have_text("Đã tiếp nhận")
        page.locator('[data-test="do-start"]').click()
        expect(page.locator('h1 [data-test="status"]')).to_have_text("Đang xử lý")

        after = tmp_path / "sau-khi-xu-ly.png"
        after.write_bytes(PNG)
        resolve = page.locator('form[data-action="resolve"]')
        resolve.locator('textarea[name="result"]').fill("Đã khơi thông cống, dọn sạch rác")
        resolve.locator('input[name="photos"]').set_input_files(str(after))
        resolve.locator('[data-test="do-resolve"]').click()
        expect(page.locator(".flash")).to_have_text("Đã báo cáo kết quả xử lý.")
        expect(page.locator('h1 [data-test="status"]')).to_have_text("Đã xử lý")
        # Before and after side by side; the after-photo, not yet processed, says so in words.
        after_group = page.locator('.photo-group[data-kind="result"]')
        expect(after_group).to_contain_text("Ảnh đang xử lý")
        expect(page.locator('.photo-group[data-kind="report"] img').first).to_be_visible()
        expect(page.locator('[data-test="timeline"]')).to_contain_text("Đã khơi thông cống")
        screenshot(page, "day-officer-resolved")
        assert errors == []
    assert state_of(site, code)[0] == "resolved"


def test_a_resolved_report_shows_the_before_and_after_photos_side_by_side(officer_page, site):
    with site.engine.connect() as connection:
        code = connection.execute(
            text(
                "SELECT c.code FROM complaints c JOIN photos p ON p.complaint_id = c.id AND p.kind = 'result' "
                "AND p.status = 'ready' JOIN units u ON u.id = c.current_unit_id AND u.code = '05528-KTHT' "
                "ORDER BY c.resolved_at DESC LIMIT 1"
            )
        ).scalar_one()
    officer_page.goto(f"{site.url}/web/reports/{report_id(site, code)}")
    before = officer_page.locator('.photo-group[data-kind="report"] img')
    after = officer_page.locator('.photo-group[data-kind="result"] img')
    expect(before.first).to_be_visible()
    expect(after.first).to_be_visible()
    images_loaded(officer_page, '[data-test="photos"]')
    # Side by side: the after-photos sit to the right of the citizen's, on one row.
    left, right = before.first.bounding_box(), after.first.bounding_box()
    assert left and right and right["x"] > left["x"] + left["width"] and abs(right["y"] - left["y"]) < 40
    screenshot(officer_page, "day-officer-before-after")


def test_an_officer_asks_for_more_time_and_the_lead_decides_then_reassigns(chromium, site):
    officer, colleague = DEMO_USERS["officer"], "canbo2.bachquang"
    code = site.codes["extension"]
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        expect(page.locator('[data-test="role"]')).to_have_text("Lãnh đạo đơn vị")
        assert images_loaded(page, '[data-test="queue"]') >= 1
        page.goto(f"{site.url}/web/reports/{report_id(site, code)}")
        decide = page.locator('form[data-action="approve-extension"]')
        expect(decide.locator('[data-test="extension"]')).to_contain_text("ngày làm việc")
        decide.get_by_label("Duyệt", exact=True).check()
        decide.locator('[data-test="do-approve-extension"]').click()
        expect(page.locator(".flash")).to_have_text("Đã quyết định gia hạn.")
        expect(page.locator('[data-test="timeline"]')).to_contain_text("Đã duyệt gia hạn")

        # Reassigning: the picker lists the unit's people by name, and chooses nobody.
        reassign = page.locator('form[data-action="reassign"]')
        picker = reassign.locator('[data-test="officer-picker"]')
        assert picker.evaluate("select => select.value") == ""
        names = picker.locator("option:not([disabled])").all_inner_texts()
        assert names and all(re.match(r"^\D+ · (Cán bộ xử lý|Lãnh đạo đơn vị)$", n) for n in names), names
        holder = state_of(site, code)[1]
        target = colleague if holder != colleague else officer
        with site.engine.connect() as connection:
            target_name = connection.execute(
                text("SELECT full_name FROM users WHERE username = :u"), {"u": target}
            ).scalar_one()
        # Searched by name without its marks ("Vũ Thị Hoa" answers to "vu thi hoa").
        reassign.get_by_placeholder("Gõ tên cán bộ").fill(unmarked(target_name))
        expect(picker.locator("option:not([hidden]):not([disabled])")).to_have_text([f"{target_name} · Cán bộ xử lý"])
        picker.select_option(label=f"{target_name} · Cán bộ xử lý")
        reassign.locator('input[name="reason"]').fill("Cân đối việc trong phòng")
        screenshot(page, "day-lead-reassign")
        reassign.locator('[data-test="do-reassign"]').click()
        expect(page.locator(".flash")).to_have_text("Đã giao cho cán bộ khác.")
        expect(page.locator('[data-test="officer"]')).to_have_text(target_name)
        assert errors == []
    assert state_of(site, code) == ("assigned", target)


def test_a_dispatchers_day_clears_a_flag_and_marks_a_duplicate(chromium, site):
    mismatch, reused, original = (
        site.codes["location_mismatch"],
        site.codes["reused_photo"],
        site.codes["reused_original"],
    )
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        expect(page.locator('[data-test="role"]')).to_have_text("Điều phối viên")
        queue = page.locator('[data-test="dispatch"]')
        expect(queue.locator(f'tr[data-code="{mismatch}"] [data-test="why"]')).to_contain_text(
            "Vị trí ảnh khác vị trí phản ánh"
        )
        expect(queue.locator(f'tr[data-code="{reused}"] [data-test="why"]')).to_contain_text(
            "Ảnh đã dùng ở phản ánh khác"
        )
        images_loaded(page, '[data-test="dispatch"]')
        screenshot(page, "day-dispatcher-queue")

        # Why it is flagged: how far the photo was taken from the pin, on the map.
        queue.get_by_role("link", name=mismatch).click()
        expect(page.locator('[data-test="distance"]')).to_have_text(re.compile(r"^[\d.]+(,\d)? k?m$"))
        expect(page.locator('[data-map="report-map"]')).to_have_attribute("data-ready", "true")
        # The pin, the place the photo was taken, and the line between them.
        assert page.locator(".leaflet-overlay-pane path").count() >= 4
        images_loaded(page, '[data-test="photos"]')
        screenshot(page, "day-dispatcher-location-mismatch")
        clear = page.locator('form[data-action="clear-flags"]')
        clear.locator('input[name="note"]').fill("Đã gọi người dân: ảnh chụp từ xa, đúng vị trí")
        clear.locator('[data-test="do-clear-flags"]').click()
        page.wait_for_url(re.compile("/web/dispatch$"))
        expect(page.locator(".flash")).to_have_text("Đã gỡ cảnh báo; phản ánh được xử lý tiếp.")
        expect(page.locator(f'tr[data-code="{mismatch}"]')).to_have_count(0)

        # The reused photo beside the earlier report's, and that report offered as the original.
        page.locator(f'tr[data-code="{reused}"]').get_by_role("link", name=reused).click()
        pair = page.locator('[data-test="reused"]')
        expect(pair).to_contain_text(original)
        assert images_loaded(page, '[data-test="reused"]') >= 2
        screenshot(page, "day-dispatcher-reused-photo")
        merge = page.locator('form[data-action="mark-duplicate"]')
        picker = merge.locator('[data-test="original-picker"]')
        assert picker.evaluate("select => select.value") == ""
        picker.select_option(value=original)
        merge.locator('[data-test="do-mark-duplicate"]').click()
        page.wait_for_url(re.compile("/web/dispatch$"))
        expect(page.locator(".flash")).to_have_text("Đã đánh dấu trùng.")
        expect(page.locator(f'tr[data-code="{reused}"]')).to_have_count(0)
        assert errors == []
    assert state_of(site, reused)[0] == "duplicate"
    with site.engine.connect() as connection:
        assert connection.execute(
            text("SELECT flags_reviewed_at IS NOT NULL FROM complaints WHERE code = :c"), {"c": mismatch}
        ).scalar_one()


@pytest.mark.parametrize("role", ["officer", "unit_lead", "dispatcher"])
def test_the_queue_and_a_report_fit_a_phone(chromium, site, role):
    with new_page(chromium, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS[role])
        page.goto(f"{site.url}/web/queue")
        images_loaded(page, '[data-test="queue"]')
        fits_a_phone(page)
        screenshot(page, f"day-{role}-queue-390")
        first = page.locator('[data-test="queue"] tr[data-code] a').first
        first.click()
        expect(page.locator('[data-map="report-map"]')).to_have_attribute("data-ready", "true")
        images_loaded(page, '[data-test="photos"]')
        fits_a_phone(page)
        screenshot(page, f"day-{role}-report-390")
        assert errors == []


def test_the_unit_picker_groups_units_as_people_look_for_them_in_vietnamese_order(chromium, site):
    code = site.codes["returned"]  # back with the dispatcher: routing it picks a unit
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        page.goto(f"{site.url}/web/reports/{report_id(site, code)}")
        picker = page.locator('form[data-action="route"] [data-test="unit-picker"]')
        groups = picker.locator("optgroup").evaluate_all("groups => groups.map(g => g.label)")
        # Units serving many wards first (the power company, Sở Xây dựng), then ward by ward.
        assert groups[0] == "Đơn vị phụ trách nhiều phường, xã"
        wide = picker.locator("optgroup").first.locator("option").all_inner_texts()
        assert "Công ty Điện lực Thái Nguyên" in wide and "Sở Xây dựng tỉnh Thái Nguyên" in wide
        # Vietnamese alphabetical order, which code-point order gets wrong ("ì" < "ạ" there).
        assert groups.index("Xã Ba Bể") < groups.index("Xã Bạch Thông") < groups.index("Xã Bình Yên")
        assert sorted(["Bạch Thông", "Bình Yên"]) == ["Bình Yên", "Bạch Thông"]
        bach_quang = picker.locator('optgroup[label="Phường Bách Quang"] option').all_inner_texts()
        assert bach_quang == [
            "Công an Phường Bách Quang",
            "Phòng Kinh tế, Hạ tầng và Đô thị Phường Bách Quang",
            "Trung tâm Dịch vụ tổng hợp Phường Bách Quang",
        ]
        assert not re.search(r"\b\d{5}-[A-Z]+\b", " ".join(groups + wide + bach_quang))  # no unit codes


def test_an_admins_day_the_dashboard_and_the_accounts_in_words(chromium, site):
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["admin"])
        expect(page.locator('[data-test="role"]')).to_have_text("Quản trị hệ thống")
        expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-ready", "true")
        expect(page.locator('[data-test="units"]')).to_contain_text(
            "Phòng Kinh tế, Hạ tầng và Đô thị Phường Bách Quang"
        )
        page.goto(f"{site.url}/web/admin/users?q=bachquang")
        rows = page.locator('[data-test="admin-rows"] tbody')
        expect(rows).to_contain_text("Lãnh đạo đơn vị")
        expect(rows).to_contain_text("Cán bộ xử lý")
        expect(rows).not_to_contain_text("unit_lead")
        screenshot(page, "day-admin-users")
        assert errors == []
