"""End to end in a real browser: Debian's chromium, driven by Playwright, against the app served by uvicorn
on a migrated temporary database with the demo cases, as a lawyer would use it.

Screenshots of every page go to test-artifacts/ui/. Skipped only when /usr/bin/chromium is absent
(`apt-get install chromium`); Playwright never downloads a browser here.
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from app.models.token import Role
from tests.conftest import OrgTokens
from tests.ui.conftest import Demo, plain_token, with_ui

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
EXPECTED_STATUS_LOG = "Failed to load resource: the server responded with a status of"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a thread, on a free port of 127.0.0.1; yields its origin."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=_free_port(), log_level="warning", ws="none", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        time.sleep(0.05)
    else:
        pytest.fail("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def origin(app: FastAPI) -> Iterator[str]:
    with _serving(with_ui(app)) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A browser context whose every request and console error is kept, to prove nothing left the app."""

    def __init__(self, browser: Browser, origin: str, **options: Any) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.context: BrowserContext = browser.new_context(accept_downloads=True, **options)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # The status of a page we asked for (401 at a refused sign-in, 404) is logged too: not a fault.
        if message.type == "error" and not message.text.startswith(EXPECTED_STATUS_LOG):
            self.console_errors.append(message.text)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    def sign_in(self, token: str) -> None:
        self.page.goto(f"{self.origin}/ui/login")
        self.page.get_by_label("Access token").fill(token)
        self.page.get_by_role("button", name="Sign in with the token").click()
        expect(self.page).to_have_url(f"{self.origin}/ui/")

    def assert_stayed_home(self) -> None:
        assert self.requests, "no request was seen"
        elsewhere = [url for url in self.requests if not url.startswith(self.origin + "/")]
        assert elsewhere == []
        assert self.console_errors == []  # a CSP violation ("Refused to load…") would be reported here


def _overdue_challenge(origin: str, demo: Demo) -> None:
    """An admissible CCF deletion request on Kuvvatov, past its nine-month deadline."""
    headers = demo.headers(Role.editor)
    with httpx.Client(base_url=origin, headers=headers) as api:
        created = api.post(
            "/api/v1/challenges",
            json={
                "person_id": demo.persons["Umarali Kuvvatov"],
                "forum": "ccf",
                "kind": "deletion",
                "reference": "CCF/2024/0117",
            },
        )
        assert created.status_code == 201, created.text
        admissible = date.today() - timedelta(days=400)
        for type_, on in (("filed", admissible - timedelta(days=60)), ("admissible", admissible)):
            event = api.post(
                f"/api/v1/challenges/{created.json()['id']}/events",
                json={"type": type_, "on": on.isoformat()},
            )
            assert event.status_code == 200, event.text


