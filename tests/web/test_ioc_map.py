"""The IOC's live map in a real browser (Debian's Chromium) on the demo site: every open
report in the viewer's scope is on it (clusters and single markers counted from the page),
a popup shows the code and a thumbnail that loaded, the legend and the layer switcher are
there, the filters narrow it, and a lead's map holds only their unit's reports."""

from contextlib import suppress

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import text

from service.reports.models import OPEN_SQL
from tests.conftest import DEMO_USERS
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.web.test_web_console import log_in

chromium = browser_fixture()

# Every cluster's count plus every single marker, as drawn (the clusters' numbers are what
# the reader sees; Leaflet draws only what is in view, and the map opens on the province).
DRAWN = """() => {
  const canvas = document.querySelector('[data-test="ioc-map"]');
  const clusters = [...canvas.querySelectorAll('.ioc-map-cluster span')].reduce((n, s) => n + Number(s.textContent), 0);
  return clusters + canvas.querySelectorAll('.ioc-map-marker').length;
}"""


def open_in_scope(site, unit_id: int | None = None, **where: str) -> int:
    unit = "" if unit_id is None else " AND current_unit_id = :unit_id"
    return site.one(f"SELECT count(*) FROM complaints WHERE {OPEN_SQL}{unit}", unit_id=unit_id)  # noqa: S608


def a_report_with_a_photo(site, unit_id: int | None = None) -> str:
    unit = "" if unit_id is None else " AND c.current_unit_id = :unit_id"
    return site.one(
        "SELECT c.code FROM complaints c JOIN photos p ON p.complaint_id = c.id"  # noqa: S608
        f" WHERE c.{OPEN_SQL} AND p.kind = 'report' AND p.status = 'ready'{unit} ORDER BY c.code LIMIT 1",
        unit_id=unit_id,
    )


def drawn_map(page: Page, base: str, username: str) -> None:
    log_in(page, base, username)
    page.goto(f"{base}/web/ioc")
    expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-ready", "true")
    expect(page.locator('[data-test="ioc-map"]')).not_to_have_attribute("data-loading", "true")


def wait_drawn(page: Page, expected: int) -> int:
    # markercluster adds 50,000 markers in chunks: wait for the drawing to settle on it.
    # The assertion after this says what was drawn instead, when it never settles on it.
    with suppress(PlaywrightError):
        page.wait_for_function(f"({DRAWN})() === {expected}", timeout=10_000)
    return page.evaluate(DRAWN)


def open_popup(page: Page, code: str) -> None:
    # Zoom and spiderfy as a person clicking the clusters would, then click the marker itself.
    page.evaluate(
        """(code) => new Promise((done) => {
          const { clusters } = document.querySelector('[data-test="ioc-map"]').iocMap;
          const marker = clusters.getLayers().find((m) => m.options.code === code);
          clusters.zoomToShowLayer(marker, () => { marker.getElement().dataset.test = "chosen"; done(); });
        })""",
        code,
    )
    page.locator('[data-test="chosen"]').click()


def test_a_dispatcher_sees_every_open_report_of_the_province_and_opens_one(demo_site, chromium):
    expected = open_in_scope(demo_site)
    code = a_report_with_a_photo(demo_site)
    with new_page(chromium) as page:
        errors = page_errors(page)
        drawn_map(page, demo_site.url, DEMO_USERS["dispatcher"])
        assert expected > 20
        assert wait_drawn(page, expected) == expected
        assert page.locator('[data-test="ioc-map"] .ioc-map-cluster').count() >= 1
        assert page.locator('[data-test="ioc-map"]').get_attribute("data-markers") == str(expected)
        size = page.evaluate("() => fetch('/api/v1/ioc/map/markers').then((r) => r.text()).then((t) => t.length)")
        print(f"demo markers: {size} bytes for {expected} open reports")
        # The legend (bands and the choropleth's scale) and the layer switcher.
        legend = page.locator('[data-test="ioc-map-legend"]')
        expect(legend).to_contain_text("Quá hạn")
        expect(legend).to_contain_text("Sắp đến hạn")
        expect(legend).to_contain_text("Còn hạn")
        expect(page.locator('[data-test="ioc-map-choropleth-legend"] .ioc-map-legend-box')).to_have_count(5)
        switcher = page.locator('[data-test="ioc-map"] .leaflet-control-layers')
        expect(switcher).to_contain_text("Điểm nóng")
        expect(switcher).to_contain_text("Phường, xã: số quá hạn")
        # Each of Thái Nguyên's 92 wards is an outline; no tile was asked for.
        assert page.locator('[data-test="ioc-map"] .leaflet-overlay-pane path').count() >= 92
        assert page.locator('[data-test="ioc-map"] .leaflet-tile').count() == 0
        assert page.locator(".ioc-map-ward-label").count() == 0  # the province is too small to name its wards
        screenshot(page, "ioc-map-dispatcher")
        switcher.get_by_text("Phường, xã: số quá hạn").click()
        expect(page.locator('[data-test="ioc-map-choropleth-legend"]')).to_contain_text("Số phản ánh quá hạn")

        open_popup(page, code)
        popup = page.locator(".ioc-map-popup")
        expect(popup).to_contain_text(code)
        thumb = popup.locator("img.ioc-map-popup-thumb")
        expect(thumb).to_be_visible()
        page.wait_for_function("() => document.querySelector('.ioc-map-popup img').complete")
        assert thumb.evaluate("(img) => img.naturalWidth") > 0
        report_id = demo_site.one("SELECT id::text FROM complaints WHERE code = :code", code=code)
        assert popup.locator("a.ioc-map-popup-link").get_attribute("href") == f"/web/reports/{report_id}"
        screenshot(page, "ioc-map-popup")
        # Past the labels' zoom (13), the wards are named on the map, not only on hover.
        page.evaluate("""() => document.querySelector('[data-test="ioc-map"]').iocMap.map.setZoom(14)""")
        expect(page.locator(".ioc-map-ward-label").first).to_be_visible()
        assert "Bách Quang" in page.locator(".ioc-map-ward-label").all_inner_texts()
        screenshot(page, "ioc-map-ward-names")
        assert errors == []


