"""People sign in as people (issue 20, part 1): an invitation, the password rules with each problem beside
its field in English and Russian, TOTP enrolment forced on administrators, sign-in with a password and
TOTP (codes computed with pyotp as an authenticator app would), wrong and replayed codes, throttling
per account and per address, idle expiry, disabled accounts, and the audit trail naming the user."""

import re

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.main import create_app
from app.models.token import Role
from app.models.user_account import UserAccount
from app.services import user_account as user_service
from app.settings import Settings
from app.ui import session as ui_session
from tests.conftest import SECRET
from tests.ui.conftest import CSP, Demo, audit_since, csrf_of, invite, last_seq, with_ui

PASSWORD = "violet kettle harbour 42"
NOW = 1_900_000_020.0  # the start of a 30-second step
SESSION_COOKIE = "__Host-a3_session"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The web interface's clock (sessions and TOTP steps), moved by the test."""
    now = [NOW]
    monkeypatch.setattr(ui_session, "now_s", lambda: now[0])
    return now


def account(database_url: str, keyring: Keyring, username: str) -> UserAccount:
    """The account as stored, its TOTP secret decrypted."""
    engine = make_engine(database_url, writer=False, keyring=keyring, pooled=False)
    try:
        with Session(engine) as session:
            found = session.exec(
                select(UserAccount).where(UserAccount.username_key == username.casefold())
            ).one()
            session.expunge(found)
            return found
    finally:
        engine.dispose()


