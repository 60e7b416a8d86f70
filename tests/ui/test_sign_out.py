"""Signing out of the web interface (issue 13 item 15): the session ends in every process of every
instance on the database, and stays ended after a restart, until it would have expired anyway."""

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.token import Role
from app.models.ui_session import SignedOutSession
from app.ui import session as ui_session
from tests.conftest import serving
from tests.ui.conftest import Demo, csrf_of

COOKIE = "a3_session"  # plain http://127.0.0.1: the cookie without the __Host- prefix


def _signed_in(base: str, token: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=30)
    form = browser.get("/ui/login")
    answer = browser.post("/ui/login", data={"token": token, "csrf": csrf_of(form.text)})
    assert answer.status_code == 303, answer.text
    return browser


def _page(base: str, cookie: str) -> httpx.Response:
    return httpx.get(f"{base}/ui/states", headers={"Cookie": f"{COOKIE}={cookie}"}, timeout=30)


@pytest.mark.xdist_group("live_server")
def test_signing_out_ends_the_session_in_every_instance_and_after_a_restart(
    database_url: str, demo: Demo
) -> None:
    with serving(database_url) as first, serving(database_url) as second:
        browser = _signed_in(first, demo.tokens[Role.viewer])
        cookie = browser.cookies[COOKIE]
        assert _page(second, cookie).status_code == 200  # the sealed cookie opens on any instance
        csrf = csrf_of(browser.get("/ui/logout").text)
        assert browser.post("/ui/logout", data={"csrf": csrf}).headers["location"] == "/ui/login?m=signed_out"
        browser.close()
        for base in (first, second):
            refused = _page(base, cookie)
            assert refused.status_code == 303
            assert refused.headers["location"] == "/ui/login?m=ended"
    with serving(database_url) as restarted:
        refused = _page(restarted, cookie)
        assert refused.status_code == 303
        assert refused.headers["location"] == "/ui/login?m=ended"
        other = _signed_in(restarted, demo.tokens[Role.viewer])  # a new session is a new session
        assert _page(restarted, other.cookies[COOKIE]).status_code == 200
        other.close()


def test_a_sign_out_is_kept_until_the_session_would_have_expired(db: sa.Engine, keyring: Keyring) -> None:
    now = 1_800_000_000.0
    old = ui_session.new_session("a3_token", now=now - ui_session.SESSION_TTL_S)  # expires at `now`
    fresh = ui_session.new_session("a3_token", now=now)
    with unit_of_work(db, keyring) as session:
        ui_session.sign_out(session, old, now=now - 10)
    with unit_of_work(db, keyring) as session:
        assert ui_session.is_signed_out(session, old)
        assert not ui_session.is_signed_out(session, fresh)
        ui_session.sign_out(session, fresh, now=now)  # forgets `old`: its cookie has expired by now
    with Session(db) as session:
        assert [(r.sid, r.expires_at.timestamp()) for r in session.exec(select(SignedOutSession))] == [
            (fresh.sid, fresh.expires_at)
        ]
    assert ui_session.unseal(ui_session.seal(old, keyring), keyring, now=now) is None
