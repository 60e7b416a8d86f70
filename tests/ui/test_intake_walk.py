"""A full intake in a real browser, as a lawyer does it, in English and then in Russian (chosen with the
language switch): invited by `article3 users create`, the lawyer sets a password, enrols the second
factor, signs in with both, adds a client with a Cyrillic name, a red notice, a detention and its
release, corrects the release date, uploads the court's decision, opens a CCF challenge and records it
admissible, finds its deadline on the home page, downloads the PDF dossier and signs out. Mistakes are
made on purpose on the way (passwords that differ, a wrong second-factor code, bad dates), each shown
beside its field, and a colleague's correction saved while the lawyer edits the same record is shown
beside the lawyer's before it is saved over.

Every page is checked with axe-core (no serious or critical violation) and, in Russian, for English
catalog messages; a screenshot of each is kept in test-artifacts/ui/intake-<lang>/ (committed).
Fields are found by their ids and links by their addresses, so one walk serves both languages; what the
lawyer reads is asserted in each language.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from typer.testing import CliRunner

from app.cli import app as cli
from app.services.challenge import add_months
from app.ui import session as ui_session
from tests.conftest import SECRET
from tests.ui.browser import ARTIFACTS, Watched
from tests.ui.conftest import Demo
from tests.ui.test_russian_pages import untranslated

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "Seven horses drink from the Vakhsh"
NAME = "Алишер Рахимов"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
TOTP_STEP_S = 30

# What the lawyer reads, in each language.
WORDS = {
    "en": {
        "switch": "English",
        "mismatch": "The two passwords differ.",
        "code": "That code was not accepted.",
        "date": "Enter a date as",
        "in_days": "in 10 days",
        "signed_out": "You are signed out.",
    },
    "ru": {
        "switch": "Русский",
        "mismatch": "Пароли не совпадают.",
        "code": "Код не принят.",
        "date": "Введите дату",
        "in_days": "через 10 дней",
        "signed_out": "Вы вышли из системы.",
    },
}


class Clock:
    """The interface's clock (sessions, second-factor steps), moved on by the walk: a code is accepted
    once per 30-second step, so signing in after enrolling waits for the next step, as a person would."""

    def __init__(self) -> None:
        self.offset_s = 0.0
        self.real = ui_session.now_s

    def now(self) -> float:
        return self.real() + self.offset_s

    def next_step(self) -> None:
        self.offset_s += TOTP_STEP_S


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(ui_session, "now_s", found.now)
    return found


def _invite(database_url: str, origin: str, username: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`article3 users create`, as an administrator runs it: the invitation URL is its last line."""
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    monkeypatch.setenv("ARTICLE3_PUBLIC_URL", f"{origin}/")
    created = CliRunner().invoke(
        cli, ["users", "create", "--org", "demo", "--role", "editor", "--username", username]
    )
    assert created.exit_code == 0, created.output
    url = created.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{origin}/ui/invitations/")
    return url


