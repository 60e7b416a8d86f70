"""/docs works offline: Swagger UI and everything the page loads come from the package, no page
references another host, and the page's Content-Security-Policy allows nothing else."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Route, expect, sync_playwright

import app
from app.main import create_app
from app.settings import Settings
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS
from tests.ui.browser import serving as serving_in_thread

SWAGGER = Path(app.__file__).parent / "swagger"
TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
}


class References(HTMLParser):
    """Every URL a page makes the browser load or follow, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href", "data-openapi", "action", "srcset", "poster"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "script" and not found.get("src"):
            self.inline_scripts += 1


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


def test_docs_reference_no_other_host_and_every_asset_is_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    found = references(page.text)
    assert len(found.urls) >= 5  # favicon, stylesheet, two scripts, the OpenAPI document
    assert [u for u in found.urls if urlsplit(u).scheme or urlsplit(u).netloc or u.startswith("//")] == []
    assert found.inline_scripts == 0
    for url in found.urls:
        response = client.get(url)
        assert response.status_code == 200, url
        path = urlsplit(url).path
        if path == "/openapi.json":
            assert response.headers["content-type"] == "application/json"
            assert response.json()["info"]["title"] == "article3"
            continue
        expected = TYPES[Path(path).suffix]
        assert response.headers["content-type"].split(";")[0] in expected, url
        assert response.headers["x-content-type-options"] == "nosniff"
    scripts = [u for u in found.urls if u.split("?")[0].endswith(".js")]
    assert {Path(urlsplit(u).path).name for u in scripts} == {"swagger-ui-bundle.js", "docs.js"}


def test_the_docs_page_allows_nothing_from_another_origin(client: TestClient) -> None:
    csp = client.get("/docs").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'", "no inline script, no eval, no other host"
    for name, sources in directives.items():
        assert set(sources.split()) <= {"'self'", "'none'", "'unsafe-inline'", "data:"}, name
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"  # "Try it out" calls this server only


def test_our_script_sends_nothing_to_another_host() -> None:
    text = (SWAGGER / "docs.js").read_text()
    assert "http" not in text
    assert "validatorUrl: null" in text


def test_swagger_ui_ships_with_its_licence() -> None:
    assert "Apache License" in (SWAGGER / "LICENSE").read_text()
    assert "SmartBear" in (SWAGGER / "NOTICE").read_text()


def test_fastapis_cdn_pages_are_gone_and_docs_can_be_switched_off(
    client: TestClient, settings: Settings
) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
    off = Settings(**{**settings.model_dump(), "docs_enabled": False, "_env_file": None})
    with TestClient(create_app(off)) as closed:
        for path in ("/docs", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
            assert closed.get(path).status_code == 404, path


@pytest.mark.parametrize("name", ["../settings.py", "..%2Fsettings.py", "%2e%2e/main.py"])
def test_the_assets_directory_serves_nothing_else(client: TestClient, name: str) -> None:
    assert client.get(f"/docs/assets/{name}").status_code == 404


@pytest.mark.slow
def test_docs_work_in_a_browser_that_may_reach_nothing_else(app: FastAPI) -> None:
    """Chromium, with every request to another host refused: Swagger UI renders the operations, and
    neither the page nor its scripts ask another host for anything or break the page's policy."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    elsewhere: list[str] = []
    console: list[str] = []
    with serving_in_thread(app) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

            def route(request: Route) -> None:
                if request.request.url.startswith(origin + "/"):
                    request.continue_()
                else:
                    elsewhere.append(request.request.url)
                    request.abort()

            page.route("**/*", route)
            page.goto(f"{origin}/docs")
            expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=20_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    assert "/api/v1/persons" in {p.replace("\u200b", "") for p in paths}
    assert elsewhere == []
    assert [m for m in console if m.startswith("error")] == []
