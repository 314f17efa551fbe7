"""The front door: ``/`` leads to the console's login, and the API docs at ``/docs`` work with no
internet (Swagger UI vendored under /web/static/vendor/swagger-ui); the axe helper the browser
tests use finds what it should, under the console's Content-Security-Policy too."""

import re
from urllib.parse import urljoin, urlsplit

import httpx2 as httpx
from playwright.sync_api import Browser, Route

from tests.support.axe import inject_axe, serious_violations
from tests.support.browser import browser_fixture, new_page, page_errors, screenshot

chromium = browser_fixture()

ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)


def test_root_leads_to_the_console_login(live_server: str, chromium: Browser) -> None:
    with httpx.Client(base_url=live_server) as http:
        root = http.get("/")
        assert root.status_code in (303, 307)
        assert root.headers["location"] == "/web/"
        assert "/" not in http.get("/openapi.json").json()["paths"]

    with new_page(chromium) as page:
        errors = page_errors(page)
        response = page.goto(live_server + "/")
        assert response is not None and response.ok
        assert urlsplit(page.url).path == "/web/login"
        assert page.locator("form[action='/web/login'] input[name=password]").is_visible()
        # The page the axe helper must get into: scripts from 'self' only.
        assert "script-src 'self'" in response.headers["content-security-policy"]
        inject_axe(page)
        assert page.evaluate("typeof axe.run") == "function"
        assert not errors


def test_docs_reference_only_this_server(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as http:
        docs = http.get("/docs")
        assert docs.status_code == 200
        html = docs.text
        assert "cdn.jsdelivr" not in html and "fastapi.tiangolo.com" not in html
        assets = ASSET.findall(html)
        assert {urlsplit(asset).path for asset in assets} >= {
            "/web/static/vendor/swagger-ui/swagger-ui-bundle.js",
            "/web/static/vendor/swagger-ui/swagger-ui.css",
        }
        for asset in assets:
            assert not urlsplit(asset).netloc, asset
            assert http.get(urljoin(live_server + "/docs", asset)).status_code == 200, asset
        assert http.get("/openapi.json").status_code == 200
        assert http.get("/docs/oauth2-redirect").status_code == 200
        assert http.get("/redoc").status_code == 404  # off: one viewer, served offline


def test_swagger_ui_renders_with_every_other_host_unreachable(live_server: str, chromium: Browser) -> None:
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with new_page(chromium) as page:
        page.route("**/*", only_this_server)
        errors = page_errors(page)
        page.goto(live_server + "/docs")
        page.locator(".opblock").first.wait_for()

        assert page.locator(".opblock").count() > 10
        assert page.locator("#operations-tag-handling").is_visible()
        assert page.locator(".info .title").inner_text().startswith("PhanAnh API")
        page.wait_for_load_state("networkidle")
        screenshot(page, "docs-swagger-ui")
        assert not errors
        assert not elsewhere


IMAGE_WITHOUT_ALT = """<!doctype html><html lang="vi"><head><title>Ảnh</title></head>
<body><main><h1>Ảnh hiện trường</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>"""
CLEAN = """<!doctype html><html lang="vi"><head><title>Sạch</title></head>
<body><main><h1>Ảnh hiện trường</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Ổ gà trên đường Lương Ngọc Quyến">
</main></body></html>"""


def test_serious_violations_reports_an_image_without_alt(chromium: Browser) -> None:
    with new_page(chromium) as page:
        page.set_content(IMAGE_WITHOUT_ALT)
        found = serious_violations(page)
        assert len(found) == 1 and found[0].startswith("image-alt (critical): "), found
        assert found[0].endswith(" — img"), found
        # Leaving the image out leaves nothing serious.
        assert serious_violations(page, exclude=["img"]) == []


def test_serious_violations_is_empty_on_a_clean_page(chromium: Browser) -> None:
    with new_page(chromium) as page:
        page.set_content(CLEAN)
        assert serious_violations(page) == []
