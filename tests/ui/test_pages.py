"""The web interface over HTTP: sign-in and sessions, CSRF, roles and tenancy, audit entries, pages."""

import re
import uuid
from datetime import date, timedelta
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.models.token import Role
from app.services.challenge import add_months
from app.settings import Settings
from app.ui import views
from tests.conftest import OrgTokens
from tests.factories import make_challenge
from tests.ui.conftest import CSP, Demo, audit_since, csrf_of, last_seq, plain_token, sign_in, with_ui

PAGES = ["/ui/", "/ui/?q=Kuvvatov", "/ui/states", "/ui/states/TJ", "/ui/challenges", "/ui/logout"]
SESSION_COOKIE = "__Host-a3_session"


def _set_cookies(response_headers: list[tuple[str, str]]) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent."""
    found = {}
    for name, value in response_headers:
        if name.lower() == "set-cookie":
            found[value.split("=", 1)[0]] = value
    return found


def _flags(set_cookie: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:]}


def _kuvvatov(demo: Demo) -> str:
    return demo.persons["Umarali Kuvvatov"]


# --- signing in and out ------------------------------------------------------------------------


def test_sign_in_form(ui_client: TestClient) -> None:
    page = ui_client.get("/ui/login")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["cache-control"] == "no-store"
    assert '<label for="token">' in page.text
    assert 'name="token"' in page.text
    login = _set_cookies(page.headers.multi_items())["__Host-a3_login"]
    assert {"httponly", "secure", "samesite", "path", "max-age"} <= _flags(login)
    assert "samesite=strict" in login.lower()


def test_sign_in_sets_a_strict_secure_session_cookie_that_hides_the_token(
    ui_client: TestClient, demo: Demo
) -> None:
    form = ui_client.get("/ui/login")
    answer = ui_client.post(
        "/ui/login",
        data={"token": demo.tokens[Role.viewer], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/"
    session = _set_cookies(answer.headers.multi_items())[SESSION_COOKIE]
    assert {"httponly", "secure", "samesite", "path", "max-age"} <= _flags(session)
    assert "samesite=strict" in session.lower()
    assert "max-age=28800" in session.lower()  # 8 hours
    assert "path=/;" in session.lower() + ";"
    assert "domain" not in _flags(session)
    value = SimpleCookie(session)[SESSION_COOKIE].value
    assert demo.tokens[Role.viewer] not in value
    assert demo.tokens[Role.viewer][3:] not in value
    assert ui_client.get("/ui/").status_code == 200


def test_on_localhost_the_cookie_is_not_secure(app: FastAPI, demo: Demo) -> None:
    with TestClient(with_ui(app), base_url="http://127.0.0.1:8000") as local:
        form = local.get("/ui/login")
        answer = local.post(
            "/ui/login",
            data={"token": demo.tokens[Role.viewer], "csrf": csrf_of(form.text)},
            follow_redirects=False,
        )
        session = _set_cookies(answer.headers.multi_items())["a3_session"]
        assert "secure" not in _flags(session)
        assert {"httponly", "samesite"} <= _flags(session)
        assert local.get("/ui/").status_code == 200
        assert "not encrypted" not in form.text


def test_plain_http_to_another_host_is_warned_and_still_gets_secure_cookies(app: FastAPI) -> None:
    with TestClient(with_ui(app), base_url="http://article3.example.org") as remote:
        form = remote.get("/ui/login")
        assert "This connection is not encrypted." in form.text
        assert "secure" in _flags(_set_cookies(form.headers.multi_items())["__Host-a3_login"])


def test_https_to_this_machine_gets_secure_cookies(app: FastAPI) -> None:
    with TestClient(with_ui(app), base_url="https://localhost") as local:
        form = local.get("/ui/login")
        assert "secure" in _flags(_set_cookies(form.headers.multi_items())["__Host-a3_login"])
        assert "not encrypted" not in form.text


@pytest.mark.parametrize(
    "token", ["", "not-a-token", "a3_" + "A" * 38, "a3_0123456789abcdefghijABCDEFGHIJ012345"]
)
def test_a_wrong_token_gets_the_sign_in_page_again(ui_client: TestClient, token: str) -> None:
    form = ui_client.get("/ui/login")
    answer = ui_client.post(
        "/ui/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert answer.status_code == 401
    assert "That token was not accepted." in answer.text
    assert 'name="token"' in answer.text
    assert SESSION_COOKIE not in _set_cookies(answer.headers.multi_items())
    assert answer.headers["content-security-policy"] == CSP


def test_an_expired_token_cannot_sign_in(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    with db.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_token SET expires_at = :past WHERE id = :id"),
            {"past": "2020-01-01 00:00:00.000000", "id": demo.token_ids[Role.viewer]},
        )
    form = ui_client.get("/ui/login")
    answer = ui_client.post(
        "/ui/login",
        data={"token": demo.tokens[Role.viewer], "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 401
    assert "That token was not accepted." in answer.text


@pytest.mark.parametrize("csrf", [None, "", "forged", "0" * 64])
def test_sign_in_without_the_forms_csrf_value_is_refused(
    ui_client: TestClient, demo: Demo, csrf: str | None
) -> None:
    ui_client.get("/ui/login")
    data = {"token": demo.tokens[Role.admin]} | ({"csrf": csrf} if csrf is not None else {})
    answer = ui_client.post("/ui/login", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert SESSION_COOKIE not in _set_cookies(answer.headers.multi_items())


def test_sign_in_without_the_nonce_cookie_is_refused(ui_client: TestClient, demo: Demo) -> None:
    csrf = csrf_of(ui_client.get("/ui/login").text)
    ui_client.cookies.clear()  # a cross-site form carries the value it copied, never our cookie
    answer = ui_client.post("/ui/login", data={"token": demo.tokens[Role.admin], "csrf": csrf})
    assert answer.status_code == 403


def test_sign_out_needs_the_sessions_csrf_value(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    for data in ({}, {"csrf": "forged"}, {"csrf": csrf_of(ui_client.get("/ui/login").text)}):
        answer = ui_client.post("/ui/logout", data=data, follow_redirects=False)
        assert answer.status_code == 403
        assert "This form has expired" in answer.text
        assert ui_client.get("/ui/").status_code == 200  # still signed in


def test_sign_out_ends_the_session_and_refuses_a_copy_of_the_cookie(
    ui_client: TestClient, demo: Demo
) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    page = ui_client.get("/ui/")
    copy = ui_client.cookies.get(SESSION_COOKIE)
    assert copy
    answer = ui_client.post("/ui/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?m=signed_out"
    cleared = _set_cookies(answer.headers.multi_items())[SESSION_COOKIE]
    assert "max-age=0" in cleared.lower()
    assert "You are signed out." in ui_client.get("/ui/login?m=signed_out").text
    assert ui_client.get("/ui/", follow_redirects=False).headers["location"].startswith("/ui/login")
    ui_client.cookies.set(SESSION_COOKIE, copy)
    replay = ui_client.get("/ui/", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"] == "/ui/login?m=ended"


def test_the_logout_address_shows_a_sign_out_form(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.analyst])
    page = ui_client.get("/ui/logout")
    assert page.status_code == 200
    assert 'action="/ui/logout"' in page.text
    assert 'name="csrf"' in page.text


@pytest.mark.parametrize("path", [*PAGES, "/ui/persons/8a7e3d52-5c1b-4f0e-9d26-3b7c1e4f9a10"])
def test_pages_send_strangers_to_sign_in(ui_client: TestClient, path: str) -> None:
    answer = ui_client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login"


def test_a_forged_session_cookie_is_ignored(ui_client: TestClient) -> None:
    ui_client.cookies.set(SESSION_COOKIE, "A" * 200)
    answer = ui_client.get("/ui/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?m=ended"


def test_revoking_the_token_ends_the_session_at_once(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    assert ui_client.get("/ui/").status_code == 200
    revoked = ui_client.delete(
        f"/api/v1/tokens/{demo.token_ids[Role.viewer]}", headers=demo.headers(Role.admin)
    )
    assert revoked.status_code == 204
    answer = ui_client.get(f"/ui/persons/{_kuvvatov(demo)}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?m=ended"
    assert "max-age=0" in _set_cookies(answer.headers.multi_items())[SESSION_COOKIE].lower()
    assert "Your session has ended." in ui_client.get("/ui/login?m=ended").text


# --- roles and tenancy ------------------------------------------------------------------------------


def test_another_organisation_sees_none_of_it(ui_client: TestClient, demo: Demo, org_b: OrgTokens) -> None:
    sign_in(ui_client, plain_token(org_b, Role.admin))
    search = ui_client.get("/ui/", params={"q": "Кувватов"})
    assert search.status_code == 200
    assert "Kuvvatov" not in search.text
    assert "No person of your organisation matches this name." in search.text
    landing = ui_client.get("/ui/")
    assert not re.search(r"/ui/persons/[0-9a-f-]{36}", landing.text)  # no person of theirs (the form is /new)
    foreign = ui_client.get(f"/ui/persons/{_kuvvatov(demo)}")
    missing = ui_client.get(f"/ui/persons/{uuid.uuid4()}")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content  # byte for byte: a foreign id is a missing one
    for suffix in ("dossier.md", "dossier.json"):
        assert ui_client.get(f"/ui/persons/{_kuvvatov(demo)}/{suffix}").content == missing.content
    assert "Kuvvatov" not in ui_client.get("/ui/challenges").text


def test_an_analyst_reads_only_the_states(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.analyst])
    landing = ui_client.get("/ui/", follow_redirects=False)
    assert landing.status_code == 303
    assert landing.headers["location"] == "/ui/states"
    forbidden = [
        "/ui/?q=Kuvvatov",
        f"/ui/persons/{_kuvvatov(demo)}",
        f"/ui/persons/{uuid.uuid4()}",
        f"/ui/persons/{_kuvvatov(demo)}/dossier.md",
        "/ui/challenges",
    ]
    answers = [ui_client.get(path) for path in forbidden]
    assert [a.status_code for a in answers] == [403] * len(forbidden)
    assert len({a.content for a in answers[1:3]}) == 1  # no hint whether the id exists
    assert "Your role does not give access to this page." in answers[0].text
    assert ui_client.get("/ui/states").status_code == 200
    state = ui_client.get("/ui/states/TJ")
    assert state.status_code == 200
    assert "/ui/persons/" not in state.text
    assert 'href="/ui/"' not in ui_client.get("/ui/states").text.split("<main")[0]  # no search in the menu


# --- audit entries ----------------------------------------------------------------------------------


def _entries(db: sa.Engine, since: int) -> list[tuple[str, str | None, str | None, str]]:
    return sorted((e.action, e.object_kind, e.object_id, e.actor) for e in audit_since(db, since))


def test_a_person_page_writes_the_entries_the_api_reads_write(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    person_id = _kuvvatov(demo)
    sign_in(ui_client, demo.tokens[Role.viewer])
    before = last_seq(db)
    assert ui_client.get(f"/ui/persons/{person_id}").status_code == 200
    by_page = _entries(db, before)
    before = last_seq(db)
    headers = demo.headers(Role.viewer)
    for path in (
        f"/api/v1/persons/{person_id}",
        f"/api/v1/persons/{person_id}/history",
        f"/api/v1/persons/{person_id}/flags",
        f"/api/v1/persons/{person_id}/protections",
        f"/api/v1/notices?person_id={person_id}&limit=200",
        f"/api/v1/detentions?person_id={person_id}&limit=200",
        f"/api/v1/extraditions?person_id={person_id}&limit=200",
        f"/api/v1/incidents?person_id={person_id}&limit=200",
        f"/api/v1/challenges?person_id={person_id}&limit=200",
        f"/api/v1/persons/{person_id}/documents?limit=200",
    ):
        assert ui_client.get(path, headers=headers).status_code == 200, path
    by_api = _entries(db, before)
    assert by_page == by_api
    assert sorted(a for a, *_ in by_page) == sorted(views.PERSON_PAGE_ACTIONS)
    assert {actor for *_, actor in by_page} == {demo.token_ids[Role.viewer]}


def test_search_dossier_and_deadlines_are_audited(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    person_id = _kuvvatov(demo)
    sign_in(ui_client, demo.tokens[Role.editor])
    steps: list[tuple[str, list[tuple[str, str | None, str | None]]]] = [
        (  # the home page: what needs attention (no challenge or other deadline is due in the demo), then the persons
            "/ui/",
            [
                ("challenge.listed", None, None),
                ("deadline.listed", None, None),
                ("person.listed", "person", None),
            ],
        ),
        ("/ui/?q=Кувватов", [("person.searched", "person", None)]),
        (f"/ui/persons/{person_id}/dossier.md", [("person.dossier_read", "person", person_id)]),
        (f"/ui/persons/{person_id}/dossier.json", [("person.dossier_read", "person", person_id)]),
        ("/ui/challenges", [("challenge.listed", None, None)]),
    ]
    for path, expected in steps:
        before = last_seq(db)
        assert ui_client.get(path).status_code == 200, path
        assert [(a, k, i) for a, k, i, _ in _entries(db, before)] == expected, path
    before = last_seq(db)
    assert ui_client.get("/ui/states").status_code == 200
    assert ui_client.get("/ui/states/TJ").status_code == 200
    assert _entries(db, before) == []  # pooled figures are no person's data


def test_a_missing_person_writes_no_entry(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    before = last_seq(db)
    assert ui_client.get(f"/ui/persons/{uuid.uuid4()}").status_code == 404
    assert _entries(db, before) == []


def test_the_daily_read_quota_applies_to_pages(database_url: str, demo: Demo, db: sa.Engine) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="test-secret-key-for-article3-tests-only-0123456789",
        interpol_url="http://127.0.0.1:9",
        daily_read_quota=5,
    )
    with TestClient(with_ui(create_app(settings)), base_url="https://testserver") as limited:
        sign_in(limited, demo.tokens[Role.viewer])
        assert limited.get(f"/ui/persons/{_kuvvatov(demo)}").status_code == 200  # 9 reads
        refused = limited.get(f"/ui/persons/{_kuvvatov(demo)}")
        assert refused.status_code == 429
        assert "Daily limit reached" in refused.text
        assert int(refused.headers["retry-after"]) > 0
        assert limited.get("/ui/states").status_code == 200
    assert [e.action for e in audit_since(db, 0)][-1] == "quota.exceeded"


# --- the pages ----------------------------------------------------------------------------------------


def test_search_finds_a_name_in_cyrillic_with_its_score(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    page = ui_client.get("/ui/", params={"q": "Кувватов"})
    assert page.status_code == 200
    assert f'href="/ui/persons/{_kuvvatov(demo)}"' in page.text
    assert "Match score" in page.text
    scores = [float(s) for s in re.findall(r'<td class="num">([01]\.\d\d)</td>', page.text)]
    assert scores
    assert all(0.5 <= s <= 1 for s in scores)
    assert 'value="Кувватов"' in page.text
    too_long = ui_client.get("/ui/", params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert "at most 200 characters" in too_long.text


def test_the_landing_page_lists_the_organisations_persons(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    page = ui_client.get("/ui/")
    assert all(f"/ui/persons/{person_id}" in page.text for person_id in demo.persons.values())
    assert "Match score" not in page.text


def test_the_person_page(ui_client: TestClient, demo: Demo) -> None:
    person_id = _kuvvatov(demo)
    sign_in(ui_client, demo.tokens[Role.viewer])
    page = ui_client.get(f"/ui/persons/{person_id}")
    assert page.status_code == 200
    html = page.text
    history = ui_client.get(f"/api/v1/persons/{person_id}/history", headers=demo.headers(Role.viewer)).json()
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert timeline.count("<li") == len(history["events"])
    for event in history["events"]:  # fuzzy dates exactly as given, one line each
        assert f'<time datetime="{event["on"]}">{event["on"]}</time>' in timeline
    assert timeline.count('class="icon"') == len(history["events"])
    flags = ui_client.get(f"/api/v1/persons/{person_id}/flags", headers=demo.headers(Role.viewer)).json()
    for flag in flags["items"]:
        assert flag["explanation"].replace("'", "&#39;") in html
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    anchors = set(re.findall(r'href="#([^"]+)"', html))
    assert anchors
    assert anchors <= ids, anchors - ids  # every evidence and timeline link lands on the page
    assert f'href="/ui/persons/{person_id}/dossier.md"' in html
    assert f'href="/ui/persons/{person_id}/dossier.json"' in html
    assert "Custody days" in html


def test_dossier_downloads(ui_client: TestClient, demo: Demo) -> None:
    person_id = demo.persons["Andrei Gnyot"]
    sign_in(ui_client, demo.tokens[Role.viewer])
    markdown = ui_client.get(f"/ui/persons/{person_id}/dossier.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert (
        markdown.headers["content-disposition"] == f'attachment; filename="article3-dossier-{person_id}.md"'
    )
    assert markdown.text.startswith("# Dossier: Andrei Gnyot")
    as_json = ui_client.get(f"/ui/persons/{person_id}/dossier.json")
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["content-disposition"].startswith("attachment;")
    api = ui_client.get(f"/api/v1/persons/{person_id}/dossier", headers=demo.headers(Role.viewer)).json()
    assert as_json.json() == api
    assert markdown.headers["cache-control"] == "no-store"


def test_deadlines_show_what_is_due_or_overdue(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    editor = demo.headers(Role.editor)
    today = date.today()

    def challenge(person: str, admissible_on: date, reference: str) -> None:
        created = make_challenge(ui_client, editor, demo.persons[person], reference=reference)
        for type_, on in (("filed", admissible_on - timedelta(days=30)), ("admissible", admissible_on)):
            answer = ui_client.post(
                f"/api/v1/challenges/{created['id']}/events",
                json={"type": type_, "on": on.isoformat()},
                headers=editor,
            )
            assert answer.status_code == 200, answer.text

    challenge("Umarali Kuvvatov", date(2024, 1, 10), "CCF/OVERDUE")
    challenge("Muhammad Salih", add_months(today, -9) + timedelta(days=10), "CCF/SOON")
    challenge("Bill Browder", add_months(today, -1), "CCF/LATER")
    sign_in(ui_client, demo.tokens[Role.viewer])
    before = last_seq(db)
    page = ui_client.get("/ui/challenges")
    assert page.status_code == 200
    shown = {(a, i) for a, _, i, _ in _entries(db, before)}
    assert shown == {  # each name on the page is a person read
        ("challenge.listed", None),
        ("person.read", demo.persons["Umarali Kuvvatov"]),
        ("person.read", demo.persons["Muhammad Salih"]),
    }
    assert "CCF/OVERDUE" in page.text
    assert "CCF/SOON" in page.text
    assert "CCF/LATER" not in page.text
    assert page.text.index("CCF/OVERDUE") < page.text.index("CCF/SOON")
    assert re.search(r'<span class="overdue">2024-10-10<br>overdue by \d+ days</span>', page.text)
    assert "Umarali Kuvvatov" in page.text
    person = ui_client.get(f"/ui/persons/{demo.persons['Umarali Kuvvatov']}")
    assert '<span class="overdue">2024-10-10 — overdue</span>' in person.text


def test_the_states_pages(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    ranking = ui_client.get("/ui/states")
    api = ui_client.get("/api/v1/states", headers=demo.headers(Role.viewer)).json()["items"]
    links = re.findall(r'href="/ui/states/([A-Z]{2})"', ranking.text)
    assert links == [s["state"] for s in api]
    page = ui_client.get("/ui/states/RU")
    assert page.status_code == 200
    charts = re.findall(r'<svg class="chart"[^>]*role="img"', page.text)
    assert len(charts) == 2  # indicators by persons, notices per year
    assert "Released without extradition" in page.text
    assert "Travel risk by host country" in page.text
    assert "Spain" in page.text
    assert ui_client.get("/ui/states/ru", follow_redirects=False).headers["location"] == "/ui/states/RU"
    assert ui_client.get("/ui/states/QQ").status_code == 404
    quiet = ui_client.get("/ui/states/NZ")
    assert quiet.status_code == 200
    assert "No dated notice from this state is on record." in quiet.text


def test_every_page_carries_the_csp_and_no_store(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.admin])
    for path in [*PAGES, f"/ui/persons/{_kuvvatov(demo)}", "/ui/nowhere", "/ui/login"]:
        answer = ui_client.get(path)
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert "<script" not in answer.text, path
        assert " style=" not in answer.text, path


def test_unknown_addresses_get_the_html_404_page(ui_client: TestClient, demo: Demo) -> None:
    answer = ui_client.get("/ui/nowhere/at/all")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Not found" in answer.text
    assert ui_client.get("/ui", follow_redirects=False).headers["location"] == "/ui/"


def test_languages(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    english = ui_client.get("/ui/states")
    assert '<html lang="en">' in english.text
    russian = ui_client.get("/ui/states", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in russian.text
    assert "Запрашивающие государства" in russian.text
    assert "Таджикистан" in russian.text
    chosen = ui_client.get("/ui/states?lang=ru")
    assert "a3_lang=ru" in chosen.headers["set-cookie"]
    assert '<html lang="ru">' in ui_client.get("/ui/challenges").text  # remembered
    assert '<html lang="en">' in ui_client.get("/ui/challenges?lang=en").text
    search = ui_client.get("/ui/?q=Kuvvatov")
    assert 'href="?q=Kuvvatov&amp;lang=ru"' in search.text  # switching keeps the search


def test_static_files(ui_client: TestClient) -> None:
    css = ui_client.get("/ui/static/ui.css")
    assert css.status_code == 200
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["cache-control"].startswith("public")
    again = ui_client.get("/ui/static/ui.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    assert ui_client.get("/ui/static/icons.svg").headers["content-type"] == "image/svg+xml"
    for missing in ("/ui/static/nothing.css", "/ui/static/../routers/ui.py", "/ui/static/%2e%2e/main.py"):
        assert ui_client.get(missing).status_code == 404, missing