def set_password(client: TestClient, path: str, password: str = PASSWORD) -> str:
    form = client.get(path)
    answer = client.post(
        path,
        data={"password": password, "password_repeat": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def enrol(client: TestClient, now: float) -> str:
    """Scan the page's key (read from its text, as one would type it) and confirm with a code."""
    page = client.get("/ui/account/totp")
    assert page.status_code == 200
    found = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert found
    secret = found.group(1).replace(" ", "")
    answer = client.post(
        "/ui/account/totp",
        data={"code": pyotp.TOTP(secret).at(now), "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ui/account?m=totp_on"
    return secret


def sign_out(client: TestClient) -> None:
    page = client.get("/ui/logout")
    client.post("/ui/logout", data={"csrf": csrf_of(page.text)})
    client.cookies.clear()


def password_step(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/ui/login")
    answer: httpx.Response = client.post(
        "/ui/login",
        data={"username": username, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    return answer


def code_step(client: TestClient, code: str) -> httpx.Response:
    form = client.get("/ui/login/second-factor")
    assert form.status_code == 200, form.headers.get("location")
    answer: httpx.Response = client.post(
        "/ui/login/second-factor", data={"code": code, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    return answer


def test_an_admin_is_invited_chooses_a_password_enrols_totp_and_signs_in_with_it(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine, clock: list[float]
) -> None:
    path = invite(database_url, keyring, demo.org_id, "Anna.Admin", Role.admin)
    form = ui_client.get(path)
    assert form.status_code == 200
    for field in ('name="password"', 'name="password_repeat"', 'name="csrf"'):
        assert field in form.text
    assert form.headers["content-security-policy"] == CSP
    assert form.headers["referrer-policy"] == "no-referrer" or 'content="no-referrer"' in form.text

    # The admin's first page is the enrolment page, whatever page they ask for.
    assert set_password(ui_client, path) == "/ui/account/totp"
    for page in ("/ui/", "/ui/states", "/ui/users", "/ui/account"):
        answer = ui_client.get(page, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/ui/account/totp"), page
    enrolment = ui_client.get("/ui/account/totp")
    assert "<svg" in enrolment.text
    assert "http" not in enrolment.text.split("<svg", 1)[1].split("</svg>")[0]
    assert enrolment.headers["content-security-policy"] == CSP
    secret = enrol(ui_client, clock[0])
    assert account(database_url, keyring, "anna.admin").totp_secret == secret
    assert ui_client.get("/ui/", follow_redirects=False).status_code == 200
    sign_out(ui_client)

    # Password, then the code from the app: a wrong one and the one already used are refused.
    clock[0] += 120
    first = password_step(ui_client, "ANNA.admin")
    assert (first.status_code, first.headers["location"]) == (303, "/ui/login/second-factor")
    assert SESSION_COOKIE not in first.cookies
    wrong = code_step(ui_client, "000000" if pyotp.TOTP(secret).at(clock[0]) != "000000" else "111111")
    assert wrong.status_code == 401
    assert "That code was not accepted." in wrong.text
    assert ui_client.get("/ui/", follow_redirects=False).headers["location"] == "/ui/login"
    code = pyotp.TOTP(secret).at(clock[0])
    right = code_step(ui_client, code)
    assert (right.status_code, right.headers["location"]) == (303, "/ui/")
    home = ui_client.get("/ui/")
    assert home.status_code == 200
    assert "Anna.Admin" in home.text
    sign_out(ui_client)
    assert password_step(ui_client, "anna.admin").status_code == 303
    assert code_step(ui_client, code).status_code == 401  # replayed: a code is accepted once
    clock[0] += 30
    assert (
        code_step(ui_client, pyotp.TOTP(secret).at(clock[0] - 30)).status_code == 401
    )  # still the same step
    assert code_step(ui_client, pyotp.TOTP(secret).at(clock[0])).status_code == 303


def test_password_rules_are_shown_beside_their_fields_in_english_and_russian(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine
) -> None:
    path = invite(database_url, keyring, demo.org_id, "boris", Role.editor)
    csrf = csrf_of(ui_client.get(path).text)
    cases = [
        ("short pass", "short pass", "en", "Use at least 12 characters.", "password-error"),
        ("passwordpassword", "passwordpassword", "en", "among the most common", "password-error"),
        ("Password1234!", "Password1234!", "en", "among the most common", "password-error"),
        ("BORIS", "BORIS", "en", "Use at least 12 characters.", "password-error"),
        (PASSWORD, PASSWORD + "x", "en", "The two passwords differ.", "password_repeat-error"),
        ("short pass", "short pass", "ru", "Используйте не менее 12 символов.", "password-error"),
        ("qwerty123456", "qwerty123456", "ru", "среди самых распространённых", "password-error"),
        (PASSWORD, PASSWORD + "x", "ru", "Пароли не совпадают.", "password_repeat-error"),
    ]
    for password, repeat, lang, message, field in cases:
        answer = ui_client.post(
            path,
            data={"password": password, "password_repeat": repeat, "csrf": csrf},
            headers={"Accept-Language": lang},
            follow_redirects=False,
        )
        assert answer.status_code == 422, (password, answer.text)
        assert f'id="{field}"' in answer.text
        assert message in answer.text.split(f'id="{field}"', 1)[1].split("</p>", 1)[0], (password, lang)
        assert password not in answer.text  # nothing typed is sent back
    assert account(database_url, keyring, "boris").password_hash is None
    assert set_password(ui_client, path) == "/ui/"  # not an admin: signed in at once
    assert ui_client.get("/ui/").status_code == 200
    used = ui_client.get(path)
    assert used.status_code == 404
    assert "This invitation link no longer works" in used.text
    assert 'name="password"' not in used.text


def test_wrong_username_and_wrong_password_answer_alike_and_are_throttled(
    app: FastAPI, demo: Demo, database_url: str, keyring: Keyring
) -> None:
    path = invite(database_url, keyring, demo.org_id, "carla", Role.viewer)
    with TestClient(with_ui(app), base_url="https://testserver", client=("203.0.113.5", 5000)) as first:
        set_password(first, path)
        sign_out(first)
        assert password_step(first, "carla", "another wrong one").status_code == 401
        unknown = password_step(first, "nobody-here", "whatever it is 123")
        wrong = password_step(first, "carla", "whatever it is 123")
        assert unknown.status_code == wrong.status_code == 401
        strip = re.compile(r'value="[^"]*"')
        assert strip.sub("", unknown.text) == strip.sub("", wrong.text)
        for _ in range(3):  # five failures in all for this account
            assert password_step(first, "carla", "whatever it is 123").status_code == 401
        # Five failures for this account: even the right password waits, with a clear message.
        throttled = password_step(first, "carla")
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0
        assert "Too many failed attempts." in throttled.text
    # From another address too: the account's count is the account's.
    with TestClient(with_ui(app), base_url="https://testserver", client=("198.51.100.7", 5000)) as other:
        assert password_step(other, "carla").status_code == 429
        assert password_step(other, "Someone.Else", "x" * 12).status_code == 401


def test_failures_from_one_address_are_throttled_across_accounts(
    app: FastAPI, demo: Demo, database_url: str, keyring: Keyring
) -> None:
    path = invite(database_url, keyring, demo.org_id, "dmitri", Role.viewer)
    with TestClient(with_ui(app), base_url="https://testserver", client=("203.0.113.9", 5000)) as guesser:
        set_password(guesser, path)
        sign_out(guesser)
        for n in range(19):
            assert password_step(guesser, f"guess{n % 4}-{n}", "not the password").status_code == 401
        # A successful sign-in of one's own account does not reset the address's count for others.
        assert password_step(guesser, "dmitri").status_code == 303
        sign_out(guesser)
        assert password_step(guesser, "another-guess", "not the password").status_code == 401
        assert password_step(guesser, "yet-another", "not the password").status_code == 429
        assert password_step(guesser, "dmitri").status_code == 429
    with TestClient(with_ui(app), base_url="https://testserver", client=("198.51.100.8", 5000)) as elsewhere:
        assert password_step(elsewhere, "dmitri").status_code == 303


def test_a_session_ends_after_30_idle_minutes_and_each_page_extends_it(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, clock: list[float]
) -> None:
    set_password(ui_client, invite(database_url, keyring, demo.org_id, "elena", Role.viewer))
    for _ in range(4):  # two hours of work, a page every 20 minutes
        clock[0] += 20 * 60
        assert ui_client.get("/ui/", follow_redirects=False).status_code == 200
    clock[0] += 30 * 60
    ended = ui_client.get("/ui/", follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (303, "/ui/login?m=ended")


def test_a_disabled_or_demoted_user_loses_access_at_once(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine
) -> None:
    set_password(ui_client, invite(database_url, keyring, demo.org_id, "fyodor", Role.editor))
    person = next(iter(demo.persons.values()))
    assert ui_client.get(f"/ui/persons/{person}").status_code == 200
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE user_account SET role = 'analyst' WHERE username_key = 'fyodor'"))
    assert ui_client.get(f"/ui/persons/{person}").status_code == 403
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        user_service.disable(
            session, session.get_one(UserAccount, account(database_url, keyring, "fyodor").id), by=None
        )
    engine.dispose()
    ended = ui_client.get("/ui/states", follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (303, "/ui/login?m=ended")
    assert password_step(ui_client, "fyodor").status_code == 401


def test_audit_entries_name_the_user(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine
) -> None:
    set_password(ui_client, invite(database_url, keyring, demo.org_id, "galina", Role.viewer))
    user_id = account(database_url, keyring, "galina").id
    seq = last_seq(db)
    person = next(iter(demo.persons.values()))
    assert ui_client.get(f"/ui/persons/{person}").status_code == 200
    entries = audit_since(db, seq)
    assert entries[0].action == "person.read"
    assert {e.actor for e in entries} == {user_id}
    listed = ui_client.get("/api/v1/audit", headers=demo.headers(Role.admin)).json()["items"]
    assert (listed[0]["actor"], listed[0]["actor_username"]) == (user_id, "galina")
    assert {e["action"] for e in listed if e["actor"] == user_id} >= {"person.read", "user.signed_in"}
    tokens_own = [e for e in listed if e["actor"] == demo.token_ids[Role.admin]]
    assert all(e["actor_username"] is None for e in tokens_own)
    signed_in = [
        e for e in audit_since(db, 0) if e.action in {"user.created", "user.password_set", "user.signed_in"}
    ]
    assert [(e.action, e.actor) for e in signed_in] == [
        ("user.created", "cli"),
        ("user.password_set", user_id),
        ("user.signed_in", user_id),
    ]


def signed_in_admin(client: TestClient, database_url: str, keyring: Keyring, org_id: str, now: float) -> str:
    assert (
        set_password(client, invite(database_url, keyring, org_id, "root.admin", Role.admin))
        == "/ui/account/totp"
    )
    return enrol(client, now)


def test_an_admin_invites_resets_and_disables_users_from_the_users_page(
    app: FastAPI, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine, clock: list[float]
) -> None:
    with (
        TestClient(with_ui(app), base_url="https://testserver") as admin,
        TestClient(with_ui(app), base_url="https://testserver") as newcomer,
    ):
        signed_in_admin(admin, database_url, keyring, demo.org_id, clock[0])
        page = admin.get("/ui/users")
        assert page.status_code == 200
        assert "root.admin" in page.text
        csrf = csrf_of(page.text)
        assert admin.post("/ui/users", data={"username": "x", "role": "editor"}).status_code == 403  # no CSRF
        bad = admin.post("/ui/users", data={"username": "a b", "role": "editor", "csrf": csrf})
        assert bad.status_code == 422
        assert "Use 2 to 64 letters" in bad.text.split('id="username-error"', 1)[1]
        taken = admin.post(
            "/ui/users",
            data={"username": "ROOT.admin", "role": "editor", "csrf": csrf},
            headers={"Accept-Language": "ru"},
        )
        assert taken.status_code == 422
        assert "Это имя пользователя уже занято." in taken.text
        created = admin.post("/ui/users", data={"username": "Hanna", "role": "editor", "csrf": csrf})
        assert created.status_code == 200
        link = re.search(
            r'<code class="secret">https://testserver(/ui/invitations/[^<]+)</code>', created.text
        )
        assert link, "the invitation link is shown once"
        assert link.group(1) not in admin.get("/ui/users").text
        assert set_password(newcomer, link.group(1)) == "/ui/"
        assert newcomer.get("/ui/users").status_code == 403  # an editor is no admin

        # The editor enrols TOTP from their account page; the admin resets it: the editor's session ends.
        assert newcomer.get("/ui/account").status_code == 200
        enrol(newcomer, clock[0])
        hanna = account(database_url, keyring, "hanna")
        assert hanna.totp_secret is not None
        seq = last_seq(db)
        reset = admin.post(f"/ui/users/{hanna.id}/totp-reset", data={"csrf": csrf}, follow_redirects=False)
        assert (reset.status_code, reset.headers["location"]) == (303, "/ui/users?m=totp_reset")
        assert account(database_url, keyring, "hanna").totp_secret is None
        assert newcomer.get("/ui/", follow_redirects=False).headers["location"] == "/ui/login?m=ended"
        admin_id = account(database_url, keyring, "root.admin").id
        assert [(e.action, e.actor, e.object_id) for e in audit_since(db, seq)] == [
            ("user.totp_reset", admin_id, hanna.id)
        ]
        # A new link (a lost password) replaces the password; disabling ends everything.
        again = admin.post(f"/ui/users/{hanna.id}/invitation", data={"csrf": csrf})
        assert "/ui/invitations/" in again.text
        assert password_step(newcomer, "hanna").status_code == 401
        disabled = admin.post(f"/ui/users/{hanna.id}/disable", data={"csrf": csrf}, follow_redirects=False)
        assert disabled.status_code == 303
        listing = admin.get("/ui/users").text
        assert "Disabled" in listing
        other_org_user = admin.post(f"/ui/users/{demo.org_id}/disable", data={"csrf": csrf})
        assert other_org_user.status_code == 404
        assert (
            admin.post(f"/ui/users/{admin_id}/disable", data={"csrf": csrf}).status_code == 403
        )  # not oneself


def test_a_user_changes_their_password_and_turns_totp_on_and_off(
    app: FastAPI, demo: Demo, database_url: str, keyring: Keyring, clock: list[float]
) -> None:
    with (
        TestClient(with_ui(app), base_url="https://testserver") as browser,
        TestClient(with_ui(app), base_url="https://testserver") as elsewhere,
    ):
        set_password(browser, invite(database_url, keyring, demo.org_id, "ivan", Role.viewer))
        assert password_step(elsewhere, "ivan").status_code == 303
        page = browser.get("/ui/account")
        csrf = csrf_of(page.text)
        new = "quiet river under stone"
        wrong = browser.post(
            "/ui/account/password",
            data={"current_password": "not it at all", "password": new, "password_repeat": new, "csrf": csrf},
        )
        assert wrong.status_code == 422
        assert "This is not your current password." in wrong.text.split('id="current_password-error"', 1)[1]
        changed = browser.post(
            "/ui/account/password",
            data={"current_password": PASSWORD, "password": new, "password_repeat": new, "csrf": csrf},
            follow_redirects=False,
        )
        assert (changed.status_code, changed.headers["location"]) == (303, "/ui/account?m=password")
        assert browser.get("/ui/account").status_code == 200  # this session goes on
        assert elsewhere.get("/ui/", follow_redirects=False).headers["location"] == "/ui/login?m=ended"
        assert password_step(elsewhere, "ivan").status_code == 401
        assert password_step(elsewhere, "ivan", new).status_code == 303

        secret = enrol(browser, clock[0])
        clock[0] += 30
        csrf = csrf_of(browser.get("/ui/account").text)
        refused = browser.post("/ui/account/totp/remove", data={"code": "12345", "csrf": csrf})
        assert refused.status_code == 422
        off = browser.post(
            "/ui/account/totp/remove",
            data={"code": pyotp.TOTP(secret).at(clock[0]), "csrf": csrf},
            follow_redirects=False,
        )
        assert off.headers["location"] == "/ui/account?m=totp_off"
        assert account(database_url, keyring, "ivan").totp_secret is None


def test_a_token_still_signs_in_and_has_no_account_page(ui_client: TestClient, demo: Demo) -> None:
    form = ui_client.get("/ui/login")
    answer = ui_client.post(
        "/ui/login",
        data={"token": demo.tokens[Role.editor], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/ui/"
    assert ui_client.get("/ui/").status_code == 200
    assert ui_client.get("/ui/account").status_code == 404


def test_an_expired_invitation_and_a_slow_second_factor_say_so(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine, clock: list[float]
) -> None:
    path = invite(database_url, keyring, demo.org_id, "Jana", Role.editor)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE user_account SET invitation_expires_at = '2020-01-01 00:00:00.000000'"))
    expired = ui_client.get(path)
    assert expired.status_code == 404
    assert "The link has expired, has already been used, or was replaced by a newer one." in expired.text
    assert ui_client.get("/ui/invitations/not-a-real-one").status_code == 404

    path = invite(database_url, keyring, demo.org_id, "Karl", Role.editor)
    set_password(ui_client, path)
    secret = enrol(ui_client, clock[0])
    sign_out(ui_client)
    assert password_step(ui_client, "karl").headers["location"] == "/ui/login/second-factor"
    clock[0] += ui_session.PENDING_TTL_S + 1  # the code comes too late: sign in again
    late = ui_client.get("/ui/login/second-factor", follow_redirects=False)
    assert (late.status_code, late.headers["location"]) == (303, "/ui/login?m=expired")
    form = ui_client.get("/ui/login")
    posted = ui_client.post(
        "/ui/login/second-factor",
        data={"code": pyotp.TOTP(secret).at(clock[0]), "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert posted.headers["location"] == "/ui/login?m=expired"
    assert "The sign-in took too long." in ui_client.get("/ui/login?m=expired").text


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, db: sa.Engine
) -> None:
    set_password(ui_client, invite(database_url, keyring, demo.org_id, "lena", Role.viewer))
    sign_out(ui_client)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE user_account SET password_hash = :h"), {"h": weak})
    assert password_step(ui_client, "lena").status_code == 303
    stored = account(database_url, keyring, "lena").password_hash
    assert stored is not None
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stored)


def test_the_daily_quota_and_the_rate_limit_count_per_user(
    database_url: str, demo: Demo, keyring: Keyring, db: sa.Engine
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET,
        interpol_url="http://127.0.0.1:9",
        daily_read_quota=5,
    )
    with (
        TestClient(with_ui(create_app(settings)), base_url="https://testserver") as limited,
        TestClient(with_ui(create_app(settings)), base_url="https://testserver") as colleague,
    ):
        set_password(limited, invite(database_url, keyring, demo.org_id, "mila", Role.viewer))
        set_password(colleague, invite(database_url, keyring, demo.org_id, "nadia", Role.viewer))
        person = next(iter(demo.persons.values()))
        assert limited.get(f"/ui/persons/{person}").status_code == 200
        assert limited.get(f"/ui/persons/{person}").status_code == 429
        assert colleague.get(f"/ui/persons/{person}").status_code == 200  # her own allowance
    mila = account(database_url, keyring, "mila").id
    entries = [e for e in audit_since(db, 0) if e.action == "quota.exceeded"]
    assert [(e.actor, e.object_kind, e.object_id) for e in entries] == [(mila, "user", mila)]


def test_a_right_password_does_not_buy_fresh_guesses_at_the_code(
    ui_client: TestClient, demo: Demo, database_url: str, keyring: Keyring, clock: list[float]
) -> None:
    set_password(ui_client, invite(database_url, keyring, demo.org_id, "olga", Role.editor))
    secret = enrol(ui_client, clock[0])
    sign_out(ui_client)
    clock[0] += 60
    wrong = "000000" if pyotp.TOTP(secret).at(clock[0]) != "000000" else "111111"
    for _ in range(5):
        assert password_step(ui_client, "olga").status_code == 303
        assert code_step(ui_client, wrong).status_code == 401
    assert password_step(ui_client, "olga").status_code == 429
