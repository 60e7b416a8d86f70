"""End to end in a real browser: Debian's chromium, driven by Playwright, against the app served by uvicorn
on a migrated temporary database with the demo cases, as a lawyer would use it.

Screenshots of every page go to test-artifacts/ui/. Skipped only when /usr/bin/chromium is absent
(`apt-get install chromium`); Playwright never downloads a browser here.
"""

import json
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.token import Role
from app.services import user_account as user_service
from tests.conftest import OrgTokens
from tests.ui.browser import ARTIFACTS, Watched
from tests.ui.conftest import Demo, plain_token

pytestmark = [pytest.mark.slow, pytest.mark.browser]


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

    tab.assert_accessible()
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


LANGUAGES = {"en": "en-GB,en;q=0.9", "ru": "ru-RU,ru;q=0.9"}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_page_passes_axe_core(browser: Browser, origin: str, demo: Demo, lang: str) -> None:
    """No serious or critical accessibility violation on any page, in either language: sign-in (and its
    refusal), home, search, person, states, state, deadlines, sign-out, and the error pages."""
    _overdue_challenge(origin, demo)
    tab = Watched(
        browser, origin, locale=LANGUAGES[lang][:5], extra_http_headers={"Accept-Language": LANGUAGES[lang]}
    )
    page = tab.page
    page.goto(f"{origin}/ui/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    tab.shot(f"axe-{lang}-01-sign-in")
    page.locator("#token").fill("a3_not-a-real-token")
    page.locator("form:has(#token) button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    tab.shot(f"axe-{lang}-02-sign-in-refused")
    tab.sign_in(demo.tokens[Role.editor])
    person = demo.persons["Umarali Kuvvatov"]
    for name, path in (
        ("03-home", "/ui/"),
        ("04-search", "/ui/?q=Кувватов"),
        ("05-search-nothing", "/ui/?q=Nobody+Atall"),
        ("06-person", f"/ui/persons/{person}"),
        ("07-states", "/ui/states"),
        ("08-state", "/ui/states/TJ"),
        ("09-deadlines", "/ui/challenges"),
        ("10-sign-out", "/ui/logout"),
        ("11-not-found", "/ui/no-such-page"),
    ):
        page.goto(f"{origin}{path}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        tab.shot(f"axe-{lang}-{name}")
    page.goto(f"{origin}/ui/logout")
    page.locator("main form[action='/ui/logout'] button[type=submit]").click()
    tab.sign_in(demo.tokens[Role.admin])
    page.goto(f"{origin}/ui/users")
    expect(page.locator("#username")).to_be_visible()
    tab.shot(f"axe-{lang}-12-users")
    page.locator("form.signout button[type=submit]").click()
    tab.sign_in(demo.tokens[Role.analyst], landing="/ui/states")
    answer = page.goto(f"{origin}/ui/persons/{person}")
    assert answer is not None
    assert answer.status == 403
    tab.shot(f"axe-{lang}-13-forbidden")
    tab.assert_accessible()
    tab.assert_stayed_home()
    tab.context.close()


_FOCUS_SHOWN = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def _tab_to(tab: Watched, selector: str, *, most: int = 30) -> None:
    """Press Tab until the focus reaches `selector`; every element passed on the way shows its focus."""
    page = tab.page
    for _ in range(most):
        page.keyboard.press("Tab")
        assert page.evaluate(_FOCUS_SHOWN), page.evaluate("document.activeElement.outerHTML")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_the_keyboard_alone_signs_in_searches_and_opens_a_person(
    browser: Browser, origin: str, demo: Demo, database_url: str, keyring: Keyring
) -> None:
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        user, _ = user_service.create(
            session, org_id=demo.org_id, username="vera", role=Role.viewer, hours=1, by=None
        )
        user_service.set_password(session, user, "a long enough passphrase for vera")
    engine.dispose()
    tab = Watched(browser, origin, viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = tab.page
    page.goto(f"{origin}/ui/login")
    _tab_to(tab, "a.skip-link")
    assert page.locator("a.skip-link").is_visible()  # shown while it has the focus
    _tab_to(tab, "#username")
    page.keyboard.type("vera")
    _tab_to(tab, "#password", most=1)
    page.keyboard.type("a long enough passphrase for vera")
    _tab_to(tab, "form:has(#password) button[type=submit]", most=1)
    tab.shot("keyboard-01-sign-in-button-focused", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{origin}/ui/")

    _tab_to(tab, "a.skip-link")
    page.keyboard.press("Enter")  # past the header, straight to the search field
    _tab_to(tab, "#q", most=3)
    page.keyboard.type("Кувватов")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{origin}/ui/?q=%D0%9A%D1%83%D0%B2%D0%B2%D0%B0%D1%82%D0%BE%D0%B2")
    _tab_to(tab, "main a[href^='/ui/persons/']")
    tab.shot("keyboard-02-result-focused", full_page=False)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umarali Kuvvatov")
    _tab_to(tab, "a[href$='/dossier.pdf']")
    tab.shot("keyboard-03-dossier-focused", full_page=False)
    page.keyboard.press("Shift+Tab")  # and back
    assert page.evaluate(_FOCUS_SHOWN)
    tab.assert_accessible()
    tab.assert_stayed_home()
    tab.context.close()
