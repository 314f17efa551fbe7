"""The IOC dashboard's charts (Apache ECharts, SVG) and the video wall, in Chromium, as a
dispatcher on the demo site (a lived week of history served by the real app)."""

import math
import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from service.core import numbers
from tests.conftest import DEMO_USERS
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.support.demo_site import DemoSite
from tests.web.test_web_console import log_in

chromium = browser_fixture()

CHARTS = ("flow", "backlog", "on-time", "hours")
# A wall panel fades in (app.css, .ioc-wall-panel): a screenshot waits for it.
FADE_MS = 800


def api(page: Page, base: str, path: str) -> Any:
    # The API answers the console's login cookie on GET: the same figures the IOC's API gives.
    answer = page.request.get(f"{base}{path}")
    assert answer.ok, answer.text()
    return answer.json()


def drawn(page: Page, name: str) -> dict[str, Any]:
    """What ECharts holds for one chart: its categories and its series' figures, once drawn
    (the figures come by charts.json after the page)."""
    page.wait_for_function(
        '(name) => document.querySelector(`[data-chart="${name}"]`)?.dataset.drawn', arg=name, timeout=20_000
    )
    return page.evaluate(
        """(name) => {
            const option = echarts.getInstanceByDom(document.querySelector(`[data-chart="${name}"]`)).getOption();
            return { categories: option.xAxis[0].data, series: option.series.map((s) => s.data) };
        }""",
        name,
    )


def tooltip(page: Page, name: str, index: int) -> str:
    """The tooltip a pointer over point ``index`` shows, as text."""
    page.evaluate(
        """([name, index]) => echarts.getInstanceByDom(document.querySelector(`[data-chart="${name}"]`))
            .dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: index })""",
        [name, index],
    )
    tip = page.locator(f'[data-chart="{name}"] > div').filter(has_text=re.compile(r"\d{2}/\d{2}/\d{4}"))
    expect(tip).to_be_visible()
    return tip.inner_text()


def rate(point: dict[str, Any]) -> float | None:
    # Half up, as charts.js's Math.round: 1 in 16 is 6.3 %, where round() would say 6.2.
    return math.floor(point["on_time"] / point["handled"] * 1000 + 0.5) / 10 if point["handled"] else None


def vi(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def test_every_chart_draws_axes_and_series_whose_figures_are_the_apis(demo_site: DemoSite, chromium):
    base = demo_site.url
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, base, DEMO_USERS["dispatcher"])
        page.goto(f"{base}/web/ioc")
        for name in CHARTS:
            svg = page.locator(f'[data-chart="{name}"] svg')
            expect(svg).to_have_count(1)
            # Axis labels are SVG text, and a series is at least one path (bars and lines both).
            assert svg.locator("text").count() >= 5, name
            assert svg.locator("path").count() >= 3, name
        page.locator('[data-test="ioc-charts"]').scroll_into_view_if_needed()
        screenshot(page, "ioc-charts")

        today = date.fromisoformat(
            page.evaluate("JSON.parse(document.getElementById('ioc-charts-data').textContent).last")
        )
        first = today - timedelta(days=29)
        days = api(page, base, f"/api/v1/ioc/trends?bucket=day&from={first}&to={today}")["points"]
        weeks = api(page, base, f"/api/v1/ioc/trends?bucket=week&from={today - timedelta(weeks=11)}&to={today}")[
            "points"
        ]
        flow, backlog = drawn(page, "flow"), drawn(page, "backlog")
        assert flow["categories"] == [f"{p['start'][8:10]}/{p['start'][5:7]}" for p in days]
        assert flow["series"] == [[p["intake"] for p in days], [p["handled"] for p in days]]
        assert backlog["series"] == [[p["backlog"] for p in days]]
        assert drawn(page, "on-time")["series"] == [[rate(p) for p in weeks]]
        assert drawn(page, "hours")["series"] == [[p["median_hours"] for p in weeks]]

        # A chosen day: the busiest of the week, as the tooltip reads it out.
        busiest = max(range(len(days)), key=lambda i: days[i]["intake"])
        point = days[busiest]
        assert point["intake"] > 0
        day = date.fromisoformat(point["start"]).strftime("%d/%m/%Y")
        said = tooltip(page, "flow", busiest)
        assert day in said and f"Tiếp nhận: {point['intake']}" in said and f"Đã xử lý: {point['handled']}" in said
        # The latest week with work resolved: its rate and median in Vietnamese figures.
        week = max(i for i, p in enumerate(weeks) if p["handled"])
        said = tooltip(page, "on-time", week)
        assert f"{vi(rate(weeks[week]))} %" in said, said
        said = tooltip(page, "hours", week)
        # As the tables say a time: hours and minutes, never "12,95 giờ".
        assert numbers.working_time(weeks[week]["median_hours"] * 60) in said, said
        screenshot(page, "ioc-charts-hours-tooltip")
        assert errors == []


