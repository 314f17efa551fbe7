"""The web console and the IOC dashboard in a real browser (Playwright driving Debian's
Chromium) against the real app on a real port; page access for every role over HTTP.

Screenshots of the console and the dashboard are saved to .artifacts/screenshots/."""

import re
import uuid
from contextlib import closing

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.conftest import DATABASE_URL, DEMO_PASSWORD, DEMO_USERS, register_citizen
from tests.routing.test_routing import PNG, send
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot
from tests.workflow.test_handling_dispatch import BACH_QUANG

chromium = browser_fixture()


@pytest.fixture(scope="module")
def engine():
    engine = create_engine(DATABASE_URL)
    yield engine
    engine.dispose()


def submit(live_server: str) -> dict:
    citizen = register_citizen(live_server)
    with httpx.Client(base_url=live_server, timeout=30) as http:
        return send(http, citizen, category="pothole", lat=BACH_QUANG[0], lon=BACH_QUANG[1])


def holder(engine, report: dict) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT u.username FROM complaints c JOIN users u ON u.id = c.current_officer_id WHERE c.id = :id"),
            {"id": report["id"]},
        ).scalar_one()


def status_of(engine, report: dict) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT status FROM complaints WHERE id = :id"), {"id": report["id"]}
        ).scalar_one()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/web/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("Mật khẩu|Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Log in")).click()
    page.wait_for_url(re.compile(r"/web/(queue|dispatch|ioc)"))


def test_an_officer_acknowledges_and_resolves_with_a_photo_from_the_queue(live_server, chromium, engine, tmp_path):
    report = submit(live_server)
    officer = holder(engine, report)
    after_photo = tmp_path / "sau-khi-xu-ly.png"
    after_photo.write_bytes(PNG)
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, live_server, officer)
        row = page.locator(f'tr[data-code="{report["code"]}"]')
        expect(row).to_be_visible()
        expect(row.locator('[data-test="status"]')).to_have_attribute("data-status", "assigned")
        screenshot(page, "console-queue")

        row.get_by_role("link", name=report["code"]).click()
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "assigned")
        expect(page.locator(".leaflet-overlay-pane path")).not_to_have_count(0)  # the ward and the spot
        page.locator('[data-test="do-acknowledge"]').click()
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "acknowledged")
        assert status_of(engine, report) == "acknowledged"

        resolve = page.locator('form[data-action="resolve"]')
        resolve.locator('textarea[name="result"]').fill("Đã vá ổ gà bằng bê tông nhựa")
        resolve.locator('input[name="photos"]').set_input_files(str(after_photo))
        screenshot(page, "console-report-resolving")
        resolve.locator('[data-test="do-resolve"]').click()
        expect(page.locator('h1 [data-test="status"]')).to_have_attribute("data-status", "resolved")
        expect(page.locator(".timeline")).to_contain_text("Đã vá ổ gà")
        screenshot(page, "console-report-resolved")
        assert errors == []
    assert status_of(engine, report) == "resolved"


def test_the_queue_updates_itself_when_work_arrives(live_server, chromium, engine):
    first = submit(live_server)
    officer = holder(engine, first)
    with new_page(chromium) as page:
        log_in(page, live_server, officer)
        expect(page.locator(f'tr[data-code="{first["code"]}"]')).to_be_visible()
        page.wait_for_timeout(500)  # the live stream is open
        # New reports until one lands with this officer (routing balances the office's load).
        for _ in range(6):
            arrived = submit(live_server)
            if holder(engine, arrived) == officer:
                break
        else:
            pytest.skip("routing gave six reports in a row to the office's other officer")
        expect(page.locator(f'tr[data-code="{arrived["code"]}"]')).to_be_visible(timeout=5000)


