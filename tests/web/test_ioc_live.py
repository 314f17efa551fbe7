"""The IOC dashboard follows the province live, end to end: an operator (the dispatcher, the
whole province) keeps /web/ioc open in Chromium while, elsewhere, a real action changes a
report through the HTTP API with a login of its own (an officer resolves one, a citizen
sends one). The change travels the real path (the commit, Redis's live stream,
``/api/v1/stream``, app.js's ``phananh:changed``) and the open page, never reloaded, shows
the new figures: the summary tiles, the markers on the map, the per-officer table and the
charts, each equal to what the API answers afterwards. The wall mode's figures follow too.

They share the run's demo site with the other browser tests, so they leave alone what those
look for: the reports the site names, and Phường Bách Quang's office and ward.

Screenshots: .artifacts/screenshots/ioc-live-*.png."""

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import urljoin

import httpx2 as httpx
import pytest
from playwright.sync_api import Locator, Page, Response, expect
from sqlalchemy import text

from service.reports.models import OPEN_SQL
from service.web.labels import decimal, percent
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, PHOTOS, login, register_citizen
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.support.demo_site import BACH_QUANG, BACH_QUANG_KTHT, DemoSite
from tests.web.test_ioc_map import wait_drawn
from tests.web.test_ioc_tables import on_screen, screen_rows, the_week
from tests.web.test_web_console import log_in

chromium = browser_fixture()
# Long enough for a commit to reach a browser through Redis; short enough to fail fast.
LIVE_MS = 20_000
TILES = ("backlog", "intake-today", "overdue-now", "on-time", "handled-month")


# ---------------------------------------------------------------- elsewhere: the HTTP API


@contextmanager
def api_as(site: DemoSite, username: str) -> Iterator[httpx.Client]:
    """A client of the API logged in as ``username`` with a bearer token: not the browser."""
    with closing(httpx.Client(base_url=site.url, timeout=30)) as http:
        http.headers.update(login(http, username, DEMO_PASSWORD))  # type: ignore[arg-type]
        yield http


def resolve(site: DemoSite, code: str, officer: str) -> None:
    """The officer holding ``code`` finishes it, with an after-photo, as the mobile app would."""
    complaint_id = site.id_of(code)
    with api_as(site, officer) as http:
        answer = http.post(
            f"/api/v1/complaints/{complaint_id}/actions/resolve",
            data={"result": "Đã vá ổ gà, mặt đường đã phẳng"},
            files=[("photos", ("sau.jpg", (PHOTOS / "cameras" / "Canon_40D.jpg").read_bytes(), "image/jpeg"))],
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "resolved"


def a_spot_away_from_bach_quang(site: DemoSite) -> tuple[float, float]:
    """A point inside another ward of the province (a ward's own surface, never its edge)."""
    with site.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(
                text(
                    "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM areas "
                    "WHERE province_code = '19' AND code <> :ward ORDER BY code LIMIT 1) a"
                ),
                {"ward": BACH_QUANG},
            ).one()
        )


def send_a_report(site: DemoSite, lat: float, lon: float) -> dict[str, Any]:
    citizen = register_citizen(site.url)
    part = {"category_code": "pothole", "description": "Ổ gà mới xuất hiện sau mưa", "lat": lat, "lon": lon}
    with closing(httpx.Client(base_url=site.url, timeout=30)) as http:
        answer = http.post(
            "/api/v1/complaints",
            headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
            data={"complaint": json.dumps(part)},
            files=[("photos", ("truoc.jpg", (PHOTOS / "cameras" / "Nikon_D70.jpg").read_bytes(), "image/jpeg"))],
        )
    assert answer.status_code == 201, answer.text
    return answer.json()


# ---------------------------------------------------------------- the open page


def api(page: Page, path: str) -> Any:
    # The operator's own login cookie: the figures the dashboard's panels are drawn from.
    answer = page.request.get(urljoin(page.url, path))
    assert answer.ok, answer.text()
    return answer.json()


def open_reports(site: DemoSite) -> int:
    return site.one(f"SELECT count(*) FROM complaints WHERE {OPEN_SQL}")  # noqa: S608


def tiles_of(summary: dict[str, Any]) -> dict[str, str]:
    """The summary's figures as _ioc_summary.html prints them (Vietnamese)."""
    return {
        "backlog": decimal(summary["backlog"]),
        "intake-today": decimal(summary["intake_today"]),
        "overdue-now": decimal(summary["overdue_now"]),
        "on-time": percent(summary["on_time_rate_this_month"]),
        "handled-month": decimal(summary["handled_this_month"]),
    }


