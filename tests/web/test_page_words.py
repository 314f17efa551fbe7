"""No page of the console shows a code where a person reads words.

On the demo site (tests/support/demo_site.py) every staff role logs in and opens every
console page in Vietnamese and in English: the queues, the dispatcher queue, the IOC
dashboard, a report in every state (the flagged ones, a duplicate, a rejected one, one
resolved with after-photos, one with an extension to decide...), every admin list and edit
page, the login page and the error pages. What a person reads is taken from each page: its
text (outside ``<script>`` and ``<style>``), the ``alt``, ``title``, ``placeholder``,
``aria-label``, ``label`` and ``data-label`` attributes (the queue's cells are labelled by
``data-label`` on a phone) and the ``value`` of buttons.

- A Vietnamese page shows no code of any vocabulary in ``service/web/labels.py`` (every
  enum's values, every code in ``CODES``, every timeline action), nor a category or category
  group code from the database.
- An English page shows no snake_case word (``in_progress``, ``ward_police``,
  ``blocked_drain``) and no hyphenated action code (``request-info``).

Data shown by design is not a code: report codes (PA-2026-000123), unit codes
(05528-KTHT), usernames, numbers. Form input values are not read (what an admin types).

Then Chromium opens the same pages, 1400 px wide and 390 px wide: a screenshot of each (in
.artifacts/screenshots/), no script error, and no serious or critical axe-core violation.
"""

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Response

from service.identity.models import Role
from service.ioc import monthly
from service.web import labels
from service.web.admin import SECTIONS
from service.web.policies import ALLOWED
from service.web.policies import Page as ConsolePage
from tests.conftest import DEMO_PASSWORD, DEMO_USERS
from tests.support.axe import serious_violations
from tests.support.browser import PAGE_DEFAULTS, browser, page_errors, screenshot
from tests.support.demo_site import DemoSite

# The tests that reach the demo site (a database and a server of ours).
on_the_site = pytest.mark.services

# Every staff role, and an officer of another ward's office (Phường Phan Đình Phùng), who
# sees Bách Quang's reports from outside.
STAFF = {role: user for role, user in DEMO_USERS.items() if role != "citizen"} | {
    "other_officer": "canbo.phandinhphung"
}
LANGUAGES = ("vi", "en")

# Words that are a vocabulary's code and also ordinary text on a Vietnamese page. Keep this
# tiny: each entry must be a word people write, not a code that slipped through.
ORDINARY_VIETNAMESE = {
    # Language.vi: a Vietnamese syllable too ("phạm vi", "vi phạm").
    "vi",
}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# What a person reads besides the text: these attributes, and the value of buttons.
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "label", "data-label")
BUTTON_INPUTS = ("submit", "button", "reset")


# --- what a person reads on a page -------------------------------------------------------------