def test_a_dispatcher_routes_a_report_from_the_dispatcher_queue(live_server, chromium, engine):
    report = submit(live_server)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE complaints SET status = 'submitted', current_officer_id = NULL, current_unit_id = NULL, "
                "due_at = NULL, dispatch_reason = 'no_rule' WHERE id = :id"
            ),
            {"id": report["id"]},
        )
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, live_server, DEMO_USERS["dispatcher"])
        row = page.locator(f'tr[data-code="{report["code"]}"]')
        expect(row).to_be_visible()
        screenshot(page, "console-dispatch-queue")
        expect(row.locator('[data-test="why"]')).to_have_text("Chưa có quy tắc phân công")
        row.get_by_role("link", name=report["code"]).click()
        form = page.locator('form[data-action="route"]')
        picker = form.locator('[data-test="unit-picker"]')
        assert picker.evaluate("select => select.value") == ""  # nothing chosen for the dispatcher
        # The picker is searched by words without their marks, and shows names, never codes.
        form.get_by_placeholder(re.compile("Gõ tên")).fill("kinh te bach quang")
        visible = picker.locator("option:not([hidden]):not([disabled])")
        expect(visible.first).to_be_attached()
        shown = visible.all_inner_texts()
        assert "Phòng Kinh tế, Hạ tầng và Đô thị Phường Bách Quang" in shown, shown
        assert len(shown) < 5 and all("Kinh tế" in name for name in shown), shown
        picker.select_option(label="Phòng Kinh tế, Hạ tầng và Đô thị Phường Bách Quang")
        form.get_by_role("button", name="Chuyển đến đơn vị").click()
        page.wait_for_url(re.compile("/web/dispatch"))
        expect(page.locator(".flash")).to_have_text("Đã chuyển đến đơn vị.")
        expect(page.locator(f'tr[data-code="{report["code"]}"]')).to_have_count(0)
        assert errors == []
    assert status_of(engine, report) == "assigned"


def test_the_ioc_dashboard_draws_the_wards_without_a_tile_server_and_shows_the_figures(live_server, chromium):
    submit(live_server)
    with new_page(chromium) as page:
        errors = page_errors(page)
        log_in(page, live_server, DEMO_USERS["dispatcher"])
        page.goto(f"{live_server}/web/ioc")
        map_ = page.locator('[data-test="ioc-map"]')
        expect(map_).to_have_attribute("data-ready", "true")
        # Each of Thái Nguyên's 92 wards is an outline on the map; no tile was asked for.
        assert page.locator('[data-test="ioc-map"] .leaflet-overlay-pane path').count() >= 92
        assert page.locator('[data-test="ioc-map"] .leaflet-tile').count() == 0
        backlog = int(page.locator('[data-test="backlog"]').inner_text())
        assert backlog >= 1
        # The charts are ECharts' SVG (tests/web/test_ioc_charts.py reads their figures).
        expect(page.locator('[data-test="chart-flow"] svg')).to_have_count(1)
        expect(page.locator('[data-test="chart-hours"] svg')).to_have_count(1)
        expect(page.locator('[data-test="units"]')).to_be_visible()
        screenshot(page, "ioc-dashboard")
        # The exports answer with files, with the console's login.
        with page.expect_download() as download:
            page.locator('[data-test="export-xlsx"]').click()
        assert download.value.suggested_filename.endswith(".xlsx")
        page.locator('[data-test="lang"]').click()
        expect(page.locator("h1")).to_contain_text("Service levels")
        screenshot(page, "ioc-dashboard-english")
        assert errors == []


