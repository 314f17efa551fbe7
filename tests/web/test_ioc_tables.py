"""The IOC's performance review on screen, on the demo's lived week (``demo_site``): the
tables read from the screen equal the API's figures, formatted as people read them; sorting
by a heading; a row opens its reports (the database's for that group and period); an
officer's page beside their unit's; a lead sees their unit only; the panel refreshes on a
change, keeping the sort.

Screenshots: .artifacts/screenshots/ioc-tables-*.png."""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from service.core.settings import LOCAL_TZ
from service.core.timeutil import to_local, utcnow
from service.web.labels import decimal, percent, working_time
from tests.conftest import DEMO_USERS
from tests.support.axe import serious_violations
from tests.support.browser import browser_fixture, new_page, screenshot
from tests.web.test_web_console import log_in

chromium = browser_fixture()
COLUMNS = ("name", "handled", "on_time_rate", "median_hours", "p90_hours", "overdue", "reopen_rate", "average_rating")


@pytest.fixture
def site(demo_site):
    return demo_site


def page_errors(page: Page) -> list[str]:
    """The tables panel's uncaught errors and the page's console errors (a failed fetch).
    The other panels' scripts are tested by their own tests."""
    errors: list[str] = []
    page.on("pageerror", lambda error: "/ioc/tables.js" in (error.stack or "") and errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def the_week() -> tuple[date, date]:
    # The demo's history is the seven days up to now: a chosen range holds all of it.
    today = to_local(utcnow()).date()
    return today - timedelta(days=8), today


def on_screen(row: dict[str, Any]) -> list[str]:
    """A row of the API as the page must print it (Vietnamese)."""
    rating = row["average_rating"]
    return [
        row["name"],
        decimal(row["handled"]),
        percent(row["on_time_rate"]),
        working_time(row["median_hours"]),
        working_time(row["p90_hours"]),
        decimal(row["overdue"]),
        percent(row["reopen_rate"]),
        decimal(rating) + (" / 5" if rating is not None else ""),
    ]


def screen_rows(page: Page, table: str) -> dict[str, list[str]]:
    rows = page.locator(f'[data-test="{table}"] tbody tr[data-code]')
    return {
        row.get_attribute("data-code"): [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in rows.all()
    }


def api(page: Page, base: str, query: str) -> dict[str, Any]:
    # The page's own login cookie: the API reads it on GET.
    response = page.request.get(f"{base}/api/v1/ioc/performance?{query}")
    assert response.ok, response.text()
    return response.json()


def choose_the_week(page: Page, base: str, group_tab: str) -> None:
    first, last = the_week()
    page.goto(f"{base}/web/ioc")
    page.get_by_role("link", name=group_tab).click()
    page.locator('[data-test="filter-first"]').fill(first.isoformat())
    page.locator('[data-test="filter-last"]').fill(last.isoformat())
    # Typing a date chose "a chosen range" (tables.js).
    expect(page.locator('[data-test="filter-period"]')).to_have_value("range")
    page.locator('[data-test="apply"]').click()
    page.wait_for_url(re.compile(rf"period=range&first={first}&last={last}"))


def test_the_per_officer_table_shows_the_apis_figures_as_people_read_them(chromium, site):
    first, last = the_week()
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        choose_the_week(page, site.url, "Theo cán bộ")
        expect(page.locator('[data-test="groups"] a[aria-current]')).to_have_text("Theo cán bộ")
        shown = screen_rows(page, "officers")
        body = api(page, site.url, f"group_by=officer&from={first}&to={last}")
        assert len(body["rows"]) >= 5 and sum(r["handled"] for r in body["rows"]) > 20
        assert shown == {row["code"]: on_screen(row) for row in body["rows"]}
        cells = " ".join(" ".join(row) for row in shown.values())
        # Times in words, rates with a comma: never "0.05" hours or "0.875".
        assert "làm việc" in cells and re.search(r"\d+,\d %", cells)
        assert not re.search(r"\b\d+\.\d+\b", cells)
        # The exports carry the same choice.
        export = page.locator('[data-test="export-csv"]').get_attribute("href")
        assert f"from={first}" in export and "group_by=officer" in export
        assert page.request.get(f"{site.url}{export}").ok
        assert serious_violations(page) == []
        page.locator('[data-test="performance"]').scroll_into_view_if_needed()
        screenshot(page, "ioc-tables-officers")
        assert errors == []


def sorted_values(page: Page, table: str, key: str) -> list[str]:
    return page.locator(f'[data-test="{table}"] tbody tr[data-code] td[data-key="{key}"]').evaluate_all(
        "cells => cells.map(c => c.dataset.value)"
    )


def test_sorting_by_a_heading_numbers_as_numbers_names_in_vietnamese_order(chromium, site):
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        choose_the_week(page, site.url, "Theo phường, xã")
        heading = page.locator('[data-test="wards"] th[data-key="median_hours"]')
        heading.get_by_role("button").click()
        expect(heading).to_have_attribute("aria-sort", "descending")
        values = sorted_values(page, "wards", "median_hours")
        figures = [float(v) for v in values if v]
        assert len(figures) >= 3 and figures == sorted(figures, reverse=True)
        assert all(v for v in values[: len(figures)])  # wards without a figure go last
        # Numbers, not text: "9.5" would sort after "10.25" as text.
        assert figures != sorted(figures, key=str, reverse=True) or len(set(map(len, values))) == 1
        # The keyboard: focus the heading's button, press Enter, the order turns round.
        heading.get_by_role("button").focus()
        page.keyboard.press("Enter")
        expect(heading).to_have_attribute("aria-sort", "ascending")
        ascending = [float(v) for v in sorted_values(page, "wards", "median_hours") if v]
        assert ascending == sorted(ascending)
        name = page.locator('[data-test="wards"] th[data-key="name"]')
        name.get_by_role("button").click()
        expect(name).to_have_attribute("aria-sort", "ascending")
        expect(heading).not_to_have_attribute("aria-sort", re.compile("."))
        names = sorted_values(page, "wards", "name")
        in_vietnamese = page.evaluate(
            "names => names.slice().sort(new Intl.Collator('vi', {sensitivity: 'base', numeric: true}).compare)",
            names,
        )
        assert names == in_vietnamese and names != sorted(names)  # code-point order differs here
        screenshot(page, "ioc-tables-wards-by-name")


def handled_codes(site, column: str, key: int, first: date, last: date) -> list[str]:
    with site.engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    f"SELECT code FROM complaints WHERE status IN ('resolved', 'closed') AND {column} = :key"  # noqa: S608
                    " AND resolved_at >= :start AND resolved_at < :end ORDER BY code"
                ),
                {
                    "key": key,
                    "start": datetime.combine(first, time(0), LOCAL_TZ),
                    "end": datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ),
                },
            ).scalars()
        )