def tiles_on_screen(page: Page) -> dict[str, str]:
    return {name: page.locator(f'#summary [data-test="{name}"]').inner_text().strip() for name in TILES}


def expect_tiles(page: Page, expected: dict[str, str]) -> None:
    for name, figure in expected.items():
        expect(page.locator(f'#summary [data-test="{name}"]')).to_have_text(figure, timeout=LIVE_MS)


def charts_json(response: Response) -> bool:
    return response.url.split("?")[0].endswith("/web/ioc/charts.json")


def open_and_listening(page: Page, url: str) -> None:
    """Open ``url`` and return once its live stream has answered: the server has taken its
    place in Redis's stream by then, so no change made afterwards can slip past it."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/stream") and r.status == 200) as stream:
        page.goto(url)
    assert stream.value.headers["content-type"].startswith("text/event-stream")
    # A reload (app.js reloads on "expired") would drop this; the checks at the end read it.
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def charts_drawn(page: Page) -> dict[str, Any]:
    """The flow chart's days and figures as ECharts holds them, and how many charts have an SVG."""
    return page.evaluate(
        """() => {
            const option = echarts.getInstanceByDom(document.querySelector('[data-chart="flow"]')).getOption();
            return {
              days: option.xAxis[0].data.length,
              series: option.series.map((s) => s.data),
              svgs: document.querySelectorAll('[data-chart] svg').length,
            };
        }"""
    )


def in_progress_elsewhere(site: DemoSite) -> tuple[str, str]:
    """A report being worked on outside Bách Quang's office, none the site names, and the
    username of the officer holding it."""
    with site.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT c.code, o.username FROM complaints c JOIN users o ON o.id = c.current_officer_id "
                "JOIN units u ON u.id = c.current_unit_id WHERE c.status = 'in_progress' AND o.role = 'officer' "
                "AND o.is_active AND u.code <> :unit AND NOT c.code = ANY(:named) ORDER BY c.submitted_at LIMIT 1"
            ),
            {"unit": BACH_QUANG_KTHT, "named": list(site.codes.values())},
        ).one()
    return row.code, row.username


# ---------------------------------------------------------------- the tests


def dashboard_drawn(page: Page, site: DemoSite, path: str) -> tuple[Locator, int]:
    """The dispatcher's dashboard at ``path``, listening, with every open report drawn on its
    map; the map and that count."""
    open_before = open_reports(site)
    log_in(page, site.url, DEMO_USERS["dispatcher"])
    open_and_listening(page, f"{site.url}{path}")
    map_canvas = page.locator('[data-test="ioc-map"]')
    expect(map_canvas).to_have_attribute("data-markers", str(open_before))
    assert wait_drawn(page, open_before) == open_before
    return map_canvas, open_before


