"""Documents as exhibits (issue 16 item 3): upload judged by its bytes, kept encrypted in chunks in the
database, streamed back, corrected, deleted, erased with the person; limits; audit and quota."""

import hashlib
import io
import os
import zipfile
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import make_engine, reading, unit_of_work
from app.keyring import Keyring
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.document import CHUNK_BYTES, MAX_DOCUMENT_BYTES, Document
from app.models.token import Role
from app.services import document as document_service
from app.services import quota
from tests.conftest import OrgTokens
from tests.factories import make_detention, make_notice, make_person

Headers = dict[str, str]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def docx_bytes(text: str = "Decision of the court") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document><w:t>{text}</w:t></w:document>")
    return out.getvalue()


def upload(
    client: TestClient,
    headers: Headers,
    person_id: str,
    content: bytes,
    *,
    title: str = "Arrest warrant of 2016",
    kind: str = "warrant",
    filename: str = "file.bin",
    declared: str = "application/octet-stream",
    **fields: str | list[str],
) -> httpx.Response:
    data: dict[str, str | list[str]] = {"title": title, "kind": kind, **fields}
    answer: httpx.Response = client.post(
        f"/api/v1/persons/{person_id}/documents",
        data=data,
        files={"file": (filename, content, declared)},
        headers=headers,
    )
    return answer


def actions(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq)))]


