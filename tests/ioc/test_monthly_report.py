"""The monthly report: its PDF, read back with pdftotext, holds the API's figures for the
month; beat makes last month's; who may make and download it; refusals leave nothing; the
console's page lists and makes them in a real browser (Debian's Chromium)."""

import re
import shutil
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from service.core.database import session_scope
from service.core.settings import LOCAL_TZ, get_settings
from service.core.timeutil import to_local, utcnow
from service.ioc import monthly
from service.media.storage import get_storage
from service.web import labels
from tests.conftest import DEMO_USERS
from tests.ioc.test_ioc import seed
from tests.support.axe import serious_violations
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.web.test_web_console import log_in

chromium = browser_fixture()

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def stored_files() -> set[Path]:
    root = get_settings().data_dir / "media" / "reports"
    return set(root.rglob("*.pdf")) if root.exists() else set()


def table_rows(words: str) -> dict[str, list[str]]:
    """A table's rows as ``pdftotext -layout`` lays them out: each row a block of lines,
    its cells apart on the first, a long name wrapped onto the next -> {name: cells}."""
    rows: dict[str, list[str]] = {}
    for block in re.split(r"\n\s*\n", words):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            first, *cells = re.split(r"\s{2,}", lines[0])
            rows.setdefault(" ".join([first, *lines[1:]]), cells)
    return rows


@pytest.fixture
def last_month(db) -> date:
    """A past month with a known history: the seeded 12,000 reports of test_ioc."""
    now = utcnow()
    seed(db, now=now)
    return monthly.previous_month(now=now)


def test_the_pdf_holds_the_apis_figures_for_the_month(client, auth, last_month, tmp_path):
    headers = auth("dispatcher")
    month = f"{last_month:%Y-%m}"
    made = client.post(f"/api/v1/ioc/monthly-reports?month={month}", headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["month"] == month and made.json()["download_url"] == f"/api/v1/ioc/monthly-reports/{month}.pdf"
    download = client.get(f"/api/v1/ioc/monthly-reports/{month}.pdf", headers=headers)
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert len(download.content) == made.json()["size_bytes"]
    words = pdf_text(download.content, tmp_path)

    last_day = monthly.next_month(last_month) - timedelta(days=1)
    period = f"from={last_month}&to={last_day}"
    (whole,) = client.get(f"/api/v1/ioc/trends?bucket=month&{period}", headers=headers).json()["points"]
    assert whole["intake"] > 100 and whole["handled"] > 100, "the seeded month has a history"
    assert f"Báo cáo tháng {last_month:%m/%Y}" in words
    lines = [" ".join(line.split()) for line in words.splitlines()]
    # The month's figures beside their names, as the API gives them, formatted in Vietnamese.
    rate = monthly.percent(whole["on_time"], whole["handled"])
    # Written as the console writes the API's rate (4 places): "87,5 %", "89 %".
    assert rate == labels.percent(round(whole["on_time"] / whole["handled"], 4)), rate
    assert f"Phản ánh tiếp nhận {monthly.number(whole['intake'])}" in lines
    assert f"Phản ánh đã xử lý xong {monthly.number(whole['handled'])}" in lines
    assert f"Trong đó xử lý đúng hạn {monthly.number(whole['on_time'])}" in lines
    assert f"Tỷ lệ xử lý đúng hạn {rate}" in lines
    # The API gives hours to 2 places (36 s): the PDF's minute may differ from it by one.
    medians = {monthly.working_time(whole["median_hours"] * 60 + d) for d in (-1, 0, 1)}
    assert any(f"Thời gian xử lý trung vị {median}" in lines for median in medians), medians

    units = client.get(f"/api/v1/ioc/performance?group_by=unit&{period}", headers=headers).json()["rows"]
    assert units
    rows = table_rows(words)
    for unit in units:
        cells = rows[unit["name"]]
        assert cells[0] == monthly.number(unit["handled"]), (unit, cells)
        if unit["handled"]:
            # pdftotext may close up the narrow gap in a short cell ("0 %" read back as "0%").
            assert cells[1].replace(" ", "") == labels.percent(unit["on_time_rate"]).replace(" ", ""), (unit, cells)
        assert cells[4] == monthly.number(unit["overdue"]), (unit, cells)

    officers = client.get(f"/api/v1/ioc/performance?group_by=officer&{period}", headers=headers).json()["rows"]
    assert all(officer["name"] in words for officer in officers)
    overdue = client.get("/api/v1/ioc/overdue?limit=5", headers=headers).json()
    assert f"Đang quá hạn lúc lập báo cáo {monthly.number(overdue['total'])}" in lines
    assert all(item["code"] in words for item in overdue["items"])
    assert "giờ làm việc" in words and "phút làm việc" in words

    # A page as the leadership sees it, kept for a person to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "page.pdf").write_bytes(download.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "page.pdf"),
         str(SCREENSHOTS / "monthly-report")],
        check=True,
    )  # fmt: skip
    assert (SCREENSHOTS / "monthly-report.png").stat().st_size > 10_000

    listed = client.get("/api/v1/ioc/monthly-reports", headers=auth("admin")).json()
    assert [r["month"] for r in listed] == [month]


