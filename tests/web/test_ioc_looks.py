"""The IOC's pages as an operator works from them, on a 390 px phone and a 1366 px desktop,
logged in as the dispatcher on the demo's lived week (``demo_site``): the dashboard, an
officer's page opened from the per-officer table, a unit's reports opened from its row, the
wall and the monthly reports (one made through the page's form first).

- At 390 px no page scrolls sideways as a whole (``scrollWidth`` of the document at most the
  viewport's): a wide table scrolls inside its card, and the map and each chart are drawn,
  with a height, no wider than the screen.
- The summary tiles read the API's figures (``/api/v1/ioc/summary``) in the page's number
  format, as the tables print theirs: "89 %", "87,5 %", "1.234"; "87.5%" in English.
- The monthly list says when a report was made in Vietnam's time.

Screenshots: .artifacts/screenshots/ioc-phone-*.png and ioc-desktop-*.png."""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from service.core.timeutil import format_local, to_local, utcnow
from service.web.labels import decimal, percent
from tests.conftest import DEMO_USERS
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.support.demo_site import DemoSite
from tests.web.test_web_console import log_in

chromium = browser_fixture()
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
WALL_PANELS = ("summary", "charts", "map", "overdue")
# Long enough to look at a panel on a loaded machine; a whole turn of the panels, and some.
WALL_EVERY_S = 5
WALL_TURN_MS = (len(WALL_PANELS) + 1) * WALL_EVERY_S * 1000
# The tiles as _ioc_summary.html names them, and the summary's figure each shows.
TILES = {
    "backlog": "backlog",
    "intake-today": "intake_today",
    "overdue-now": "overdue_now",
    "on-time": "on_time_rate_this_month",
    "handled-month": "handled_this_month",
}
# What stands out of the viewport on the right, if anything: each element's tag, its
# data-test and its right edge (what a failing assertion names).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    // What scrolls or is clipped inside a container that fits is not the page's overflow.
    const inside = element.parentElement?.closest(".ioc-scroll, .leaflet-container, .ioc-chart");
    if (box.width && box.right > width + 1 && !inside) {
      wide.push(`${element.tagName.toLowerCase()}[${element.dataset.test || element.className}] ${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def site(demo_site: DemoSite, chromium) -> DemoSite:
    """The demo site with last month's report made, as a dispatcher makes it on the page,
    so that the monthly list has a row to lay out."""
    last_month = f"{to_local(utcnow()).date().replace(day=1) - timedelta(days=1):%Y-%m}"
    made = demo_site.one("SELECT count(*) FROM monthly_reports WHERE to_char(month, 'YYYY-MM') = :m", m=last_month)
    if not made:
        with new_page(chromium) as page:
            log_in(page, demo_site.url, DEMO_USERS["dispatcher"])
            page.goto(f"{demo_site.url}/web/ioc/monthly")
            expect(page.locator("#month")).to_have_value(last_month)
            page.locator('[data-test="make-monthly"] button[type="submit"]').click()
            # Laying a PDF out takes a few seconds.
            expect(page.locator(f'[data-test="monthly-reports"] tr[data-month="{last_month}"]')).to_be_visible(
                timeout=60_000
            )
    return demo_site


def overflow(page: Page) -> dict[str, Any]:
    return page.evaluate(OVERFLOW)


def assert_fits(page: Page, name: str) -> None:
    """The page does not scroll sideways; a table too wide for the screen scrolls inside its
    own container, which itself fits."""
    found = overflow(page)
    assert found["scroll"] <= found["width"], (name, found)
    assert found["wide"] == [], (name, found)
    for table in page.locator("main table").all():
        if not table.is_visible():
            continue
        box = table.evaluate(
            "t => t.closest('.ioc-scroll')?.getBoundingClientRect().right ?? t.getBoundingClientRect().right"
        )
        assert box <= found["width"] + 1, (name, table.get_attribute("data-test"), box)


def assert_drawn(page: Page, selector: str, width: int, *, height_at_least: float = 120) -> None:
    """Each element drawn with a height, no wider than the screen."""
    boxes = page.locator(selector).evaluate_all(
        "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.width, b.height, b.right]; })"
    )
    assert boxes, selector
    for box_width, height, right in boxes:
        assert height >= height_at_least and 0 < box_width <= width and right <= width + 1, (selector, boxes)


def walk(page: Page, base: str) -> Iterator[str]:
    """The IOC's pages in the order an operator reaches them, each loaded and drawn; yields
    each page's name once it is on screen."""
    page.goto(f"{base}/web/ioc?group=officer")
    expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-markers", re.compile(r"^\d+$"))
    expect(page.locator('[data-test="chart-flow"] svg').first).to_be_visible()
    yield "dashboard"
    officers = page.locator('[data-test="officers"] tbody tr[data-code] a')
    officers.first.click()
    page.wait_for_url(re.compile(r"/web/ioc/officers/\d+"))
    expect(page.locator('[data-test="officer-figures"]')).to_be_visible()
    yield "officer"
    page.goto(f"{base}/web/ioc?group=unit")
    page.locator('[data-test="units"] tbody tr[data-code] a').first.click()
    page.wait_for_url(re.compile(r"/web/ioc/reports\?"))
    expect(page.locator('[data-test="ioc-reports"]')).to_be_visible()
    yield "reports"
    # The wall turns its panels by itself: each is looked at once it is shown (and faded in).
    page.goto(f"{base}/web/ioc/wall?every={WALL_EVERY_S}")
    for panel in WALL_PANELS:
        expect(page.locator("body")).to_have_attribute("data-wall-shown", panel, timeout=WALL_TURN_MS)
        expect(page.locator(f'[data-test="wall-panel-{panel}"]')).to_have_css("opacity", "1")
        yield f"wall-{panel}"
    page.goto(f"{base}/web/ioc/monthly")
    expect(page.locator('[data-test="monthly-reports"]')).to_be_visible()
    yield "monthly"


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_every_ioc_page_fits_the_screen_with_its_map_charts_and_tables_drawn(chromium, site, device):
    viewport = VIEWPORTS[device]
    seen = []
    with new_page(chromium, viewport=viewport) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        for name in walk(page, site.url):
            seen.append(name)
            assert_fits(page, name)
            if name == "dashboard":
                assert_drawn(page, '[data-test="ioc-map"]', viewport["width"])
                assert_drawn(page, ".ioc-chart", viewport["width"])
                # The filters are on screen, not pushed off it.
                assert_drawn(
                    page,
                    '[data-test="ioc-filters"] :is(select, input:not([type=hidden]), button)',
                    viewport["width"],
                    height_at_least=20,
                )
            if name == "wall-charts":
                assert_drawn(page, '[data-test="wall-panel-charts"] .ioc-chart', viewport["width"], height_at_least=100)
            if name == "wall-map":
                assert_drawn(page, '[data-test="wall-panel-map"] [data-test="ioc-map"]', viewport["width"])
            # The wall fills the screen and never scrolls: its view is the screenshot.
            screenshot(page, f"ioc-{device}-{name}", full_page=not name.startswith("wall"))
        assert seen == ["dashboard", "officer", "reports", *(f"wall-{p}" for p in WALL_PANELS), "monthly"]
        assert errors == []


def test_a_wide_table_scrolls_inside_its_card_on_a_phone_its_first_column_in_view(chromium, site):
    with new_page(chromium, viewport=VIEWPORTS["phone"]) as page:
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        page.goto(f"{site.url}/web/ioc?group=unit")
        table = page.locator('[data-test="units"]')
        scroller = table.locator("xpath=..")
        assert scroller.get_attribute("class") and "ioc-scroll" in scroller.get_attribute("class")
        widths = scroller.evaluate("s => [s.scrollWidth, s.clientWidth]")
        assert widths[0] > widths[1], widths  # eight columns do not fit 390 px: they scroll
        first = table.locator("tbody tr[data-code] td").first
        before = first.bounding_box()
        scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; }")
        after = first.bounding_box()
        last = table.locator("tbody tr[data-code] td").last.bounding_box()
        assert before and after and last
        # The name stays where it was while the figures slide under it to the last column.
        assert abs(after["x"] - before["x"]) < 1 and last["x"] + last["width"] <= 390
        # A name keeps a readable width rather than a word a line.
        assert before["width"] >= 120
        table.locator("tbody tr[data-code]").first.scroll_into_view_if_needed()
        screenshot(page, "ioc-phone-units-scrolled", full_page=False)


def summary_api(page: Page, base: str) -> dict[str, Any]:
    response = page.request.get(f"{base}/api/v1/ioc/summary")
    assert response.ok, response.text()
    return response.json()


def dispatcher_in(page: Page, site: DemoSite, lang: str) -> None:
    """Logged in as the dispatcher, reading the console in ``lang``."""
    log_in(page, site.url, DEMO_USERS["dispatcher"])
    if lang == "en":
        page.goto(f"{site.url}/web/lang/en?next=/web/ioc")


def tiles(page: Page) -> dict[str, str]:
    return {name: page.locator(f'#summary [data-test="{name}"]').inner_text().strip() for name in TILES}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_summary_tiles_read_the_apis_figures_in_the_pages_number_format(chromium, site, lang):
    with new_page(chromium, viewport=VIEWPORTS["phone"]) as page:
        dispatcher_in(page, site, lang)
        page.goto(f"{site.url}/web/ioc")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        shown = tiles(page)
        summary = summary_api(page, site.url)
        rate = summary["on_time_rate_this_month"]
        assert rate is not None and summary["handled_this_month"] > 0  # the demo's month handled some
        expected = {name: decimal(summary[key], lang) for name, key in TILES.items() if key != TILES["on-time"]}
        expected["on-time"] = percent(rate, lang)
        assert shown == expected
        # Vietnamese: a comma before the tenth and a space before the sign ("87,5 %", "89 %");
        # English: "87.5%". Never Python's "%.0f%%" ("89%") on a Vietnamese page.
        form = r"\d{1,3}(,\d)? %" if lang == "vi" else r"\d{1,3}(\.\d)?%"
        assert re.fullmatch(form, shown["on-time"]), shown
        # The fragment the live stream fetches prints the same.
        fragment = page.request.get(f"{site.url}/web/ioc/summary").text()
        assert f'data-test="on-time">{expected["on-time"]}<' in fragment
        screenshot(page, f"ioc-phone-tiles-{lang}", full_page=False)


def test_the_monthly_list_says_when_a_report_was_made_in_vietnams_time(chromium, site):
    with new_page(chromium, viewport=VIEWPORTS["phone"]) as page:
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        page.goto(f"{site.url}/web/ioc/monthly")
        row = page.locator('[data-test="monthly-reports"] tbody tr').first
        month = row.get_attribute("data-month")
        assert month
        with site.engine.connect() as connection:
            made, size = connection.execute(
                text("SELECT created_at, size_bytes FROM monthly_reports WHERE to_char(month, 'YYYY-MM') = :m"),
                {"m": month},
            ).one()
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        first = date.fromisoformat(f"{month}-01")
        assert cells[0] == f"{first:%m/%Y}"
        assert cells[1] == format_local(made)
        assert cells[3] == f"{decimal(size / 1024, digits=0)} KB"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_walls_overdue_list_names_each_category_in_the_pages_language(chromium, site, lang):
    with new_page(chromium, viewport=VIEWPORTS["desktop"]) as page:
        dispatcher_in(page, site, lang)
        # Panels stay put for ten minutes: the overdue panel is read where it lies, shown or not.
        page.goto(f"{site.url}/web/ioc/wall?every=600")
        answer = page.request.get(f"{site.url}/api/v1/ioc/overdue?limit=12")
        assert answer.ok, answer.text()
        items = answer.json()["items"]
        assert items, "the demo's week leaves some reports overdue"
        rows = page.locator('[data-test="wall-panel-overdue"] tbody tr')
        codes = [row.locator("td").nth(0).text_content() for row in rows.all()]
        names = [row.locator("td").nth(1).text_content() for row in rows.all()]
        assert codes == [item["code"] for item in items]
        key = "category_name_en" if lang == "en" else "category_name"
        assert names == [item[key] for item in items]
        assert all(item["category_name"] != item["category_name_en"] for item in items)