class _Reader(HTMLParser):
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.tag = ""
        self.read: list[tuple[str, str]] = []  # (where, what)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = tag
        values = {name: value or "" for name, value in attrs}
        for name in READ_ATTRIBUTES:
            if values.get(name, "").strip():
                self.read.append((f"<{tag} {name}>", values[name]))
        is_button = tag == "button" or (tag == "input" and values.get("type") in BUTTON_INPUTS)
        if is_button and values.get("value", "").strip():
            self.read.append((f"<{tag} value>", values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.read.append((f"<{self.tag}>", " ".join(data.split())))


def read_text(html: str) -> list[tuple[str, str]]:
    """What a person reads on the page: (where, text) pairs."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.read


def hidden_value(html: str, name: str) -> str:
    """The value of the form field ``name`` (the CSRF token of the login form)."""

    class Finder(HTMLParser):
        value = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "input" and values.get("name") == name:
                Finder.value = values.get("value") or ""

    Finder().feed(html)
    return Finder.value


# --- which codes must not show -----------------------------------------------------------------


def vocabulary_codes() -> set[str]:
    """Every code of every vocabulary: enum values, the codes in CODES, and the keys of the
    vocabularies that are not enums (flags, queue reasons, timeline lines, form fields)."""
    found: set[str] = set()
    for words, enum in labels.CATALOGUE.values():
        found |= {str(code) for code in words}
        if enum is not None:
            found |= {member.value for member in enum}
    for codes in labels.CODES.values():
        found |= set(codes)
    return found


def _whole_word(code: str) -> re.Pattern[str]:
    # A hyphen binds like a letter: "request-info" is one code, "05528-KTHT" no "KTHT" code.
    return re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])")


@dataclass(frozen=True)
class Finding:
    word: str
    where: str
    context: str


def _context(text: str, start: int, end: int) -> str:
    return f"…{text[max(0, start - 25) : end + 25]}…"


def codes_shown(read: list[tuple[str, str]], patterns: list[tuple[str, re.Pattern[str]]]) -> list[Finding]:
    return [
        Finding(code, where, _context(text, m.start(), m.end()))
        for where, text in read
        for code, pattern in patterns
        for m in pattern.finditer(text)
    ]


def snake_words_shown(read: list[tuple[str, str]], hyphenated: list[tuple[str, re.Pattern[str]]]) -> list[Finding]:
    found = [
        Finding(m.group(), where, _context(text, m.start(), m.end()))
        for where, text in read
        for m in SNAKE.finditer(text)
    ]
    return found + codes_shown(read, hyphenated)


# --- the pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    name: str  # readable: "report-location_mismatch", "admin-units-edit"
    path: str
    status: int
    html: str


def console_pages(site: DemoSite) -> list[tuple[str, str]]:
    """(name, path) of every page of the console a staff member may ask for."""
    pages = [
        ("queue", "/web/queue"),
        ("queue-overdue", "/web/queue?overdue=true"),
        ("queue-table", "/web/queue/table"),
        # The queue searched, filtered and sorted; the view of what waits for a dispatcher.
        ("queue-search", "/web/queue?q=o+ga&sort=priority"),
        ("queue-filtered", "/web/queue?band=soon&category_code=pothole&status=in_progress&sort=submitted"),
        ("queue-waiting", "/web/queue?status=submitted"),
        ("queue-table-search", "/web/queue/table?q=o+ga&band=overdue"),
        ("dispatch", "/web/dispatch"),
        ("intake", "/web/intake"),
        # A caller asks about a report handled to the end: its answer, with the result.
        ("intake-lookup", f"/web/intake?code={site.codes.get('resolved') or min(site.codes.values())}"),
        ("ioc", "/web/ioc"),
        ("ioc-summary", "/web/ioc/summary"),
        ("ioc-wall", "/web/ioc/wall"),
        # The performance review: the officers' table, a row's reports, an officer's page.
        ("ioc-tables-officer", "/web/ioc/tables?group=officer&period=quarter"),
        ("ioc-reports", "/web/ioc/reports?group=unit&code=05528-KTHT&period=quarter"),
        ("ioc-officer", f"/web/ioc/officers/{first_row(site, 'users')}"),
        ("ioc-monthly", "/web/ioc/monthly"),
        ("admin", "/web/admin"),
    ]
    for key, section in SECTIONS.items():
        pages.append((f"admin-{key}", f"/web/admin/{key}"))
        if section.get is not None:
            pages.append((f"admin-{key}-edit", f"/web/admin/{key}/{first_row(site, key)}"))
    for name, code in sorted(site.codes.items()):
        pages.append((f"report-{name}", f"/web/reports/{site.id_of(code)}"))
    pages.append(("report-unknown", f"/web/reports/{uuid.UUID(int=1)}"))
    # A report on paper: one handled to the end, one flagged, one waiting for the citizen.
    for name in ("resolved", "location_mismatch", "awaiting_info"):
        if name in site.codes:
            pages.append((f"print-{name}", f"/web/reports/{site.id_of(site.codes[name])}/print"))
    return pages


ROW_OF_SECTION = {
    # A row people look at: a busy unit, a category with a group, a rule with a unit, an officer.
    "units": "SELECT id FROM units WHERE code = '05528-KTHT'",
    "categories": "SELECT id FROM categories WHERE code = 'blocked_drain'",
    "routing-rules": "SELECT id FROM routing_rules WHERE group_code IS NOT NULL ORDER BY id LIMIT 1",
    "users": "SELECT id FROM users WHERE username = 'canbo.bachquang'",
    "reply-templates": "SELECT id FROM reply_templates ORDER BY id LIMIT 1",
}


def first_row(site: DemoSite, key: str) -> int:
    row = site.one(ROW_OF_SECTION[key])
    assert row is not None, key
    return int(row)


def expected_status(role: str, path: str) -> set[int]:
    """What the console answers ``role`` on ``path``, from service/web/policies.py."""
    page = ConsolePage(path.split("/")[2].split("?")[0].removesuffix("s"))  # "reports" -> "report"
    real_role = Role.officer if role == "other_officer" else Role(role)
    if real_role not in ALLOWED[page]:
        return {403}
    if path.startswith("/web/ioc/monthly") and not monthly.may_read(real_role):
        return {403}  # the province's report names every unit and officer (service/ioc/monthly.py)
    if path.endswith(str(uuid.UUID(int=1))):
        return {404}
    if page == ConsolePage.report and role == "other_officer":
        return {200, 404}  # another ward's reports: as service/reports/policies.py decides
    return {200}


def console_client(site: DemoSite, username: str, lang: str) -> httpx.Client:
    """A client logged in to the console through its login form, reading ``lang``."""
    client = httpx.Client(base_url=site.url, timeout=30)
    client.cookies.set("pa_lang", lang)
    form = client.get("/web/login")
    answer = client.post(
        "/web/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf": hidden_value(form.text, "csrf")},
    )
    assert answer.status_code == 303, (username, answer.status_code, answer.text[:500])
    return client


def anonymous_pages(site: DemoSite, lang: str) -> list[Shown]:
    """The login page, blank and refused, and what a citizen gets from the console."""
    with httpx.Client(base_url=site.url, timeout=30) as client:
        client.cookies.set("pa_lang", lang)
        form = client.get("/web/login")
        csrf = hidden_value(form.text, "csrf")
        wrong = client.post(
            "/web/login", data={"username": f"khong-co-{uuid.uuid4().hex[:6]}", "password": "sai", "csrf": csrf}
        )
        citizen = client.post(
            "/web/login", data={"username": DEMO_USERS["citizen"], "password": DEMO_PASSWORD, "csrf": csrf}
        )
    assert form.status_code == 200 and wrong.status_code == 401 and citizen.status_code == 403
    return [
        Shown("login", "/web/login", form.status_code, form.text),
        Shown("login-refused", "/web/login (wrong password)", wrong.status_code, wrong.text),
        Shown("login-citizen", "/web/login (a citizen)", citizen.status_code, citizen.text),
    ]


@pytest.fixture(scope="module")
def rendered(demo_site: DemoSite) -> dict[tuple[str, str], list[Shown]]:
    """(role, language) -> every page as that role got it."""
    started = time.monotonic()
    pages = console_pages(demo_site)
    shown: dict[tuple[str, str], list[Shown]] = {}
    for lang in LANGUAGES:
        shown[("anonymous", lang)] = anonymous_pages(demo_site, lang)
        for role, username in STAFF.items():
            client = console_client(demo_site, username, lang)
            try:
                shown[(role, lang)] = [
                    Shown(name, path, (answer := client.get(path)).status_code, answer.text) for name, path in pages
                ]
            finally:
                client.close()
    print(f"{sum(map(len, shown.values()))} pages rendered in {time.monotonic() - started:.1f} s")
    return shown


def _report(findings: dict[str, list[Finding]], role: str, lang: str) -> str:
    lines = [f"codes shown to {role} in {lang}:"]
    for page, found in findings.items():
        lines.append(f"  {page}")
        seen: set[tuple[str, str]] = set()
        for f in found:
            if (f.word, f.context) not in seen:
                seen.add((f.word, f.context))
                lines.append(f"    {f.word!r} in {f.where}: {f.context!r}")
    return "\n".join(lines)


ROLES = ["anonymous", *STAFF]


@on_the_site
@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_as_the_policy_says(rendered, role):
    wrong = [
        (page.name, page.status, page.path)
        for lang in LANGUAGES
        for page in rendered[(role, lang)]
        if role != "anonymous" and page.status not in expected_status(role, page.path)
    ]
    assert not wrong, f"{role}: unexpected answers {wrong}"
    # Every page a person may open is shown for real: a server error would hide its words.
    assert all(page.status < 500 for lang in LANGUAGES for page in rendered[(role, lang)])


def database_codes_shown(read: list[tuple[str, str]], codes: set[str]) -> list[Finding]:
    """Category and group codes: a snake_case one wherever it shows; a one-word one
    ("pothole", "lighting") when it is all a cell, an option or a heading says, since the
    same word may be part of an English name the admin pages show as data ("Street lighting")."""
    snake = [(c, _whole_word(c)) for c in sorted(codes) if "_" in c]
    found = codes_shown(read, snake)
    found += [Finding(text, where, text) for where, text in read if text in codes and "_" not in text]
    return found


@on_the_site
@pytest.mark.parametrize("role", ROLES)
def test_a_vietnamese_page_shows_no_code(rendered, demo_site, role):
    with demo_site.engine.connect() as connection:
        database_codes = set(
            connection.exec_driver_sql("SELECT code FROM categories UNION SELECT code FROM category_groups").scalars()
        )
    patterns = [(c, _whole_word(c)) for c in sorted(vocabulary_codes()) if c not in ORDINARY_VIETNAMESE]
    findings = {
        f"{page.name} ({page.path}, {page.status})": found
        for page in rendered[(role, "vi")]
        if (found := codes_shown(read := read_text(page.html), patterns) + database_codes_shown(read, database_codes))
    }
    assert not findings, _report(findings, role, "vi")


@on_the_site
@pytest.mark.parametrize("role", ROLES)
def test_an_english_page_shows_no_snake_case_code(rendered, role):
    hyphenated = [(c, _whole_word(c)) for c in sorted(vocabulary_codes()) if re.fullmatch(r"[a-z]+(?:-[a-z]+)+", c)]
    findings = {
        f"{page.name} ({page.path}, {page.status})": found
        for page in rendered[(role, "en")]
        if (found := snake_words_shown(read_text(page.html), hyphenated))
    }
    assert not findings, _report(findings, role, "en")


def test_the_reader_takes_what_a_person_reads_and_nothing_else():
    html = """<html><head><title>Hàng đợi</title><style>.in_progress{}</style></head><body>
      <script type="application/json">{"status": "in_progress"}</script>
      <img src="x.png" alt="Ảnh PA-2026-000001"><input name="code" value="blocked_drain">
      <input type="submit" value="Gửi"><button value="ward_police">Lưu</button>
      <select><optgroup label="Phường Bách Quang"><option value="pothole">Ổ gà</option></optgroup></select>
      <td data-label="Mã" data-status="assigned">x</td><a title="Xem ảnh lớn" aria-label="Ảnh">y</a>
      <input placeholder="Tìm"></body></html>"""
    read = [text for _, text in read_text(html)]
    assert read == [
        "Hàng đợi", "Ảnh PA-2026-000001", "Gửi", "ward_police", "Lưu", "Phường Bách Quang", "Ổ gà", "Mã", "x",
        "Xem ảnh lớn", "Ảnh", "y", "Tìm",
    ]  # fmt: skip
    patterns = [(c, _whole_word(c)) for c in ("request-info", "vi", "assigned")]
    found = codes_shown([("t", "Bấm request-info; phạm vi; request-info-x; assigned_to")], patterns)
    assert [f.word for f in found] == ["request-info", "vi"]
    assert [f.word for f in snake_words_shown([("t", "Ward ward_police, 05528-KTHT, IMG_0001")], [])] == ["ward_police"]
    shown = [("td", "lighting"), ("td", "Street lighting"), ("option", "blocked_drain — Tắc cống")]
    assert [f.word for f in database_codes_shown(shown, {"lighting", "blocked_drain"})] == ["blocked_drain", "lighting"]


# --- in Chromium: screenshots, script errors, accessibility --------------------------------------

WIDTHS = (1400, 390)
# The pages each role opens in the browser: every kind of page once, by the role whose day it
# is (the words test above covers every role on every page).
BROWSED: dict[str, tuple[str, ...]] = {
    "officer": (
        "queue",
        "queue-overdue",
        "report-assigned",
        "report-in_progress",
        "report-awaiting_info",
        "report-unknown",
        "admin",
    ),
    "other_officer": ("queue", "report-other_unit", "intake-lookup"),
    "unit_lead": (
        "queue",
        "queue-search",
        "queue-filtered",
        "ioc",
        "report-extension",
        "report-resolved",
        "print-resolved",
    ),
    "dispatcher": (
        "dispatch",
        "queue-waiting",
        "print-location_mismatch",
        "intake",
        "intake-lookup",
        "report-location_mismatch",
        "report-reused_photo",
        "report-returned",
        "report-duplicate",
        "report-rejected",
        "ioc-wall",
    ),
    "admin": (
        "ioc",
        "admin",
        *(f"admin-{key}" for key in SECTIONS),
        *(f"admin-{key}-edit" for key, section in SECTIONS.items() if section.get is not None),
        "report-closed",
    ),
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as launched:
        yield launched


def _logged_in(chromium: Browser, site: DemoSite, username: str) -> BrowserContext:
    context = chromium.new_context(**PAGE_DEFAULTS)
    page = context.new_page()
    page.goto(f"{site.url}/web/login")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('form.login button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/web/(queue|dispatch|ioc)"))
    page.close()
    return context


def _settled(page: Page) -> None:
    page.wait_for_load_state("load")
    # Leaflet draws after the deferred scripts run; photos load lazily.
    page.wait_for_timeout(150)


def _failed_loads(page: Page) -> list[str]:
    """Start recording what the page loads that fails (besides the page itself); the live list."""
    failed: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            failed.append(f"{response.status} {response.url}")

    def on_failure(request: Request) -> None:
        # Leaving a page cancels what it still loads (its live stream): no failure of the page.
        if request.failure != "net::ERR_ABORTED":
            failed.append(f"{request.failure} {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_failure)
    return failed


def _check(
    page: Page, url: str, shot: str, watched: tuple[list[str], list[str]], problems: dict[str, list[str]]
) -> None:
    errors, failed = watched
    del errors[:], failed[:]
    answer = page.goto(url)
    assert answer is not None
    _settled(page)
    screenshot(page, shot)
    # Chromium logs a refused page (403, 404) as a console error; that answer is the point of
    # the page, and any other failed load is still reported below.
    refused = f"Failed to load resource: the server responded with a status of {answer.status} "
    errors = [e for e in errors if not (answer.status >= 400 and e.startswith(f"console: {refused}"))]
    found = [f"script error: {e}" for e in errors] + [f"failed to load: {f}" for f in failed]
    found += serious_violations(page)
    if found:
        problems[shot] = found


@on_the_site
def test_every_page_in_chromium_at_a_desktop_and_a_phone_width_has_no_script_error_or_serious_violation(
    chromium, demo_site
):
    started = time.monotonic()
    pages = dict(console_pages(demo_site))
    problems: dict[str, list[str]] = {}
    anonymous = chromium.new_context(**PAGE_DEFAULTS)
    try:
        page = anonymous.new_page()
        watched = (page_errors(page), _failed_loads(page))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            _check(page, f"{demo_site.url}/web/login", f"login-{width}", watched, problems)
            # A citizen is turned away at the door.
            page.locator('input[name="username"]').fill(DEMO_USERS["citizen"])
            page.locator('input[name="password"]').fill(DEMO_PASSWORD)
            page.locator('form.login button[type="submit"]').click()
            page.wait_for_load_state("load")
            screenshot(page, f"error-citizen-{width}")
            problems.update({f"error-citizen-{width}": v} if (v := serious_violations(page)) else {})
    finally:
        anonymous.close()
    for role, names in BROWSED.items():
        context = _logged_in(chromium, demo_site, STAFF[role])
        try:
            page = context.new_page()
            watched = (page_errors(page), _failed_loads(page))
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for name in names:
                    # A page refused by design says so in its name: "admin-403-officer-390".
                    expected = expected_status(role, pages[name])
                    refused = f"-{min(expected)}" if min(expected) >= 400 else ""
                    shot = f"{name}{refused}-{role}-{width}"
                    _check(page, f"{demo_site.url}{pages[name]}", shot, watched, problems)
        finally:
            context.close()
    print(f"browser pass: {time.monotonic() - started:.1f} s")
    assert not problems, "\n".join(f"{shot}:\n  " + "\n  ".join(found) for shot, found in problems.items())
