"""Headless Chromium for browser tests: Playwright driving Debian's /usr/bin/chromium.

Playwright must never download a browser of its own (nothing but the package registries is
reachable, here and in CI), so never run ``playwright install``: ``make test`` installs Debian's
``chromium`` package (scripts/common.sh) and :func:`browser` launches it by path.

A test module shares one browser between its tests and opens a fresh page (its own context:
no cookies or storage left over) per test::

    from tests.support.browser import browser_fixture, new_page, screenshot

    chromium = browser_fixture()  # a module-scoped fixture named "chromium"

    def test_map(chromium):
        with new_page(chromium) as page:
            page.goto(url)
            screenshot(page, "map-ward-outlines")

or wraps :func:`browser` in a fixture of its own::

    @pytest.fixture(scope="module")
    def chromium() -> Iterator[Browser]:
        with browser() as launched:
            yield launched

Screenshots go to ``<repo>/.artifacts/screenshots/`` (``$PHANANH_ARTIFACTS_DIR/screenshots/``
when that is set); the folder is git-ignored.

Playwright's sync API cannot run inside a running asyncio loop (an ``async def`` test): keep
browser tests plain functions.
"""

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[2]
# Root runs Chromium without its sandbox or not at all; /dev/shm is small in some containers.
LAUNCH_ARGS = ("--no-sandbox", "--disable-dev-shm-usage")
# What a person in a Vietnamese city sees: their language, their clock, a laptop screen.
PAGE_DEFAULTS: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 800},
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


@contextmanager
def browser(*, headless: bool = True, args: Sequence[str] = (), slow_mo: float | None = None) -> Iterator[Browser]:
    """Launch Debian's Chromium headless; close it and stop Playwright's driver on exit."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} is missing: browser tests use Debian's Chromium, never a downloaded one. "
            "`make test` installs it; by hand: apt-get update && apt-get install -y chromium"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=headless,
            args=[*LAUNCH_ARGS, *args],
            slow_mo=slow_mo,
        )
        try:
            yield launched
        finally:
            launched.close()


Scope = Literal["session", "package", "module", "class", "function"]


def browser_fixture(*, name: str = "chromium", scope: Scope = "module") -> Callable[..., Any]:
    """A pytest fixture yielding one :func:`browser` for the whole ``scope``.

    Assign it in a test module: ``chromium = browser_fixture()``.
    """

    def _fixture() -> Iterator[Browser]:
        with browser() as launched:
            yield launched

    return pytest.fixture(scope=scope, name=name)(_fixture)


@contextmanager
def new_page(launched: Browser, **context_options: Any) -> Iterator[Page]:
    """A page in a fresh browser context (vi-VN, Asia/Ho_Chi_Minh, 1280x800 unless overridden)."""
    context = launched.new_context(**{**PAGE_DEFAULTS, **context_options})
    try:
        yield context.new_page()
    finally:
        context.close()


def page_errors(page: Page) -> list[str]:
    """Start recording the page's uncaught exceptions and console errors; returns the live list.

    Call it before ``page.goto``; then ``assert not errors`` once the page has done its work.
    """
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", on_console)
    return errors


def artifacts_dir() -> Path:
    """``$PHANANH_ARTIFACTS_DIR``, or ``<repo>/.artifacts``."""
    return Path(os.environ.get("PHANANH_ARTIFACTS_DIR") or REPO_ROOT / ".artifacts")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as ``<artifacts>/screenshots/<name>.png`` (replacing one of that name)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.removesuffix(".png")).strip("-.") or "screenshot"
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