class Walk:
    """One language's walk: each step's page is photographed, checked with axe-core and, in Russian,
    searched for English catalog messages."""

    def __init__(self, tab: Watched, lang: str, username: str) -> None:
        self.tab = tab
        self.lang = lang
        self.username = username
        self.words = WORDS[lang]
        self.steps = 0
        self.typed: set[str] = set()  # what the lawyer typed: data, in whichever language
        self.english: dict[str, list[str]] = {}

    @property
    def page(self) -> Page:
        return self.tab.page

    def shot(self, name: str) -> None:
        self.steps += 1
        step = f"{self.steps:02d}-{name}"
        self.tab.shot(step)
        if self.lang == "ru":
            expect(self.page.locator("html")).to_have_attribute("lang", "ru")
            if found := untranslated(self.page.content(), data=frozenset(self.typed)):
                self.english[step] = found

    def fill(self, selector: str, text: str) -> None:
        self.typed.add(text)
        self.page.locator(selector).fill(text)

    def submit(self) -> None:
        self.page.locator("main form.record-form .form-actions button[type=submit]").click()

    def field_error(self, field: str) -> str:
        """The problem shown beside a field (its text), after checking the field points to it."""
        problem = self.page.locator(f"#f-{field}-error")
        expect(problem).to_be_visible()
        assert f"f-{field}-error" in (
            self.page.locator(f"#f-{field}").get_attribute("aria-describedby") or ""
        )
        expect(self.page.locator(f"#f-{field}")).to_have_attribute("aria-invalid", "true")
        return problem.inner_text()

    def follow(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.page.wait_for_load_state()

    def record_id(self, kind: str) -> str:
        """The id of the record the page was sent to after saving it (`…#notice-<id>`)."""
        found = re.search(rf"#{kind}-([\w-]+)$", self.page.url)
        assert found, self.page.url
        return found.group(1)


def _intake(walk: Walk, origin: str, invitation: str, clock: Clock, downloads: Path) -> None:
    page, words = walk.page, walk.words
    today = date.today()

    # The invitation: the language switch first (the footer's link), then a password typed twice.
    page.goto(invitation)
    if walk.lang != "en":
        page.locator("footer").get_by_role("link", name=words["switch"]).click()
    walk.shot("invitation")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_repeat").fill(PASSWORD + "!")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#password_repeat-error")).to_contain_text(words["mismatch"])
    walk.shot("invitation-passwords-differ")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_repeat").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The second factor, from the account page: a wrong code first, then the app's.
    page.goto(f"{origin}/ui/account")
    walk.shot("account")
    walk.follow("main a[href='/ui/account/totp']")
    expect(page.locator(".qr svg")).to_be_visible()
    walk.shot("second-factor-enrol")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    wrong = f"{(int(totp.at(clock.now())) + 1) % 1_000_000:06d}"
    page.locator("#code").fill(wrong)
    page.locator("main form[action='/ui/account/totp'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(words["code"])
    walk.shot("second-factor-wrong-code")
    page.locator("#code").fill(totp.at(clock.now()))
    page.locator("main form[action='/ui/account/totp'] button[type=submit]").click()
    expect(page).to_have_url(f"{origin}/ui/account?m=totp_on")
    walk.shot("second-factor-on")

    # Sign out, and in again with the password and the next code (a wrong one refused first).
    page.locator("form.signout button[type=submit]").click()
    expect(page).to_have_url(f"{origin}/ui/login?m=signed_out")
    page.locator("#username").fill(walk.username)
    page.locator("#password").fill(PASSWORD)
    walk.shot("sign-in")
    page.locator("form:has(#password) button[type=submit]").click()
    expect(page).to_have_url(f"{origin}/ui/login/second-factor")
    clock.next_step()
    page.locator("#code").fill(wrong)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(words["code"])
    walk.shot("sign-in-wrong-code")
    page.locator("#code").fill(totp.at(clock.now()))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{origin}/ui/")
    walk.shot("home")

    # A new client with a Cyrillic name; a date of birth typed the local way is refused beside its field.
    walk.follow("header a[href='/ui/persons/new']")
    walk.fill("#f-name", NAME)
    walk.fill("#f-aliases", "Alisher Rakhimov")
    walk.fill("#f-birth_date", "14.03.1979")
    walk.submit()
    assert words["date"] in walk.field_error("birth_date")
    expect(page.locator("#f-name")).to_have_value(NAME)  # what was typed is kept
    walk.shot("new-client-bad-date")
    walk.fill("#f-birth_date", "1979-03-14")
    walk.submit()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    person_url = page.url.split("?")[0]
    walk.shot("client")

    # A red notice from Tajikistan.
    walk.follow("main a[href$='/notices/new']")
    page.select_option("#f-channel", "red_notice")
    page.select_option("#f-requesting_state", "TJ")
    walk.fill("#f-issued_on", "2016-02-22")
    page.select_option("#f-status", "published")
    walk.fill("#f-charges-0-text", "Extremism (Art. 307)")
    walk.shot("notice-form")
    walk.submit()
    walk.record_id("notice")
    walk.shot("client-with-notice")

    # A detention in Germany on that notice, and the release.
    walk.follow("main a[href$='/detentions/new']")
    page.select_option("#f-host_state", "DE")
    page.select_option("#f-notice_id", index=1)
    walk.fill("#f-detained_on", "2016-05-10")
    walk.submit()
    detention = walk.record_id("detention")
    walk.follow(f"main a[href='/ui/detentions/{detention}/do/release']")
    walk.fill("#f-released_on", "2016-06-01")
    page.select_option("#f-reason", "extradition_refused")
    walk.shot("release-form")
    walk.submit()
    expect(page.locator(f"[id='detention-{detention}']")).to_contain_text("2016-06-01")

    # The release date corrected: a month that does not exist first.
    walk.follow(f"main a[href='/ui/detentions/{detention}/edit']")
    expect(page.locator("#f-released_on")).to_have_value("2016-06-01")
    walk.fill("#f-released_on", "2016-13-03")
    walk.submit()
    assert words["date"] in walk.field_error("released_on")
    walk.shot("correction-bad-date")
    # Meanwhile a colleague corrects the same detention (the place): saving over it is explained first.
    colleague = walk.tab.context.new_page()
    colleague.goto(page.url)
    colleague.locator("#f-place").fill("Frankfurt am Main")
    walk.typed.add("Frankfurt am Main")
    colleague.locator("main form.record-form .form-actions button[type=submit]").click()
    expect(colleague.locator(f"[id='detention-{detention}']")).to_contain_text("Frankfurt am Main")
    colleague.close()
    walk.fill("#f-released_on", "2016-06-03")
    walk.submit()
    conflict = page.locator("section.conflict")  # each field the lawyer changed: theirs, and what was typed
    expect(conflict).to_contain_text("2016-06-01")
    expect(conflict).to_contain_text("2016-06-03")
    walk.shot("correction-conflict")
    walk.submit()  # "save my changes over theirs": the release date, on top of their place
    row = page.locator(f"[id='detention-{detention}']")
    expect(row).to_contain_text("2016-06-03")
    expect(row).to_contain_text("Frankfurt am Main")
    walk.shot("client-release-corrected")

    # The court's decision, a PDF, supporting the detention.
    decision = downloads / "decision.pdf"
    decision.write_bytes(PDF)
    page.locator("#document-file").set_input_files(str(decision))
    walk.fill("#document-title", "Decision of the Higher Regional Court")
    page.select_option("#document-kind", "court_decision")
    walk.fill("#document-dated", "2016-06-01")
    page.locator(f"[id='document-record-{detention}']").check()
    walk.shot("upload")
    page.locator("#add-document form button[type=submit]").click()
    document = walk.record_id("document")
    expect(page.locator(f"[id='document-{document}']")).to_be_visible()

    # A CCF deletion request, filed and declared admissible: its deadline falls in 10 days.
    walk.follow("main a[href$='/challenges/new']")
    page.select_option("#f-forum", "ccf")
    page.select_option("#f-kind", "deletion")
    page.select_option("#f-notice_id", index=1)
    walk.fill("#f-reference", "CCF/2026/0042")
    walk.submit()
    challenge = walk.record_id("challenge")
    admissible = add_months(today, -9) + timedelta(days=10)
    for type_, on in (("filed", admissible - timedelta(days=30)), ("admissible", admissible)):
        walk.follow(f"main a[href='/ui/challenges/{challenge}/do/event']")
        page.select_option("#f-type", type_)
        walk.fill("#f-on", on.isoformat())
        if type_ == "admissible":
            walk.shot("challenge-admissible-form")
        walk.submit()
    expect(page.locator(f"[id='challenge-{challenge}']")).to_contain_text(
        (add_months(admissible, 9)).isoformat()
    )
    walk.shot("client-complete")

    # The home page shows the deadline, linked to the client.
    page.locator("header a.brand").click()
    expect(page).to_have_url(f"{origin}/ui/")
    due = page.locator("section:has(#challenges-heading)")
    expect(due.get_by_role("link", name=NAME)).to_have_attribute(
        "href", f"{person_url.removeprefix(origin)}#challenge-{challenge}"
    )
    expect(due).to_contain_text(words["in_days"])
    walk.shot("home-deadline")

    # The PDF dossier, from the client's page.
    due.get_by_role("link", name=NAME).click()
    with page.expect_download() as download:
        page.locator("main a[href$='/dossier.pdf']").click()
    dossier = downloads / f"dossier-{walk.lang}.pdf"
    download.value.save_as(str(dossier))
    text = "".join(p.extract_text() for p in PdfReader(dossier).pages)
    assert NAME in text
    assert "2016-06-03" in text

    # Signing out.
    page.locator("form.signout button[type=submit]").click()
    expect(page).to_have_url(f"{origin}/ui/login?m=signed_out")
    expect(page.get_by_role("status")).to_contain_text(words["signed_out"])
    walk.shot("signed-out")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_full_intake(
    browser: Browser,
    origin: str,
    database_url: str,
    demo: Demo,  # the organisation the lawyer joins (loaded into the database on PostgreSQL)
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    lang: str,
) -> None:
    invitation = _invite(database_url, origin, f"lawyer.{lang}", monkeypatch)
    tab = Watched(
        browser,
        origin,
        artifacts=ARTIFACTS / f"intake-{lang}",
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    walk = Walk(tab, lang, f"lawyer.{lang}")
    _intake(walk, origin, invitation, clock, tmp_path)
    tab.assert_accessible()
    assert walk.english == {}
    tab.assert_stayed_home()
    tab.context.close()
