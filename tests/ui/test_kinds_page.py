"""The person's page shows a record of every kind the registry puts on it, and names each in its list."""

from fastapi.testclient import TestClient

from app import kinds
from app.models.token import Role
from tests.conftest import OrgTokens
from tests.test_kinds import one_dated_of_each
from tests.ui.conftest import plain_token, sign_in


def test_a_record_of_every_kind_shows_on_the_person_page(ui_client: TestClient, org_a: OrgTokens) -> None:
    pid, made = one_dated_of_each(ui_client, org_a)
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    page = ui_client.get(f"/ui/persons/{pid}")
    assert page.status_code == 200
    for kind in kinds.in_dossier():
        assert f'<section id="{kind.name}s"' in page.text, kind.name
        assert f'id="{kind.name}-{made[kind.name]}"' in page.text, kind.name
        assert f'href="#{kind.name}-{made[kind.name]}"' in page.text, kind.name  # its timeline entry links it