def test_the_backlog_at_the_end_of_today_is_what_is_open_now(demo_site: DemoSite, chromium):
    base = demo_site.url
    with new_page(chromium) as page:
        log_in(page, base, DEMO_USERS["dispatcher"])
        days = api(page, base, "/api/v1/ioc/trends?bucket=day")["points"]
        open_now = demo_site.one(
            "SELECT count(*) FROM complaints WHERE status NOT IN ('resolved', 'closed', 'rejected', 'duplicate')"
        )
        assert days[-1]["backlog"] == open_now
        # Before the first report of the demo's week, nothing was open.
        first = demo_site.one("SELECT min(submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date FROM complaints")
        before = api(page, base, f"/api/v1/ioc/trends?bucket=day&from={first - timedelta(days=2)}&to={first}")
        assert [p["backlog"] for p in before["points"]][:2] == [0, 0]


def test_the_period_picker_changes_what_the_charts_show(demo_site: DemoSite, chromium):
    base = demo_site.url
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, base, DEMO_USERS["dispatcher"])
        page.goto(f"{base}/web/ioc")
        today = date.fromisoformat(
            page.evaluate("JSON.parse(document.getElementById('ioc-charts-data').textContent).last")
        )
        assert len(drawn(page, "flow")["categories"]) == 30
        first, last = today - timedelta(days=4), today - timedelta(days=2)
        page.goto(f"{base}/web/ioc?period=range&first={first}&last={last}")
        expect(page.locator('[data-test="chart-period"]')).to_have_text(f"{first:%d/%m/%Y} – {last:%d/%m/%Y}")
        expect(page.locator('[data-chart="flow"] svg')).to_have_count(1)
        flow = drawn(page, "flow")
        assert flow["categories"] == [f"{d:%d/%m}" for d in (first, first + timedelta(days=1), last)]
        days = api(page, base, f"/api/v1/ioc/trends?bucket=day&from={first}&to={last}")["points"]
        assert flow["series"][0] == [p["intake"] for p in days]
        # The axis drawn says it too: the range's days, and no other.
        axis = page.locator('[data-chart="flow"] svg text').all_text_contents()
        assert f"{first:%d/%m}" in axis and f"{today:%d/%m}" not in axis
        # The picker's other periods: this week starts on Monday.
        page.goto(f"{base}/web/ioc?period=week")
        monday = today - timedelta(days=today.weekday())
        assert drawn(page, "flow")["categories"][0] == f"{monday:%d/%m}"
        assert errors == []


def test_the_filters_narrow_the_charts_as_they_narrow_the_apis_trends(demo_site: DemoSite, chromium):
    base = demo_site.url
    ward = demo_site.one(
        "SELECT a.code FROM complaints c JOIN areas a ON a.id = c.area_id GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"
    )
    with new_page(chromium) as page:
        log_in(page, base, DEMO_USERS["dispatcher"])
        page.goto(f"{base}/web/ioc?period=quarter")
        everywhere = drawn(page, "flow")["series"][0]
        page.goto(f"{base}/web/ioc?period=quarter&ward={ward}")
        shown = drawn(page, "flow")["series"][0]
        today = date.fromisoformat(
            page.evaluate("JSON.parse(document.getElementById('ioc-charts-data').textContent).last")
        )
        quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        days = api(page, base, f"/api/v1/ioc/trends?bucket=day&from={quarter}&to={today}&ward={ward}")["points"]
        assert shown == [p["intake"] for p in days]
        assert 0 < sum(shown) < sum(everywhere)
        # The API refuses a code it does not know, naming the field; the page (lenient, as the
        # tables are: a bookmarked URL may name a ward since merged) shows every ward instead.
        refused = page.request.get(f"{base}/api/v1/ioc/trends?ward=00000")
        assert refused.status == 422 and refused.json()["code"] == "unknown_area", refused.text()
        assert refused.json()["field"] == "ward"
        page.goto(f"{base}/web/ioc?period=quarter&ward=00000")
        assert drawn(page, "flow")["series"][0] == everywhere