def test_a_lawyers_journey(browser: Browser, origin: str, demo: Demo, org_b: OrgTokens) -> None:
    _overdue_challenge(origin, demo)
    tab = Watched(browser, origin, viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = tab.page

    # Signing in: a stranger is sent to the form; a wrong token is refused plainly.
    page.goto(f"{origin}/ui/")
    expect(page).to_have_url(f"{origin}/ui/login")
    tab.shot("01-sign-in")
    page.get_by_label("Access token").fill("a3_not-a-real-token")
    page.get_by_role("button", name="Sign in with the token").click()
    expect(page.get_by_role("alert")).to_contain_text("That token was not accepted.")
    tab.shot("02-sign-in-refused")
    tab.sign_in(demo.tokens[Role.viewer])
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    tab.shot("03-persons")

    # The keyboard: the first Tab reaches the skip link, which moves the focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Search a name in Cyrillic.
    page.get_by_label("Name, in any spelling or script").fill("Кувватов")
    page.keyboard.press("Enter")
    result = page.get_by_role("link", name="Umarali Kuvvatov")
    expect(result).to_be_visible()
    row = page.get_by_role("row").filter(has=result)
    score = float(row.locator("td.num").inner_text())
    assert 0.5 <= score <= 1
    tab.shot("04-search-cyrillic")

    # The person: timeline, indicators, records.
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umarali Kuvvatov")
    # The 9 facts of the case, the end of his Istanbul custody by his death, his death, the
    # challenge's 2 events.
    expect(page.locator(".timeline li")).to_have_count(13)
    expect(page.locator(".timeline li").first.locator("time")).to_have_text("2012")
    expect(page.locator(".overdue").first).to_contain_text("overdue")
    tab.shot("05-person")

    # Follow a flag's evidence to its record.
    evidence = page.locator(".flag .evidence a[href^='#']").first
    target = (evidence.get_attribute("href") or "").lstrip("#")
    assert target
    evidence.click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#{target}")
    assert page.evaluate("document.querySelector(':target').id") == target
    expect(page.locator(f"[id='{target}']")).to_be_in_viewport()
    tab.shot("06-evidence", full_page=False)

    # Download the dossier, as Markdown and as JSON.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with page.expect_download() as markdown_download:
        page.get_by_role("link", name="Download as Markdown").click()
    markdown = ARTIFACTS / "dossier-kuvvatov.md"
    markdown_download.value.save_as(str(markdown))
    assert markdown_download.value.suggested_filename.endswith(".md")
    assert markdown.read_text(encoding="utf-8").startswith("# Dossier: Umarali Kuvvatov")
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download as JSON").click()
    as_json = ARTIFACTS / "dossier-kuvvatov.json"
    json_download.value.save_as(str(as_json))
    assert json.loads(as_json.read_text(encoding="utf-8"))["person"]["name"] == "Umarali Kuvvatov"

    # The states: the ranking, then one state's page with its charts.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="States").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requesting states")
    tab.shot("07-states")
    page.get_by_role("link", name="Tajikistan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tajikistan")
    expect(page.locator("svg.chart")).to_have_count(2)
    expect(page.get_by_role("img", name="Indicators by number of persons, Tajikistan")).to_be_visible()
    tab.shot("08-state")

    # The deadlines.
    page.get_by_role("link", name="Deadlines").click()
    expect(page.locator(".overdue")).to_contain_text("overdue by")
    tab.shot("09-deadlines")

    # Sign out: the pages are gone, even by their address.
    person_url = f"{origin}/ui/persons/{demo.persons['Umarali Kuvvatov']}"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{origin}/ui/login?m=signed_out")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    tab.shot("10-signed-out")
    page.goto(person_url)
    expect(page).to_have_url(f"{origin}/ui/login")

    # A second organisation sees none of it.
    tab.sign_in(plain_token(org_b, Role.admin))
    expect(page.locator("a[href^='/ui/persons/']:not([href='/ui/persons/new'])")).to_have_count(0)
    page.get_by_label("Name, in any spelling or script").fill("Кувватов")
    page.keyboard.press("Enter")
    expect(page.get_by_text("No person of your organisation matches this name.")).to_be_visible()
    tab.shot("11-other-organisation-search")
    answer = page.goto(person_url)
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    tab.shot("12-other-organisation-person")
    page.goto(f"{person_url}/dossier.md")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    page.goto(f"{origin}/ui/challenges")
    expect(page.get_by_text("Umarali Kuvvatov")).to_have_count(0)
    tab.shot("13-other-organisation-deadlines")

    tab.assert_stayed_home()
    tab.context.close()


def test_reading_works_with_javascript_off_on_a_phone_in_russian(
    browser: Browser, origin: str, demo: Demo
) -> None:
    tab = Watched(
        browser,
        origin,
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    page = tab.page
    page.goto(f"{origin}/ui/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Вход")
    tab.shot("20-phone-sign-in-ru")
    page.get_by_label("Токен доступа").fill(demo.tokens[Role.viewer])
    page.get_by_role("button", name="Войти с токеном").click()
    page.get_by_label("Имя в любом написании и алфавите").fill("Quvvatov")
    page.get_by_role("button", name="Поиск").click()
    page.get_by_role("link", name="Umarali Kuvvatov").click()
    expect(page.get_by_role("heading", level=2, name="Хронология")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
    tab.shot("21-phone-person-ru")
    page.locator(".flag .evidence a[href^='#']").first.click()
    assert "#" in page.url
    page.goto(f"{origin}/ui/states/TJ")
    expect(page.locator("svg.chart")).to_have_count(2)
    tab.shot("22-phone-state-ru")
    tab.assert_stayed_home()
    tab.context.close()
