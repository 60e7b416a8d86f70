"""The person's page lists their documents, each with a download link that answers the bytes, audited
as the API's read (`document.content_read`)."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_document, make_person
from tests.ui.conftest import audit_since, csrf_of, sign_in


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


def test_an_editor_adds_a_document_from_the_page_with_the_csrf_field(
    ui_client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(ui_client, org_a.editor)["id"]
    sign_in(ui_client, _token(org_a.editor))
    page = ui_client.get(f"/ui/persons/{pid}")
    assert f'action="/ui/persons/{pid}/documents"' in page.text
    csrf = csrf_of(page.text)
    url = f"/ui/persons/{pid}/documents"
    content = b"%PDF-1.4\n%%EOF\n"
    fields = {"title": "Extradition request", "kind": "warrant", "dated": "2016-02"}
    files = {"file": ("request.pdf", content, "application/pdf")}
    forged = ui_client.post(url, data={**fields, "csrf": "forged"}, files=files, follow_redirects=False)
    assert forged.status_code == 403
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM document")).scalar_one() == 0
    added = ui_client.post(url, data={**fields, "csrf": csrf}, files=files, follow_redirects=False)
    assert added.status_code == 303, added.text
    listed = ui_client.get(f"/api/v1/persons/{pid}/documents", headers=org_a.viewer).json()["items"]
    assert [(d["title"], d["kind"], d["dated"], d["content_type"]) for d in listed] == [
        ("Extradition request", "warrant", "2016-02", "application/pdf")
    ]
    assert added.headers["location"] == f"/ui/persons/{pid}?done=created#document-{listed[0]['id']}"
    refused = ui_client.post(
        url,
        data={**fields, "csrf": csrf},
        files={"file": ("x.pdf", b"MZ\x90\x00", "application/pdf")},
        follow_redirects=False,
    )
    assert refused.status_code == 415
    ui_client.cookies.clear()
    sign_in(ui_client, _token(org_a.viewer))
    viewer_page = ui_client.get(f"/ui/persons/{pid}")
    assert '/documents" enctype' not in viewer_page.text
    as_viewer = ui_client.post(
        url, data={**fields, "csrf": csrf_of(viewer_page.text)}, files=files, follow_redirects=False
    )
    assert as_viewer.status_code == 403
    assert len(ui_client.get(f"/api/v1/persons/{pid}/documents", headers=org_a.viewer).json()["items"]) == 1
