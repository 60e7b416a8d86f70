"""The pieces under the pages: sealed sessions, language choice, SVG charts, pooled notices per year."""

import re
from collections.abc import Callable
from typing import cast

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.keyring import Keyring
from app.models.flag import FlagCode, Pattern
from app.services import pattern as pattern_service
from app.ui import charts, i18n
from app.ui import session as ui_session
from tests.ui.conftest import Demo

KEYRING = Keyring(b"k" * 40)
NOW = 1_800_000_000.0


def test_a_sealed_session_opens_only_with_its_key_and_until_it_expires() -> None:
    state = ui_session.new_session("a3_token", now=NOW)
    sealed = ui_session.seal(state, KEYRING)
    assert "a3_token" not in sealed
    assert ui_session.unseal(sealed, KEYRING, now=NOW + 60) == state
    assert ui_session.unseal(sealed, Keyring(b"x" * 40), now=NOW) is None
    assert ui_session.unseal(sealed, KEYRING, now=NOW + ui_session.SESSION_TTL_S) is None
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert ui_session.unseal(flipped, KEYRING, now=NOW) is None
    for junk in (None, "", "!!!", "A" * 5000, "AAAA"):
        assert ui_session.unseal(junk, KEYRING, now=NOW) is None
    assert "a3_token" not in repr(state)


def test_each_seal_differs_and_sessions_get_fresh_ids() -> None:
    state = ui_session.new_session("a3_token", now=NOW)
    assert ui_session.seal(state, KEYRING) != ui_session.seal(state, KEYRING)
    assert ui_session.new_session("a3_token", now=NOW).sid != state.sid


def test_login_csrf_is_bound_to_the_nonce() -> None:
    nonce = ui_session.new_login_nonce()
    value = ui_session.login_csrf(nonce, KEYRING)
    assert ui_session.login_csrf_matches(nonce, value, KEYRING)
    assert not ui_session.login_csrf_matches(ui_session.new_login_nonce(), value, KEYRING)
    assert not ui_session.login_csrf_matches(None, value, KEYRING)
    assert not ui_session.login_csrf_matches(nonce, None, KEYRING)
    assert not ui_session.csrf_matches("", "")


@pytest.mark.parametrize(
    ("host", "secure"),
    [
        ("localhost", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("LOCALHOST", False),
        ("example.org", True),
        (None, True),
    ],
)
def test_cookies_are_secure_off_the_machine(host: str | None, secure: bool) -> None:
    assert ui_session.is_secure_host(host) is secure
    assert ui_session.session_cookie_name(secure).startswith("__Host-") is secure


@pytest.mark.parametrize(
    ("query", "cookie", "header", "chosen"),
    [
        (None, None, None, "en"),
        (None, None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, None, "de-DE,en;q=0.5,ru;q=0.9", "ru"),
        (None, None, "ru;q=0, en", "en"),
        (None, None, "ru;q=bad, en;q=0.1", "en"),
        (None, "ru", "en", "ru"),
        ("en", "ru", "ru", "en"),
        ("xx", None, None, "en"),
        (None, None, "fr", "en"),
    ],
)
def test_the_language_is_the_readers_choice(
    query: str | None, cookie: str | None, header: str | None, chosen: str
) -> None:
    assert i18n.choose(query=query, cookie=cookie, accept_language=header) == chosen


def test_russian_is_translated_and_english_is_the_source() -> None:
    assert i18n.translations("ru").gettext("States") == "Государства"
    assert i18n.translations("en").gettext("States") == "States"
    assert i18n.environment("ru").filters["state"]("TJ") == "Таджикистан"
    assert i18n.environment("ru").filters["decimal"](0.5) == "0,50"
    assert i18n.environment("en").filters["figure"](12.0) == "12"


def test_bars_are_escaped_scaled_and_described() -> None:
    svg = str(
        charts.horizontal_bars(
            [
                charts.Bar("<b>one</b>", 4, emphasis=True, note="recurrent"),
                charts.Bar("two", 2),
                charts.Bar("zero", 0),
            ],
            chart_id="c",
            title="T & T",
            description="D",
        )
    )
    assert "<b>" not in svg
    assert "&lt;b&gt;one&lt;/b&gt;" in svg
    assert '<title id="c-title">T &amp; T</title>' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([\d.]+)%"', svg)]
    assert widths == [charts.LONGEST_BAR_PCT, charts.LONGEST_BAR_PCT / 2, 0.0]
    assert "bar-emphasis" in svg
    assert "4 · recurrent" in svg
    assert "style=" not in svg


def test_columns_keep_the_latest_year_labelled() -> None:
    series = charts.year_series({1990: 1, 2024: 3})
    assert series[0] == ("1990", 1)
    assert series[-1] == ("2024", 3)
    assert len(series) == 35
    svg = str(charts.columns(series, chart_id="y", title="t", description="d"))
    assert ">2024</text>" in svg
    assert svg.count("<rect") == 2
    assert charts.year_series({2015: 2}) == [("2011", 0), ("2012", 0), ("2013", 0), ("2014", 0), ("2015", 2)]
    assert charts.year_series({}) == []
    empty = str(charts.columns([], chart_id="e", title="t", description="d"))
    assert "<rect" not in empty


def test_notices_per_year_are_pooled_figures(demo: Demo, db: sa.Engine, keyring: Keyring) -> None:
    with Session(db, info={"keyring": keyring}) as session:
        by_year, undated = pattern_service.pooled_notices_by_year(session, "TJ")
        assert by_year == {2015: 1}
        assert undated == 3
        assert pattern_service.pooled_notices_by_year(session, "NZ") == ({}, 0)


def test_the_indicator_chart_speaks_the_readers_language() -> None:
    pattern = Pattern(code=FlagCode.security_charge, persons=3, rate=1.0, recurrent=True, evidence=[])
    chart = cast(Callable[..., object], i18n.environment("ru").globals["indicator_chart"])
    svg = str(chart([pattern], chart_id="i", title="t", description="d"))
    assert "Обвинение в угрозе безопасности или за высказывания" in svg
    assert "повторяется" in svg
