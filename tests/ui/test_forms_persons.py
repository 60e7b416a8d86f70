"""The person forms: a new client with names in any script, relatives found by search, a correction
with the version it was read at (and a conflicting one), an admin's erasure, and who may do each."""

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.ui.conftest import Demo, audit_since, csrf_of, last_seq, sign_in


def _form(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def test_a_new_client_with_a_cyrillic_name_is_stored_and_audited(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _form(ui_client, "/ui/persons/new")
    seq = last_seq(db)
    answer = ui_client.post(
        "/ui/persons/new",
        data={
            "csrf": csrf,
            "name": "Алишер Рахимов",
            "aliases": "Alisher Rakhimov\nAlisher Rahimov",
            "birth_date": "1979-04",
            "sex": "male",
            "nationalities": "TJ, ru",
            "categories": ["opposition", "journalist"],
            "affiliations": "Group 24",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    person_id = re.match(r"/ui/persons/([\w-]+)\?done=person", location).group(1)  # type: ignore[union-attr]
    stored = ui_client.get(f"/api/v1/persons/{person_id}", headers=demo.headers(Role.viewer)).json()
    assert stored["name"] == "Алишер Рахимов"
    assert stored["aliases"] == ["Alisher Rakhimov", "Alisher Rahimov"]
    assert stored["nationalities"] == ["TJ", "RU"]
    assert stored["categories"] == ["opposition", "journalist"]
    assert "person.created" in [e.action for e in audit_since(db, seq)]
    page = ui_client.get(location)
    assert "Saved: the person was added." in page.text