def chunk_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM document_chunk")).scalar_one())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + os.urandom(100), "image/jpeg"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + os.urandom(50), "image/webp"),
        (b"II*\x00" + os.urandom(50), "image/tiff"),
        (docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Постановление суда, 2016\n".encode(), "text/plain; charset=utf-8"),
    ],
    ids=["pdf", "png", "jpeg", "webp", "tiff", "docx", "text"],
)
def test_an_upload_is_judged_by_its_bytes_and_comes_back_unchanged(
    client: TestClient, org_a: OrgTokens, content: bytes, expected: str
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    made = upload(
        client, org_a.editor, pid, content, filename="misleading.exe", declared="application/x-msdownload"
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["content_type"] == expected
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["title"] == "Arrest warrant of 2016"
    assert made.headers["location"] == f"/api/v1/documents/{body['id']}"
    got = client.get(f"/api/v1/documents/{body['id']}/content", headers=org_a.viewer)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == expected
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="document-')
    assert "Arrest" not in disposition


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03" + os.urandom(200),  # a Windows program
        b"GIF89a" + os.urandom(10) + b"\x00",
        b"text with a NUL\x00 inside",
        b"\xff\xfe\x00\x00 not UTF-8 \xc3",
    ],
    ids=["exe", "gif", "nul", "latin"],
)
def test_other_types_are_415_whatever_the_name_says(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, content: bytes
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    refused = upload(client, org_a.editor, pid, content, filename="warrant.pdf", declared="application/pdf")
    assert refused.status_code == 415, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert chunk_count(db) == 0
    assert client.get(f"/api/v1/persons/{pid}/documents", headers=org_a.viewer).json()["items"] == []


def test_a_zip_without_a_word_document_is_415(client: TestClient, org_a: OrgTokens) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.txt", "x")
    pid = make_person(client, org_a.editor)["id"]
    refused = upload(client, org_a.editor, pid, out.getvalue(), filename="d.docx")
    assert refused.status_code == 415


def test_a_large_document_is_chunked_and_one_byte_more_than_25_mib_is_413(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + os.urandom(3 * CHUNK_BYTES)  # ends in the middle of a fourth chunk
    made = upload(client, org_a.editor, pid, content)
    assert made.status_code == 201, made.text
    assert chunk_count(db) == 4
    got = client.get(f"/api/v1/documents/{made.json()['id']}/content", headers=org_a.viewer)
    assert hashlib.sha256(got.content).hexdigest() == made.json()["sha256"]
    too_big = b"%PDF-1.4\n" + b"\x00" * (MAX_DOCUMENT_BYTES - 9 + 1)
    refused = upload(client, org_a.editor, pid, too_big)
    assert refused.status_code == 413, refused.text
    assert "25 MiB" in refused.json()["detail"]
    assert chunk_count(db) == 4  # nothing of the refused file stayed


def test_exactly_25_mib_is_kept(client: TestClient, org_a: OrgTokens, db: sa.Engine) -> None:
    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + b"\x01" * (MAX_DOCUMENT_BYTES - 9)
    made = upload(client, org_a.editor, pid, content)
    assert made.status_code == 201, made.text
    assert made.json()["size"] == MAX_DOCUMENT_BYTES
    assert chunk_count(db) == 25


def test_other_routes_keep_their_1_mib_limit(client: TestClient, org_a: OrgTokens) -> None:
    answer = client.post(
        "/api/v1/persons", content=b"{" + b" " * (1024 * 1024 + 10) + b"}", headers=org_a.editor
    )
    assert answer.status_code == 413
    assert "1 MiB" in answer.json()["detail"]


def test_an_upload_refuses_records_of_another_person_and_bad_fields(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    other = make_person(client, org_a.editor, name="Other Person")["id"]
    theirs = make_notice(client, org_a.editor, other)["id"]
    foreign_pid = make_person(client, org_b.editor)["id"]
    foreign = make_notice(client, org_b.editor, foreign_pid)["id"]
    for records in ([theirs], [foreign], ["not-an-id"]):
        refused = upload(client, org_a.editor, pid, PDF, records=records)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"] == ["body", "records"]
    for fields, where in (
        ({"kind": "passport"}, "kind"),
        ({"dated": "22.02.2016"}, "dated"),
        ({"title": ""}, "title"),
    ):
        refused = upload(client, org_a.editor, pid, PDF, **fields)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"] == ["body", where]
    no_file = client.post(
        f"/api/v1/persons/{pid}/documents", data={"title": "x", "kind": "other"}, headers=org_a.editor
    )
    assert no_file.status_code == 422
    json_body = client.post(f"/api/v1/persons/{pid}/documents", json={"title": "x"}, headers=org_a.editor)
    assert json_body.status_code == 422
    assert upload(client, org_a.viewer, pid, PDF).status_code == 403
    assert upload(client, org_b.editor, pid, PDF).status_code == 404
    assert chunk_count(db) == 0


def test_metadata_list_patch_and_delete(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    notice = make_notice(client, org_a.editor, pid)["id"]
    detention = make_detention(client, org_a.editor, pid)["id"]
    made = upload(
        client,
        org_a.editor,
        pid,
        PDF,
        dated="2016-02",
        language="ru",
        records=[notice, detention],
        kind="court_decision",
    ).json()
    assert (made["dated"], made["language"], made["records"], made["kind"]) == (
        "2016-02",
        "ru",
        [notice, detention],
        "court_decision",
    )
    second = upload(client, org_a.editor, pid, PNG, title="Photo", kind="media").json()
    listed = client.get(f"/api/v1/persons/{pid}/documents", params={"limit": 1}, headers=org_a.viewer).json()
    assert [d["id"] for d in listed["items"]] == [second["id"]]
    rest = client.get(
        f"/api/v1/persons/{pid}/documents", params={"cursor": listed["next_cursor"]}, headers=org_a.viewer
    ).json()
    assert [d["id"] for d in rest["items"]] == [made["id"]]
    url = f"/api/v1/documents/{made['id']}"
    read = client.get(url, headers=org_a.viewer)
    assert read.headers["etag"] == '"1"'
    assert client.get(url, headers=org_b.viewer).status_code == 404
    assert client.get(f"{url}/content", headers=org_b.viewer).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=org_a.editor).status_code == 428
    changed = client.patch(
        url,
        json={"title": "Court decision, Dushanbe", "records": [notice], "dated": None},
        headers={**org_a.editor, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["records"], changed.json()["dated"]) == (
        "Court decision, Dushanbe",
        [notice],
        None,
    )
    assert changed.headers["etag"] == '"2"'
    assert (
        client.patch(url, json={"title": "y"}, headers={**org_a.editor, "If-Match": '"1"'}).status_code == 412
    )
    other = make_person(client, org_a.editor, name="Other Person")["id"]
    theirs = make_notice(client, org_a.editor, other)["id"]
    wrong = client.patch(url, json={"records": [theirs]}, headers={**org_a.editor, "If-Match": '"2"'})
    assert wrong.status_code == 422
    assert client.delete(url, headers=org_a.viewer).status_code == 403
    assert client.delete(url, headers={**org_a.editor, "If-Match": '"1"'}).status_code == 412
    assert client.delete(url, headers=org_a.editor).status_code == 204
    assert client.get(url, headers=org_a.viewer).status_code == 404
    assert chunk_count(db) == 1  # the photo's
    trail = actions(db)
    for action in (
        "document.created",
        "document.read",
        "document.listed",
        "document.updated",
        "document.deleted",
    ):
        assert action in trail, action


def test_reading_the_bytes_is_audited_and_counted(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    made = upload(client, org_a.editor, pid, PDF).json()
    token = org_a.token_ids[Role.viewer]
    with Session(db) as session:
        before = quota.reads_today(session, token_id=token, now=utcnow())
    assert client.get(f"/api/v1/documents/{made['id']}/content", headers=org_a.viewer).status_code == 200
    with Session(db) as session:
        after = quota.reads_today(session, token_id=token, now=utcnow())
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
    assert after == before + 1
    assert entry is not None
    assert (entry.action, entry.object_id, entry.actor) == (
        "document.content_read",
        made["id"],
        token,
    )


def test_the_upload_is_audited_and_counted_once(client: TestClient, org_a: OrgTokens, db: sa.Engine) -> None:
    pid = make_person(client, org_a.editor)["id"]
    token = org_a.token_ids[Role.editor]
    with Session(db) as session:
        before = quota.reads_today(session, token_id=token, now=utcnow())
    assert upload(client, org_a.editor, pid, PDF).status_code == 201
    with Session(db) as session:
        assert quota.reads_today(session, token_id=token, now=utcnow()) == before + 1
    assert actions(db)[-1] == "document.created"


def _database_files(database_url: str) -> list[Path]:
    path = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def test_a_canary_in_a_document_is_nowhere_in_the_database_files_and_erasure_removes_the_chunks(
    client: TestClient, org_a: OrgTokens, database_url: str, db: sa.Engine
) -> None:
    canary = f"CANARY-{os.urandom(8).hex()}"
    title = f"TITLE-{os.urandom(8).hex()}"
    pid = make_person(client, org_a.editor)["id"]
    content = (f"Witness statement. {canary}\n" * 20_000).encode()  # about 700 KiB of text
    made = upload(client, org_a.editor, pid, content, title=title, kind="other")
    assert made.status_code == 201, made.text
    kept = upload(client, org_a.editor, pid, f"{canary} again".encode(), kind="other").json()
    on_sqlite = database_url.startswith("sqlite")
    files = _database_files(database_url) if on_sqlite else []
    assert files or not on_sqlite
    for path in files:  # on PostgreSQL the ciphertext is checked through SQL below
        stored = path.read_bytes()
        assert canary.encode() not in stored, path.name
        assert title.encode() not in stored, path.name
    with db.connect() as conn:
        stored_chunks = [bytes(d) for (d,) in conn.execute(sa.text("SELECT data FROM document_chunk"))]
        titles = [t for (t,) in conn.execute(sa.text("SELECT title FROM document"))]
    assert len(stored_chunks) == 2
    assert not any(canary.encode() in chunk for chunk in stored_chunks)
    assert not any(title in t for t in titles)
    assert all(t.startswith("a3e:") for t in titles)
    assert (
        client.get(f"/api/v1/documents/{made.json()['id']}/content", headers=org_a.viewer).content == content
    )
    assert client.delete(f"/api/v1/documents/{kept['id']}", headers=org_a.editor).status_code == 204
    assert chunk_count(db) == 1
    assert client.delete(f"/api/v1/persons/{pid}", headers=org_a.admin).status_code == 204
    assert chunk_count(db) == 0
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM document")).scalar_one() == 0


def test_a_chunk_moved_or_cut_does_not_open(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, database_url: str, keyring: Keyring
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + os.urandom(2 * CHUNK_BYTES + 10)
    made = upload(client, org_a.editor, pid, content).json()
    with db.begin() as conn:  # swap the first two chunks
        rows = conn.execute(
            sa.text("SELECT position, data FROM document_chunk WHERE document_id = :d ORDER BY position"),
            {"d": made["id"]},
        ).all()
        for position, data in ((0, rows[1][1]), (1, rows[0][1])):
            conn.execute(
                sa.text("UPDATE document_chunk SET data = :data WHERE document_id = :d AND position = :p"),
                {"data": data, "d": made["id"], "p": position},
            )
    engine = make_engine(database_url, writer=False, keyring=keyring, pooled=False)
    try:
        with reading(engine, keyring) as session:
            document = session.get(Document, made["id"])
            assert document is not None
            with pytest.raises(InvalidTag):
                document_service.content(session, document, position=0)
            assert document_service.content(session, document, position=2) == content[2 * CHUNK_BYTES :]
            document.chunks = 2  # as if the last chunk were cut off: the second does not say it is the last
            with pytest.raises(RuntimeError, match="missing"):
                document_service.content(session, document, position=1)
    finally:
        engine.dispose()


def test_a_document_survives_a_key_rotation(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    from app.services import encryption

    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + os.urandom(CHUNK_BYTES + 5)
    made = upload(client, org_a.editor, pid, content).json()
    engine = make_engine(database_url, writer=True, keyring=keyring, pooled=False)
    try:
        rotation = encryption.rotate(engine, keyring)
        assert rotation.failure is None
        assert rotation.remaining is not None
        assert rotation.remaining["document_chunk.data"] == 0
        with engine.connect() as conn:
            prefixes = {bytes(d[:4]) for (d,) in conn.execute(sa.text("SELECT data FROM document_chunk"))}
    finally:
        engine.dispose()
    assert prefixes == {rotation.key_id.to_bytes(4, "big")}
    assert client.get(f"/api/v1/documents/{made['id']}/content", headers=org_a.viewer).content == content


def test_the_dossier_lists_documents_as_exhibits_linked_to_the_facts_they_support(
    client: TestClient, org_a: OrgTokens
) -> None:
    from tests.test_dossier_formats import docx_text, pdf_text

    pid = make_person(client, org_a.editor)["id"]
    notice = make_notice(client, org_a.editor, pid, requested_on="2016-03")["id"]
    made = upload(
        client,
        org_a.editor,
        pid,
        PDF,
        title="Red notice request of 2016",
        kind="interpol_notice",
        dated="2016-03",
        records=[notice],
    ).json()
    dossier = client.get(f"/api/v1/persons/{pid}/dossier", headers=org_a.viewer).json()
    assert dossier["documents"] == [
        {
            "id": made["id"],
            "title": "Red notice request of 2016",
            "kind": "interpol_notice",
            "dated": "2016-03",
            "language": None,
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": made["sha256"],
            "supports": [{"kind": "notice", "id": notice}],
        }
    ]
    markdown = client.get(f"/api/v1/persons/{pid}/dossier?format=markdown", headers=org_a.viewer).text
    section = markdown[markdown.index("## Documents") :]
    row = next(line for line in section.splitlines() if "Red notice request of 2016" in line)
    assert "| E-2 |" in row
    assert "INTERPOL notice" in row
    assert "2016-03" in row
    assert made["sha256"] in row
    assert row.rstrip(" |").endswith("E-1")  # supports the notice, exhibit E-1
    assert "Documents: E-2." in markdown.replace("\\", "")  # and the notice's details name its document
    for fmt, extract in (("pdf", pdf_text), ("docx", docx_text)):
        body = client.get(f"/api/v1/persons/{pid}/dossier?format={fmt}", headers=org_a.viewer).content
        text = extract(body)
        assert "Red notice request of 2016" in text, fmt
        assert made["sha256"][:16] in text.replace("\n", ""), fmt


def test_an_export_with_a_chunk_missing_is_refused_on_import(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    from app.services import transfer
    from tests.test_export import export_text, lines_of

    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + os.urandom(CHUNK_BYTES + 10)
    made = upload(client, org_a.editor, pid, content).json()
    lines = lines_of(export_text(database_url, keyring, org_a.name))
    chunk_lines = [line for line in lines if line.startswith('{"kind":"document_chunk"')]
    assert len(chunk_lines) == 2
    assert made["id"] in chunk_lines[0]
    without_last = [line for line in lines if line != chunk_lines[1]]
    engine = make_engine(database_url, writer=True, keyring=keyring, pooled=False)
    try:
        with pytest.raises(transfer.ImportRejected) as refused, unit_of_work(engine, keyring) as session:
            transfer.import_org(session, org_id=org_a.id, lines=[f"{line}\n" for line in without_last])
    finally:
        engine.dispose()
    assert [p.message for p in refused.value.problems] == [
        "document: its 2 chunk(s) are not all in the file, in order"
    ]


def test_an_altered_chunk_cuts_the_answer_off_where_it_lies(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    """The chunks before it are sent, then the answer stops short of its Content-Length: the client can
    tell the file is incomplete, and the server logs the error's types (this walked for ever before:
    the streaming task group's error has the group as its context)."""
    pid = make_person(client, org_a.editor)["id"]
    content = b"%PDF-1.4\n" + os.urandom(2 * CHUNK_BYTES)
    made = upload(client, org_a.editor, pid, content).json()
    with db.begin() as conn:
        conn.execute(
            sa.text("UPDATE document_chunk SET data = :d WHERE document_id = :i AND position = 1"),
            {"d": b"\x00\x00\x00\x01" + b"x" * 40, "i": made["id"]},
        )
    got = client.get(f"/api/v1/documents/{made['id']}/content", headers=org_a.viewer)
    assert int(got.headers["content-length"]) == len(content)
    assert got.content == content[:CHUNK_BYTES]


def test_the_error_line_walks_an_exception_group_whose_member_points_back_at_it() -> None:
    from app.errors import _kinds

    inner = ValueError("personal data")
    group = ExceptionGroup("streaming", [inner])
    inner.__context__ = group
    assert _kinds(group) == "ExceptionGroup[ValueError]"


def test_an_idempotency_key_is_not_honoured_on_an_upload(client: TestClient, org_a: OrgTokens) -> None:
    """The body is never held whole, so it cannot be fingerprinted: the key is ignored, as documented."""
    pid = make_person(client, org_a.editor)["id"]
    headers = {**org_a.editor, "Idempotency-Key": "upload-1"}
    first, again = (upload(client, headers, pid, PDF) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] != again.json()["id"]
    assert "idempotent-replayed" not in again.headers
