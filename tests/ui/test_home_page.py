"""The home page: challenges due (overdue first), watches with changes nobody has seen, other deadlines
within 30 days, each linking to the person, in English and Russian."""

import html
from datetime import date, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.keyring import Keyring
from app.models.token import Role
from app.services.challenge import add_months
from tests.conftest import OrgTokens
from tests.factories import make_challenge, make_person, make_protection
from tests.fake_interpol import FakeInterpol
from tests.test_watches import ONE_NOTICE_PERSON, _notice, run_watches
from tests.ui.conftest import Demo, audit_since, last_seq, plain_token, sign_in


def _admissible_challenge(
    client: TestClient, headers: dict[str, str], person_id: str, on: date, ref: str
) -> str:
    created = make_challenge(client, headers, person_id, reference=ref)
    for type_, day in (("filed", on - timedelta(days=30)), ("admissible", on)):
        answer = client.post(
            f"/api/v1/challenges/{created['id']}/events",
            json={"type": type_, "on": day.isoformat()},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
    return str(created["id"])


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_challenges_due_overdue_first_each_linking_to_the_person(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    editor = demo.headers(Role.editor)
    today = date.today()
    soon = _admissible_challenge(
        ui_client,
        editor,
        demo.persons["Muhammad Salih"],
        add_months(today, -9) + timedelta(days=10),
        "CCF/SOON",
    )
    overdue = _admissible_challenge(
        ui_client, editor, demo.persons["Umarali Kuvvatov"], date(2024, 1, 10), "CCF/OVERDUE"
    )
    _admissible_challenge(ui_client, editor, demo.persons["Bill Browder"], add_months(today, -1), "CCF/LATER")
    sign_in(ui_client, demo.tokens[Role.viewer])
    before = last_seq(db)
    page = ui_client.get("/ui/")
    assert page.status_code == 200
    due = html.unescape(_section(page.text, "challenges-heading"))
    assert "CCF/LATER" not in due
    assert due.index("CCF/OVERDUE") < due.index("CCF/SOON")
    assert (
        f'href="/ui/persons/{demo.persons["Umarali Kuvvatov"]}#challenge-{overdue}">Umarali Kuvvatov</a>'
        in due
    )
    assert f'href="/ui/persons/{demo.persons["Muhammad Salih"]}#challenge-{soon}">Muhammad Salih</a>' in due
    assert "overdue by" in due
    assert "in 10 days" in due
    actions = {(e.action, e.object_id) for e in audit_since(db, before)}
    assert {("challenge.listed", None), ("deadline.listed", None), ("person.listed", None)} <= actions
    assert ("person.read", demo.persons["Umarali Kuvvatov"]) in actions  # each name shown is a person read
    # A search shows the matches only.
    assert 'id="challenges-heading"' not in ui_client.get("/ui/?q=Kuvvatov").text


def test_other_deadlines_within_30_days(ui_client: TestClient, org_a: OrgTokens) -> None:
    today = date.today()
    near = make_person(ui_client, org_a.editor, name="Near Expiry")["id"]
    far = make_person(ui_client, org_a.editor, name="Far Expiry")["id"]
    protection = make_protection(
        ui_client, org_a.editor, near, until=(today + timedelta(days=12)).isoformat()
    )
    make_protection(ui_client, org_a.editor, far, until=(today + timedelta(days=45)).isoformat())
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    deadlines = html.unescape(_section(ui_client.get("/ui/").text, "deadlines-heading"))
    assert f'href="/ui/persons/{near}#protection-{protection["id"]}">Near Expiry</a>' in deadlines
    assert "in 12 days" in deadlines
    assert "protection ends" in deadlines
    assert "Far Expiry" not in deadlines
    russian = html.unescape(
        _section(ui_client.get("/ui/", headers={"Accept-Language": "ru"}).text, "deadlines-heading")
    )
    assert "Near Expiry" in russian
    assert "protection ends" not in russian


def test_watch_changes_are_listed_until_the_persons_page_is_opened(
    ui_client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    pid = make_person(ui_client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    created = ui_client.post(f"/api/v1/persons/{pid}/watch", json={"interval_hours": 6}, headers=org_a.editor)
    assert created.status_code == 201
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    with FakeInterpol() as fake:
        run_watches(database_url, keyring, fake)  # the baseline: nothing appeared
        assert "No watch has found a change" in ui_client.get("/ui/").text
        fake.notices.append(_notice(fake, "2024/10001", "NAMUNAZODA", "FARZIN", "1984/02/29"))
        assert run_watches(database_url, keyring, fake).changes == 1

    watches = html.unescape(_section(ui_client.get("/ui/").text, "watches-heading"))
    assert f'href="/ui/persons/{pid}#watch">' in watches
    assert "1 change" in watches
    assert "Red notice 2024/10001: appeared in INTERPOL's public list" in watches

    assert ui_client.get(f"/ui/persons/{pid}").status_code == 200  # the timeline shows the change: seen
    assert f"/ui/persons/{pid}#watch" not in ui_client.get("/ui/").text


def test_the_home_page_in_russian(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    page = ui_client.get("/ui/?lang=ru").text
    for heading in ("challenges-heading", "watches-heading", "deadlines-heading"):
        assert _section(page, heading)
    assert "Challenges due" not in page
    assert "INTERPOL watches with changes" not in page