def test_a_report_resolved_elsewhere_reaches_the_open_dashboard_without_a_reload(demo_site: DemoSite, chromium):
    code, officer = in_progress_elsewhere(demo_site)
    first, last = the_week()
    performance = f"/api/v1/ioc/performance?group_by=officer&from={first}&to={last}"
    with new_page(chromium) as page:
        errors = page_errors(page)
        path = f"/web/ioc?group=officer&period=range&first={first}&last={last}"
        map_canvas, open_before = dashboard_drawn(page, demo_site, path)
        expect(page.locator("[data-chart] svg")).to_have_count(4)
        before = api(page, "/api/v1/ioc/summary")
        assert tiles_on_screen(page) == tiles_of(before)
        rows_before = {row["code"]: row for row in api(page, performance)["rows"]}
        handled_before = rows_before[officer]["handled"] if officer in rows_before else 0
        page.evaluate(
            "document.addEventListener('phananh:charts-drawn', () => { window.__chartsDrawn = (window.__chartsDrawn || 0) + 1; })"
        )
        screenshot(page, "ioc-live-before", full_page=False)  # the tiles and the map

        # The charts' figures are asked for again because of the change, not before it.
        with page.expect_response(charts_json, timeout=LIVE_MS) as charts:
            resolve(demo_site, code, officer)

        # What the API and the database answer now: the page must come to show exactly it.
        after = api(page, "/api/v1/ioc/summary")
        assert after["backlog"] == before["backlog"] - 1
        assert after["handled_this_month"] == before["handled_this_month"] + 1
        open_after = open_reports(demo_site)
        assert open_after == open_before - 1
        row = next(r for r in api(page, performance)["rows"] if r["code"] == officer)
        assert row["handled"] == handled_before + 1

        expect_tiles(page, tiles_of(after))
        expect(map_canvas).to_have_attribute("data-markers", str(open_after), timeout=LIVE_MS)
        assert wait_drawn(page, open_after) == open_after
        expect(page.locator('[data-test="ioc-map-count"]')).to_contain_text(decimal(open_after))
        handled = page.locator(f'[data-test="officers"] tr[data-code="{officer}"] td[data-key="handled"]')
        expect(handled).to_have_attribute("data-value", str(handled_before + 1), timeout=LIVE_MS)
        assert screen_rows(page, "officers")[officer] == on_screen(row)
        # The charts asked for their figures again after the change, and drew what they got.
        assert charts.value.ok
        page.wait_for_function("() => window.__chartsDrawn >= 1", timeout=LIVE_MS)
        fresh = api(page, f"/web/ioc/charts.json?group=officer&period=range&first={first}&last={last}")
        drawn = charts_drawn(page)
        assert drawn["svgs"] == 4
        assert drawn["series"] == [[p["intake"] for p in fresh["days"]], [p["handled"] for p in fresh["days"]]]
        screenshot(page, "ioc-live-after", full_page=False)
        # Only for the picture, once everything is checked: the officer's row, marked out.
        page.locator(f'[data-test="officers"] tr[data-code="{officer}"]').evaluate(
            "(row) => { row.scrollIntoView({ block: 'center' }); row.style.outline = '3px solid #d14b3c'; }"
        )
        screenshot(page, "ioc-live-after-officer", full_page=False)
        assert not_reloaded(page)
        assert errors == []


def test_a_report_sent_elsewhere_appears_on_the_open_dashboard_without_a_reload(demo_site: DemoSite, chromium):
    with new_page(chromium) as page:
        errors = page_errors(page)
        map_canvas, open_before = dashboard_drawn(page, demo_site, "/web/ioc")
        before = api(page, "/api/v1/ioc/summary")

        lat, lon = a_spot_away_from_bach_quang(demo_site)
        sent = send_a_report(demo_site, lat, lon)

        after = api(page, "/api/v1/ioc/summary")
        assert (after["backlog"], after["intake_today"]) == (before["backlog"] + 1, before["intake_today"] + 1)
        open_after = open_reports(demo_site)
        assert open_after == open_before + 1
        expect_tiles(page, tiles_of(after))
        expect(map_canvas).to_have_attribute("data-markers", str(open_after), timeout=LIVE_MS)
        assert wait_drawn(page, open_after) == open_after
        # The new marker is the report just sent, at its place.
        where = page.evaluate(
            """(code) => {
                const marker = document.querySelector('[data-test="ioc-map"]').iocMap.clusters.getLayers()
                  .find((m) => m.options.code === code);
                return marker && [marker.getLatLng().lat, marker.getLatLng().lng];
            }""",
            sent["code"],
        )
        # The markers' feed rounds to five decimals (about a metre).
        assert where == pytest.approx([lat, lon], abs=1e-5)
        assert not_reloaded(page)
        assert errors == []


def test_the_walls_figures_follow_a_change_made_elsewhere(demo_site: DemoSite, chromium):
    code, officer = in_progress_elsewhere(demo_site)
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, demo_site.url, DEMO_USERS["dispatcher"])
        # Ten minutes a panel: the wall's own turn (which fetches the wall again) never comes
        # during the test, so only the live stream can bring the new figures.
        open_and_listening(page, f"{demo_site.url}/web/ioc/wall?every=600")
        body = page.locator("body")
        expect(body).to_have_attribute("data-wall-shown", "summary")
        before = api(page, "/api/v1/ioc/summary")
        assert tiles_on_screen(page) == tiles_of(before)
        screenshot(page, "ioc-live-wall-before", full_page=False)

        resolve(demo_site, code, officer)

        after = api(page, "/api/v1/ioc/summary")
        assert after["backlog"] == before["backlog"] - 1
        expect_tiles(page, tiles_of(after))
        expect(body).not_to_have_attribute("data-wall-refreshed", re.compile("."))
        screenshot(page, "ioc-live-wall-after", full_page=False)
        assert not_reloaded(page)
        assert errors == []