def test_making_a_month_again_replaces_its_report_and_file(client, db, auth):
    last_month = monthly.previous_month(now=utcnow())
    headers = auth("admin")
    month = f"{last_month:%Y-%m}"
    assert client.post(f"/api/v1/ioc/monthly-reports?month={month}", headers=headers).status_code == 201
    first_key = db.exec(text("SELECT storage_key FROM monthly_reports")).one()[0]
    assert client.post(f"/api/v1/ioc/monthly-reports?month={month}", headers=headers).status_code == 201
    keys = db.exec(text("SELECT storage_key FROM monthly_reports")).scalars().all()
    assert len(keys) == 1 and keys[0] != first_key
    assert get_storage().exists(keys[0]) and not get_storage().exists(first_key)


def test_beat_makes_last_months_report_on_the_first(database, tmp_path):
    from workers.app import create_celery
    from workers.ioc import monthly_report

    schedule = create_celery().conf.beat_schedule["monthly-report"]
    assert schedule["task"] == "phananh.ioc.monthly_report"
    assert schedule["schedule"].day_of_month == {1} and schedule["schedule"].hour == {1}

    now = datetime.combine(date(2026, 12, 1), time(1, 0), LOCAL_TZ)
    try:
        key = monthly_report(now=now)
        again = monthly_report(now=now)
        with session_scope() as session:
            rows = session.execute(text("SELECT month, created_by, storage_key, size_bytes FROM monthly_reports"))
            (row,) = rows.all()
        assert row.month == date(2026, 11, 1) and row.created_by is None and row.storage_key == again != key
        assert not get_storage().exists(key), "the report it replaced is gone"
        words = pdf_text(get_storage().get(again), tmp_path)
        assert "Báo cáo tháng 11/2026" in words and "Lập lúc 01/12/2026 01:00" in words
    finally:
        delete_committed_reports()


@pytest.mark.parametrize("role", ["citizen", "officer", "unit_lead"])
def test_only_dispatchers_and_admins_may_make_list_and_download(client, db, auth, role):
    last_month = monthly.previous_month(now=utcnow())
    month = f"{last_month:%Y-%m}"
    assert client.post(f"/api/v1/ioc/monthly-reports?month={month}", headers=auth("dispatcher")).status_code == 201
    before = stored_files()
    for method, path in [
        ("POST", f"/api/v1/ioc/monthly-reports?month={month}"),
        ("GET", "/api/v1/ioc/monthly-reports"),
        ("GET", f"/api/v1/ioc/monthly-reports/{month}.pdf"),
    ]:
        assert client.request(method, path).status_code == 401
        refused = client.request(method, path, headers=auth(role))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
    assert stored_files() == before
    assert db.exec(text("SELECT count(*) FROM monthly_reports")).one()[0] == 1
    for allowed in ("dispatcher", "admin"):
        got = client.get(f"/api/v1/ioc/monthly-reports/{month}.pdf", headers=auth(allowed))
        assert got.status_code == 200 and got.content.startswith(b"%PDF")


