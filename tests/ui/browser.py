"""What the browser tests share: Debian's chromium driven by Playwright, the app served by uvicorn on a
free port, a browser context that keeps every request and console error, and axe-core on every page.

Playwright never downloads a browser here, and axe-core comes inside the `axe-playwright-python` wheel
(Deque's axe.min.js, MPL-2.0): nothing is fetched while the tests run.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

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
BLOCKING = frozenset({"serious", "critical"})  # axe's two worst impacts: the ones a page must never have
_AXE = Axe()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a thread, on a free port of 127.0.0.1; yields its origin."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", ws="none", access_log=False
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


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per element."""
    results = _AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


class Watched:
    """A browser context whose every request and console error is kept, to prove nothing left the app.

    Each `shot` also runs axe-core on the page (when the context runs scripts: axe is a script), so every
    page a test photographs is checked for serious and critical accessibility violations."""

    def __init__(self, browser: Browser, origin: str, *, artifacts: Path = ARTIFACTS, **options: Any) -> None:
        self.origin = origin
        self.artifacts = artifacts
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.accessibility: dict[str, list[str]] = {}
        self.scripts = options.get("java_script_enabled", True)
        self.context: BrowserContext = browser.new_context(accept_downloads=True, **options)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # The status of a page we asked for (401 at a refused sign-in, 404) is logged too: not a fault.
        if message.type == "error" and not message.text.startswith(EXPECTED_STATUS_LOG):
            self.console_errors.append(message.text)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=full_page)
        if self.scripts:
            self.check(name)

    def check(self, name: str) -> None:
        """Run axe-core on the page; its problems are kept under `name` (see `assert_accessible`)."""
        self.accessibility[name] = accessibility_problems(self.page)

    def sign_in(self, token: str, *, landing: str = "/ui/") -> None:
        """Sign in with an access token (the sign-in page's second form)."""
        self.page.goto(f"{self.origin}/ui/login")
        self.page.locator("#token").fill(token)
        self.page.locator("form:has(#token) button[type=submit]").click()
        expect(self.page).to_have_url(f"{self.origin}{landing}")

    def assert_accessible(self) -> None:
        """Every page checked had no serious or critical violation (all are reported at once)."""
        assert self.accessibility, "no page was checked"
        assert {name: found for name, found in self.accessibility.items() if found} == {}

    def assert_stayed_home(self) -> None:
        assert self.requests, "no request was seen"
        elsewhere = [url for url in self.requests if not url.startswith(self.origin + "/")]
        assert elsewhere == []
        assert self.console_errors == []  # a CSP violation ("Refused to load…") would be reported here
