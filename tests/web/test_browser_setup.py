"""The browser-test setup itself: Debian's Chromium launches headless through Playwright (no
downloaded browser), renders a page with an SVG and Vietnamese text, and screenshots land where
tests/support/browser.py says."""

from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser

from tests.support.browser import CHROMIUM, artifacts_dir, browser_fixture, new_page, page_errors, screenshot

chromium = browser_fixture()

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Kiểm tra trình duyệt</title></head>
<body style="margin:0;background:#fff">
  <h1 id="greeting">Xin chào, Phản ánh hiện trường</h1>
  <svg id="map" width="200" height="120" xmlns="http://www.w3.org/2000/svg">
    <rect x="10" y="10" width="180" height="100" fill="#1f77b4"/>
    <circle cx="100" cy="60" r="30" fill="#d62728"/>
    <text x="100" y="65" text-anchor="middle" fill="#fff" font-size="14">Phường</text>
  </svg>
</body></html>"""
DATA_URL = "data:text/html;charset=utf-8," + quote(PAGE)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_debian_chromium_renders_an_svg_page_and_saves_a_screenshot(chromium: Browser) -> None:
    assert chromium.is_connected()
    # Debian's build, launched by path: Playwright downloaded nothing.
    assert chromium.browser_type.name == "chromium"
    assert CHROMIUM.exists()

    with new_page(chromium) as page:
        errors = page_errors(page)
        page.goto(DATA_URL)

        assert page.title() == "Kiểm tra trình duyệt"
        assert page.inner_text("#greeting") == "Xin chào, Phản ánh hiện trường"
        assert page.text_content("#map text") == "Phường"
        box = page.locator("#map").bounding_box()
        assert box is not None and (box["width"], box["height"]) == (200, 120)
        assert page.evaluate("navigator.language") == "vi-VN"

        path = screenshot(page, "browser-setup/svg page")
        assert not errors

    assert path == artifacts_dir() / "screenshots" / "browser-setup-svg-page.png"
    assert path.is_file() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_artifacts_dir_follows_the_environment(
    chromium: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHANANH_ARTIFACTS_DIR", str(tmp_path / "ci-artifacts"))
    with new_page(chromium, viewport={"width": 320, "height": 200}) as page:
        page.goto(DATA_URL)
        path = screenshot(page, "override.png", full_page=False)

    assert path == tmp_path / "ci-artifacts" / "screenshots" / "override.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