def test_a_month_that_is_not_one_or_not_begun_is_refused_and_leaves_nothing(client, db, auth):
    headers = auth("dispatcher")
    before = stored_files()
    coming = monthly.next_month(to_local(utcnow()).date().replace(day=1))
    for month, code in [
        ("2026-13", "invalid_month"),
        ("11-2026", "invalid_month"),
        ("2026-1", "invalid_month"),
        ("", "invalid_month"),
        (f"{coming:%Y-%m}", "month_not_started"),
    ]:
        refused = client.post(f"/api/v1/ioc/monthly-reports?month={month}", headers=headers)
        assert refused.status_code == 422 and refused.json()["code"] == code, (month, refused.text)
        assert refused.json()["field"] == "month"
    assert client.post("/api/v1/ioc/monthly-reports?month=2026-11-01", headers=headers).status_code == 422
    missing = client.get("/api/v1/ioc/monthly-reports/2020-01.pdf", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "monthly_report_not_found"
    bad = client.get("/api/v1/ioc/monthly-reports/nope.pdf", headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_month"
    assert stored_files() == before
    assert db.exec(text("SELECT count(*) FROM monthly_reports")).one()[0] == 0


def test_working_time_reads_as_people_say_it():
    assert monthly.working_time(90) == "1 giờ 30 phút làm việc"
    assert monthly.working_time(120.2) == "2 giờ làm việc"
    assert monthly.working_time(7) == "7 phút làm việc"
    assert monthly.working_time(0) == "0 phút làm việc"
    assert monthly.working_time(None) == "—"
    assert monthly.percent(7, 8) == "87,5 %"
    assert monthly.percent(8, 9) == "88,9 %"
    assert monthly.percent(89, 100) == "89 %"
    assert monthly.percent(0, 0) == "—"
    assert monthly.number(12345) == "12.345"
    assert monthly.previous_month(now=datetime(2026, 12, 1, 1, 0, tzinfo=LOCAL_TZ)) == date(2026, 11, 1)
    # 1 January, 00:30 in Vietnam is still 31 December in UTC: the month is Vietnam's.
    assert monthly.previous_month(now=datetime(2027, 1, 1, 0, 30, tzinfo=LOCAL_TZ)) == date(2026, 12, 1)


def delete_committed_reports() -> None:
    with session_scope() as session:
        for (stored,) in session.execute(text("DELETE FROM monthly_reports RETURNING storage_key")):
            get_storage().delete(stored)


def test_the_console_page_makes_lists_and_downloads_a_report(live_server, chromium, tmp_path):
    month = monthly.previous_month(now=utcnow())
    try:
        with new_page(chromium) as page:
            errors = page_errors(page)
            log_in(page, live_server, DEMO_USERS["dispatcher"])
            page.goto(f"{live_server}/web/ioc/monthly")
            expect(page.locator('[data-test="no-reports"]')).to_be_visible()
            page.fill("#month", f"{month:%Y-%m}")
            page.get_by_role("button", name="Lập báo cáo").click()
            row = page.locator(f'[data-test="monthly-reports"] tr[data-month="{month:%Y-%m}"]')
            expect(row).to_be_visible()
            expect(page.locator(".flash")).to_contain_text(f"Đã lập báo cáo tháng {month:%m/%Y}")
            expect(row).to_contain_text("Theo yêu cầu")
            screenshot(page, "ioc-monthly")
            with page.expect_download() as download:
                row.get_by_role("link").click()
            saved = tmp_path / "downloaded.pdf"
            download.value.save_as(saved)
            assert f"Báo cáo tháng {month:%m/%Y}" in pdf_text(saved.read_bytes(), tmp_path)
            assert serious_violations(page) == []
            assert errors == []
        with new_page(chromium) as page:
            log_in(page, live_server, DEMO_USERS["unit_lead"])
            refused = page.goto(f"{live_server}/web/ioc/monthly")
            assert refused is not None and refused.status == 403
            assert page.locator("#month").count() == 0
    finally:
        delete_committed_reports()


def test_the_console_refuses_a_month_not_begun_and_a_lead(client, db, auth):
    from tests.web.test_console_corrections import console_as

    console_as(client, DEMO_USERS["dispatcher"])
    form = client.get("/web/ioc/monthly")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    coming = monthly.next_month(to_local(utcnow()).date().replace(day=1))
    refused = client.post("/web/ioc/monthly", data={"csrf": csrf, "month": f"{coming:%Y-%m}"}, follow_redirects=False)
    assert refused.status_code == 422 and 'data-code="month_not_started"' in refused.text
    console_as(client, DEMO_USERS["unit_lead"])
    lead = client.get("/web/ioc/monthly")
    assert lead.status_code == 403
    assert db.exec(text("SELECT count(*) FROM monthly_reports")).one()[0] == 0