def test_the_filters_narrow_the_map_to_what_they_name(demo_site, chromium):
    category = demo_site.one(
        f"SELECT k.code FROM complaints c JOIN categories k ON k.id = c.category_id WHERE c.{OPEN_SQL}"  # noqa: S608
        " GROUP BY k.code ORDER BY count(*) DESC, k.code LIMIT 1"
    )
    in_category = demo_site.one(
        f"SELECT count(*) FROM complaints c JOIN categories k ON k.id = c.category_id WHERE c.{OPEN_SQL}"  # noqa: S608
        " AND k.code = :code",
        code=category,
    )
    in_progress = demo_site.one("SELECT count(*) FROM complaints WHERE status = 'in_progress'")
    with new_page(chromium) as page:
        drawn_map(page, demo_site.url, DEMO_USERS["dispatcher"])
        page.locator('[data-test="map-category"]').select_option(category)
        expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-markers", str(in_category))
        assert wait_drawn(page, in_category) == in_category
        page.locator('[data-test="map-category"]').select_option("")
        page.locator('[data-test="map-state"]').select_option("in_progress")
        expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-markers", str(in_progress))
        assert wait_drawn(page, in_progress) == in_progress


def test_a_leads_map_holds_only_their_units_reports(demo_site, chromium):
    unit_id = demo_site.one("SELECT unit_id FROM users WHERE username = :u", u=DEMO_USERS["unit_lead"])
    expected = open_in_scope(demo_site, unit_id)
    province = open_in_scope(demo_site)
    code = a_report_with_a_photo(demo_site, unit_id)
    with new_page(chromium) as page:
        errors = page_errors(page)
        drawn_map(page, demo_site.url, DEMO_USERS["unit_lead"])
        assert 0 < expected < province
        assert wait_drawn(page, expected) == expected
        codes = page.evaluate(
            """() => document.querySelector('[data-test="ioc-map"]').iocMap.clusters.getLayers().map((m) => m.options.code)"""
        )
        units = demo_site.one(
            "SELECT array_agg(DISTINCT current_unit_id) FROM complaints WHERE code = ANY(:codes)", codes=codes
        )
        assert units == [unit_id]
        open_popup(page, code)
        expect(page.locator(".ioc-map-popup")).to_contain_text(code)
        expect(page.locator(".ioc-map-popup a.ioc-map-popup-link")).to_be_visible()
        screenshot(page, "ioc-map-lead")
        assert errors == []


def test_the_markers_refresh_when_the_live_stream_reports_a_change(demo_site, chromium):
    """The panel's side of the live stream: app.js sends ``phananh:changed`` when the stream
    tells of a change (tested with the stream in test_web_console.py); here a report closes
    behind the page's back and the event is sent, as app.js would, and the map follows."""
    code = a_report_with_a_photo(demo_site)
    status = demo_site.one("SELECT status FROM complaints WHERE code = :code", code=code)
    expected = open_in_scope(demo_site)
    with new_page(chromium) as page:
        drawn_map(page, demo_site.url, DEMO_USERS["dispatcher"])
        assert wait_drawn(page, expected) == expected
        try:
            with demo_site.engine.begin() as connection:
                connection.execute(text("UPDATE complaints SET status = 'closed' WHERE code = :code"), {"code": code})
            page.evaluate("""() => document.dispatchEvent(new CustomEvent("phananh:changed"))""")
            expect(page.locator('[data-test="ioc-map"]')).to_have_attribute("data-markers", str(expected - 1))
            assert wait_drawn(page, expected - 1) == expected - 1
            expect(page.locator('[data-test="ioc-map-count"]')).to_contain_text(str(expected - 1))
        finally:
            with demo_site.engine.begin() as connection:
                connection.execute(
                    text("UPDATE complaints SET status = :s WHERE code = :code"), {"s": status, "code": code}
                )
