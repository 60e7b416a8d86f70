"""The person's page shows their INTERPOL watch and, on the timeline, what its checks found."""

import html

from fastapi.testclient import TestClient

from app.keyring import Keyring
from app.models.token import Role
from tests.conftest import OrgTokens
from tests.factories import make_person
from tests.fake_interpol import FakeInterpol
from tests.test_watches import ONE_NOTICE_PERSON, _notice, run_watches
from tests.ui.conftest import plain_token, sign_in


def test_the_person_page_shows_the_watch_and_its_changes(
    ui_client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    pid = make_person(ui_client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    assert "Not watched." in ui_client.get(f"/ui/persons/{pid}").text

    assert (
        ui_client.post(
            f"/api/v1/persons/{pid}/watch", json={"interval_hours": 6}, headers=org_a.editor
        ).status_code
        == 201
    )
    with FakeInterpol() as fake:
        run_watches(database_url, keyring, fake)  # the baseline
        fake.notices.append(_notice(fake, "2024/10001", "NAMUNAZODA", "FARZIN", "1984/02/29"))
        assert run_watches(database_url, keyring, fake).changes == 1

    page = html.unescape(ui_client.get(f"/ui/persons/{pid}").text)
    watch = page[page.index('id="watch"') :]
    assert "every 6 hours" in watch
    assert "Red notice 2024/10001: appeared in INTERPOL's public list" in watch
    timeline = page[page.index('id="timeline"') : page.index('id="watch"')]
    assert "INTERPOL red notice 2024/10001 appeared in INTERPOL's public list" in timeline
