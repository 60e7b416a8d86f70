"""The person's page lists their documents, each with a download link that answers the bytes, audited
as the API's read (`document.content_read`)."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_document, make_person
from tests.ui.conftest import audit_since, sign_in


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_the_person_page_lists_documents_and_downloads_them(
    ui_client: TestClient, org_a: OrgTokens, org_b: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(ui_client, org_a.editor)["id"]
    content = "Решение суда от 22 февраля 2016 года\n".encode()
    made = make_document(
        ui_client,
        org_a.editor,
        pid,
        content=content,
        title="Court decision, Khujand",
        kind="court_decision",
        dated="2016-02-22",
    )
    sign_in(ui_client, _token(org_a.viewer))
    page = ui_client.get(f"/ui/persons/{pid}")
    assert page.status_code == 200
    row = page.text[page.text.index(f'id="document-{made["id"]}"') :].split("</tr>")[0]
    assert "Court decision, Khujand" in row
    assert "court decision" in row
    assert "2016-02-22" in row
    link = f"/ui/documents/{made['id']}/content"
    assert f'href="{link}"' in row
    seq = max(e.seq for e in audit_since(db, 0))
    got = ui_client.get(link)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert [(e.action, e.object_id) for e in audit_since(db, seq)] == [("document.content_read", made["id"])]
    ui_client.cookies.clear()
    sign_in(ui_client, _token(org_b.viewer))
    assert ui_client.get(link).status_code == 404