def test_an_admin_adds_changes_and_deletes_a_unit_from_the_admin_pages(live_server, chromium, engine):
    code = f"UB-{uuid.uuid4().hex[:6]}"
    with new_page(chromium) as page:
        errors = page_errors(page)
        page.on("dialog", lambda dialog: dialog.accept())  # "delete for good?"
        log_in(page, live_server, DEMO_USERS["admin"])
        page.get_by_role("link", name="Quản trị").click()
        page.get_by_role("link", name="Đơn vị xử lý").click()
        page.get_by_text("Thêm mới").click()
        form = page.locator('[data-test="admin-form"]')
        form.locator('input[name="code"]').fill(code)
        form.locator('input[name="name"]').fill("Đội trật tự đô thị")
        form.locator('input[name="name_en"]').fill("Urban order team")
        form.locator('select[name="kind"]').select_option("other")
        form.locator('select[name="area_codes"]').select_option(["05528", "05518"])
        screenshot(page, "admin-unit-form", full_page=False)
        form.get_by_role("button", name="Tạo").click()
        expect(page.locator(".flash")).to_contain_text("Đã tạo")
        page.get_by_label(re.compile("Tìm|Search")).fill(code)
        page.get_by_role("button", name="Tìm").click()
        row = page.locator('[data-test="admin-rows"] tbody tr', has_text=code)
        expect(row).to_contain_text("Bách Quang")  # the wards by name, not their codes
        expect(row).to_contain_text("Sông Công")
        row.get_by_role("link", name="Sửa").click()
        page.locator('input[name="phone"]').fill("02083855555")
        page.get_by_role("button", name="Lưu").click()
        expect(page.locator(".flash")).to_contain_text("Đã lưu")
        expect(page.locator(".admin-read")).to_contain_text("02083855555")
        screenshot(page, "admin-unit-edit")
        page.get_by_role("button", name="Xoá").click()
        expect(page.locator(".flash")).to_contain_text("Đã xoá")
        assert errors == []
    with engine.connect() as connection:
        actions = connection.execute(
            text(
                "SELECT e.action FROM audit_events e JOIN users u ON u.id = e.actor_id "
                "WHERE e.object_type = 'unit' AND u.username = :admin AND e.object_id = (SELECT object_id "
                "FROM audit_events WHERE action = 'unit.created' AND after->>'code' = :code) ORDER BY e.id"
            ),
            {"admin": DEMO_USERS["admin"], "code": code},
        ).scalars()
        assert list(actions) == ["unit.created", "unit.updated", "unit.deleted"]


# --- who may open which page (plain HTTP) --------------------------------------------------

PAGES = {"/web/queue": {"officer", "unit_lead", "dispatcher"}, "/web/dispatch": {"dispatcher"},
         "/web/ioc": {"dispatcher", "admin", "unit_lead"}, "/web/admin": {"admin"},
         "/web/admin/units": {"admin"}, "/web/admin/users": {"admin"}}  # fmt: skip


def console_login(base: str, username: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    form = http.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = http.post("/web/login", data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf})
    assert answer.status_code in (303, 403), answer.text
    return http


@pytest.mark.parametrize("role", [r for r in DEMO_USERS if r != "citizen"])
def test_every_page_opens_for_its_roles_and_refuses_the_others(live_server, role):
    with closing(console_login(live_server, DEMO_USERS[role])) as http:
        for path, roles in PAGES.items():
            assert http.get(path).status_code == (200 if role in roles else 403), (role, path)


def test_a_citizen_cannot_log_in_to_the_console_and_anonymous_callers_are_sent_to_log_in(live_server):
    with closing(console_login(live_server, DEMO_USERS["citizen"])) as http:
        for path in PAGES:
            refused = http.get(path)
            assert refused.status_code == 303 and refused.headers["location"].startswith("/web/login")
    with httpx.Client(base_url=live_server, timeout=30) as anonymous:
        sent = anonymous.get("/web/ioc", follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == "/web/login?next=/web/ioc"


def test_a_form_without_its_csrf_token_changes_nothing(live_server, engine):
    report = submit(live_server)
    with closing(console_login(live_server, holder(engine, report))) as http:
        forged = http.post(f"/web/reports/{report['id']}/acknowledge", data={})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf_refused"
        # The API does not take the cookie for a change either.
        api = http.post(f"/api/v1/complaints/{report['id']}/actions/acknowledge", json={})
        assert api.status_code == 401
    assert status_of(engine, report) == "assigned"


def test_the_login_cookie_is_httponly_and_strict(live_server):
    with closing(console_login(live_server, DEMO_USERS["officer"])) as http:
        assert http.cookies.get("pa_access")
    http = httpx.Client(base_url=live_server, timeout=30, follow_redirects=False)
    form = http.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = http.post("/web/login", data={"username": DEMO_USERS["officer"], "password": DEMO_PASSWORD, "csrf": csrf})
    access = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("pa_access="))
    assert "HttpOnly" in access and "SameSite=strict" in access.replace("Strict", "strict")
    assert "content-security-policy" in {k.lower() for k in form.headers}
    http.close()