def test_the_wall_turns_its_panels_by_itself_and_recovers_from_a_failed_fetch(demo_site: DemoSite, chromium):
    base = demo_site.url
    with new_page(chromium, viewport={"width": 1920, "height": 1080}) as page:
        errors = page_errors(page)
        log_in(page, base, DEMO_USERS["dispatcher"])
        page.goto(f"{base}/web/ioc/wall?every=2")
        body = page.locator("body")
        expect(body).to_have_attribute("data-wall-shown", "summary")
        page.wait_for_timeout(FADE_MS)
        screenshot(page, "ioc-wall-summary", full_page=False)
        # Each panel in turn, about two seconds apart, with no one touching the page.
        for panel in ("charts", "map", "overdue"):
            expect(body).to_have_attribute("data-wall-shown", panel, timeout=4000)
            expect(page.locator(f'[data-test="wall-panel-{panel}"]')).to_be_visible()
            if panel == "charts":
                for name in CHARTS:
                    expect(page.locator(f'[data-chart="{name}"] svg path').first).to_be_attached()
            if panel == "map":
                # The map panel is the dashboard's (static/ioc/map.js): its wards are drawn here too.
                wards = page.locator('[data-test="ioc-map"] .leaflet-overlay-pane path')
                expect(wards.nth(91)).to_be_attached()
            page.wait_for_timeout(FADE_MS)
            screenshot(page, f"ioc-wall-{panel}", full_page=False)

        # The server gone for a moment: the wall's next fetch of itself fails once, then works.
        failed: list[str] = []

        def fail_once(route):
            if not failed:
                failed.append(route.request.url)
                route.abort("connectionrefused")
            else:
                route.continue_()

        page.route(re.compile(r".*/web/ioc/wall\?every=2$"), fail_once)
        expect(body).to_have_attribute("data-wall-shown", "summary", timeout=4000)
        expect(page.locator("[data-wall-offline]")).to_be_visible(timeout=4000)
        page.wait_for_timeout(FADE_MS)
        screenshot(page, "ioc-wall-offline", full_page=False)
        # Retried two seconds later (not at the next turn of the panels, eight seconds on), taken
        # in, and the panels keep turning.
        expect(body).to_have_attribute("data-wall-refreshed", "1", timeout=4000)
        expect(page.locator("[data-wall-offline]")).to_be_hidden()
        assert len(failed) == 1
        shown = body.get_attribute("data-wall-shown")
        expect(body).not_to_have_attribute("data-wall-shown", shown or "", timeout=4000)
        # The one failure is the aborted fetch's own console line, nothing else.
        assert [e for e in errors if "ERR_CONNECTION_REFUSED" not in e] == []


def test_the_charts_fetch_again_when_a_fetch_fails(demo_site: DemoSite, chromium):
    base = demo_site.url
    with new_page(chromium) as page:
        log_in(page, base, DEMO_USERS["dispatcher"])
        page.goto(f"{base}/web/ioc")
        drawn(page, "flow")  # the page's own first fetch is done before the failure is staged
        asked: list[str] = []

        def fail_once(route):
            asked.append(route.request.url)
            route.abort("connectionrefused") if len(asked) == 1 else route.continue_()

        page.route(re.compile(r".*/web/ioc/charts\.json.*"), fail_once)
        page.evaluate(
            """() => { let redrawn = 0;
                document.addEventListener("phananh:charts-drawn", () => { document.body.dataset.redrawn = ++redrawn; });
                document.dispatchEvent(new CustomEvent("phananh:changed")); }"""
        )
        # A page's script may not evaluate strings (CSP): wait on an attribute instead.
        expect(page.locator("body")).to_have_attribute("data-redrawn", "1", timeout=5000)
        assert len(asked) == 2
