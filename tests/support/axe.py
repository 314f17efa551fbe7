"""Accessibility checks in browser tests: axe-core, vendored from npm (``vendor/axe-core/``).

    from tests.support.axe import serious_violations

    with new_page(chromium) as page:
        page.goto(f"{live_server}/web/login")
        assert not serious_violations(page)

How axe gets into the page: the console sends ``Content-Security-Policy: script-src 'self'``,
and Playwright's ``add_script_tag(path=...)`` inlines the file's text, which that policy
refuses. So on an http(s) page the file is served at a same-origin URL,
``<origin>/__axe__/axe.min.js``, by a route of the page's own (registered for the injection and
removed after it; the server never sees the request, and a route the test set earlier, such
as one aborting other hosts, is left in place) and added with ``add_script_tag(url=...)``,
which the policy allows as ``'self'``. A context created with ``bypass_csp=True`` would also
do, but it would test a page other than the one people get, and this helper is given a page
whose context is already made. Pages with no origin (``about:blank`` after ``set_content``,
``data:``) have no policy either and get the file inline.

Only the top frame is checked (axe would need injecting into each iframe too).
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"
SERIOUS = ("serious", "critical")
SHOWN_TARGETS = 3

_RUN = """async (exclude) => {
    const context = exclude.length ? {exclude: exclude.map((selector) => [selector])} : document;
    const results = await axe.run(context, {resultTypes: ['violations']});
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((node) => node.target),
    }));
}"""


def inject_axe(page: Page) -> None:
    """Load the vendored axe-core into the page's top frame (once; see the module docstring)."""
    if page.evaluate("typeof window.axe !== 'undefined'"):
        return
    origin = page.evaluate("location.origin")
    if not origin.startswith(("http://", "https://")):
        page.add_script_tag(path=AXE_JS)
        return
    url = origin + AXE_PATH

    def serve(route: Route) -> None:
        route.fulfill(path=AXE_JS, content_type="text/javascript; charset=utf-8")

    page.route(url, serve)
    try:
        page.add_script_tag(url=url)
    finally:
        page.unroute(url, serve)


def serious_violations(page: Page, *, exclude: Sequence[str] = ()) -> list[str]:
    """The page's axe violations of impact "serious" or "critical", one readable line each:
    ``"<id> (<impact>): <help> — <up to 3 target selectors>"``; empty when there are none.

    ``exclude`` lists CSS selectors of parts of the page to leave out (a third-party widget).
    Run it once the page has settled (after htmx swaps, maps drawn): axe sees the DOM as it is.
    """
    inject_axe(page)
    violations: list[dict[str, Any]] = page.evaluate(_RUN, list(exclude))
    return [_describe(violation) for violation in violations if violation["impact"] in SERIOUS]


def _describe(violation: dict[str, Any]) -> str:
    targets = [_selector(target) for target in violation["targets"]]
    shown = ", ".join(targets[:SHOWN_TARGETS])
    if len(targets) > SHOWN_TARGETS:
        shown += f" (and {len(targets) - SHOWN_TARGETS} more)"
    return f"{violation['id']} ({violation['impact']}): {violation['help']} — {shown}"


def _selector(target: list[Any]) -> str:
    # One selector per frame, or per shadow root (a nested list), from the outermost in.
    return " >> ".join(" >>> ".join(part) if isinstance(part, list) else str(part) for part in target)