def test_a_units_row_opens_the_reports_it_counted(chromium, site):
    first, last = the_week()
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        choose_the_week(page, site.url, "Theo đơn vị")
        body = api(page, site.url, f"group_by=unit&from={first}&to={last}")
        busiest = max(body["rows"], key=lambda r: r["handled"])
        assert busiest["handled"] >= 3
        page.locator(f'[data-test="units"] tr[data-code="{busiest["code"]}"] a').click()
        page.wait_for_url(re.compile(r"/web/ioc/reports\?"))
        expect(page.locator("h1")).to_contain_text(busiest["name"])
        shown = sorted(page.locator('[data-test="ioc-reports"] tbody tr[data-code]').evaluate_all(
            "rows => rows.map(r => r.dataset.code)"))  # fmt: skip
        unit_id = site.one("SELECT id FROM units WHERE code = :c", c=busiest["code"])
        assert shown == handled_codes(site, "current_unit_id", unit_id, first, last)
        assert len(shown) == busiest["handled"]
        page.get_by_role("link", name=shown[0]).first.click()
        page.wait_for_url(re.compile(r"/web/reports/"))
        assert errors == []


def test_an_officers_row_opens_their_page_beside_their_units_figures(chromium, site):
    first, last = the_week()
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        choose_the_week(page, site.url, "Theo cán bộ")
        officers = api(page, site.url, f"group_by=officer&from={first}&to={last}")["rows"]
        busiest = max(officers, key=lambda r: r["handled"])
        page.locator(f'[data-test="officers"] tr[data-code="{busiest["code"]}"] a').click()
        page.wait_for_url(re.compile(r"/web/ioc/officers/\d+\?period=range"))
        expect(page.locator('[data-test="officer-name"]')).to_have_text(busiest["name"])
        unit_code = site.one(
            "SELECT u.code FROM users o JOIN units u ON u.id = o.unit_id WHERE o.username = :u", u=busiest["code"]
        )
        unit = next(r for r in api(page, site.url, f"group_by=unit&from={first}&to={last}")["rows"]
                    if r["code"] == unit_code)  # fmt: skip
        table = page.locator('[data-test="officer-figures"]')
        expect(table.locator('[data-test="unit-column"]')).to_have_text(unit["name"])
        for key, mine, theirs in zip(COLUMNS[1:], on_screen(busiest)[1:], on_screen(unit)[1:], strict=True):
            cells = table.locator(f'tr[data-key="{key}"] td').all_inner_texts()
            assert [c.strip() for c in cells] == [mine, theirs], key
        # Their reports in hand are theirs and open; the recently handled are theirs too.
        officer_id = site.one("SELECT id FROM users WHERE username = :u", u=busiest["code"])
        in_hand = page.locator('[data-test="officer-open"] tr[data-code]').evaluate_all(
            "r => r.map(x => x.dataset.code)"
        )
        with site.engine.connect() as connection:
            expected = connection.execute(
                text(
                    "SELECT code FROM complaints WHERE current_officer_id = :o AND status IN "
                    "('submitted', 'assigned', 'acknowledged', 'in_progress', 'awaiting_info', 'reopened')"
                ),
                {"o": officer_id},
            ).scalars()
            assert sorted(in_hand) == sorted(expected)
        handled = page.locator('[data-test="officer-handled"] tr[data-code]').evaluate_all(
            "r => r.map(x => x.dataset.code)"
        )
        assert handled and set(handled) <= set(handled_codes(site, "current_officer_id", officer_id, first, last))
        assert serious_violations(page) == []
        screenshot(page, "ioc-tables-officer-page", full_page=True)
        assert errors == []


def test_a_lead_sees_their_unit_only_and_an_officer_not_at_all(chromium, site):
    lead_unit = site.one("SELECT unit_id FROM users WHERE username = :u", u=DEMO_USERS["unit_lead"])
    with site.engine.connect() as connection:
        theirs = set(
            connection.execute(text("SELECT username FROM users WHERE unit_id = :u"), {"u": lead_unit}).scalars()
        )
        stranger = connection.execute(
            text("SELECT id FROM users WHERE role = 'officer' AND unit_id <> :u LIMIT 1"), {"u": lead_unit}
        ).scalar_one()
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["unit_lead"])
        page.goto(f"{site.url}/web/ioc")
        # A lead reviews their officers first; a unit filter would offer nothing else.
        expect(page.locator('[data-test="groups"] a[aria-current]')).to_have_text("Theo cán bộ")
        assert page.locator('[data-test="filter-unit"]').count() == 0
        shown = screen_rows(page, "officers")
        assert shown and set(shown) <= theirs
        units = page.request.get(f"{site.url}/web/ioc/tables?group=unit")
        assert units.ok and units.text().count('tr data-code="') == 1
        refused = page.request.get(f"{site.url}/web/ioc/officers/{stranger}")
        assert refused.status == 404
        screenshot(page, "ioc-tables-lead")
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["officer"])
        for path in ("/web/ioc", "/web/ioc/tables", f"/web/ioc/officers/{stranger}", "/web/ioc/reports?group=unit"):
            assert page.request.get(f"{site.url}{path}").status == 403, path


def test_whatever_the_url_holds_the_pages_answer_without_an_error(chromium, site):
    with new_page(chromium) as page:
        log_in(page, site.url, DEMO_USERS["admin"])
        for query in (
            "period=year",
            "period=range&first=2026-13-45&last=x",
            "period=range&first=2026-11-30&last=2026-11-01",
            "unit=KHONG-CO&category=" + "x" * 500 + "&ward=%00",
            "group=nobody",
        ):
            for path in ("/web/ioc", "/web/ioc/tables"):
                response = page.request.get(f"{site.url}{path}?{query}")
                assert response.status == 200, (path, query, response.status)
        assert page.request.get(f"{site.url}/web/ioc/reports?group=unit&code=KHONG-CO").status == 404
        assert page.request.get(f"{site.url}/web/ioc/reports?group=nobody&code=x").status == 404
        assert page.request.get(f"{site.url}/web/ioc/reports?group=ward&code=%00").status == 404
        assert page.request.get(f"{site.url}/web/ioc/officers/999999").status == 404
        # Dates the wrong way round mean the same days.
        swapped = page.request.get(f"{site.url}/web/ioc/tables?period=range&first=2026-11-30&last=2026-11-01")
        assert "01/11/2026 – 30/11/2026" in swapped.text()


def test_the_tables_refresh_on_a_change_keeping_the_sort(chromium, site):
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, site.url, DEMO_USERS["dispatcher"])
        choose_the_week(page, site.url, "Theo lĩnh vực")
        heading = page.locator('[data-test="categories"] th[data-key="overdue"]')
        heading.get_by_role("button").click()
        heading.get_by_role("button").click()
        expect(heading).to_have_attribute("aria-sort", "ascending")
        before = sorted_values(page, "categories", "overdue")
        # What app.js sends when the live stream reports a change (app.js's own test drives
        # the stream itself).
        page.evaluate("document.dispatchEvent(new CustomEvent('phananh:changed'))")
        expect(page.locator("#ioc-tables")).to_have_attribute("data-refreshed", re.compile(r"\d+"))
        expect(page.locator('[data-test="categories"] th[data-key="overdue"]')).to_have_attribute(
            "aria-sort", "ascending"
        )
        after = sorted_values(page, "categories", "overdue")
        assert [float(v) for v in after] == sorted(float(v) for v in after) and len(after) == len(before)
        assert errors == []
