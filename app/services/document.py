"""Documents kept as exhibits: uploaded as multipart, judged by their bytes, sealed in chunks in the
database, streamed back, corrected, deleted.

An upload never holds the whole file in memory, and its plaintext never touches the disk. `receive`
reads the multipart body as it arrives (at most 25 MiB of file: it stops at the first byte past that),
judges the type from the bytes, hashes them, and spools them to a temporary file sealed under a key
that exists only in this process's memory for the upload (so a slow client never holds the database's
write lock). `create` then, in the request's transaction, opens each spooled chunk and seals it again
under the field key (AES-GCM, `FieldKeys.seal`), bound as associated data to the document's id, the
chunk's position and whether it is the last: a chunk moved, reordered, swapped between documents or
cut off does not open. `content` yields the chunks opened one at a time.
"""

import codecs
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import python_multipart
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlmodel import Session, col, select

from app import kinds
from app.errors import PreconditionFailed, TooLarge, Unprocessable, UnsupportedType
from app.keyring import FieldKeys, keyring_of
from app.models.base import utcnow
from app.models.document import (
    CHUNK_BYTES,
    MAX_DOCUMENT_BYTES,
    ContentType,
    Document,
    DocumentChunk,
    DocumentFields,
    DocumentUpdate,
)
from app.models.person import Person
from app.models.token import Principal
from app.services import audit, patch
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned

MAX_FIELD_BYTES = 64 * 1024  # the metadata fields together
MAX_PARTS = 200
CHUNKS: sa.Table = DocumentChunk.__table__  # type: ignore[attr-defined]
EXTENSIONS = {
    ContentType.pdf: "pdf",
    ContentType.png: "png",
    ContentType.jpeg: "jpg",
    ContentType.webp: "webp",
    ContentType.tiff: "tiff",
    ContentType.docx: "docx",
    ContentType.text: "txt",
}
KINDS_LIST = "PDF, PNG, JPEG, WebP, TIFF, Word (.docx) or plain UTF-8 text"  # what a 415 says is accepted


def chunk_aad(document_id: str, position: int, *, final: bool) -> bytes:
    """What a sealed chunk is bound to: its document, its place, and whether the document ends with it."""
    return f"document_chunk.data:{document_id}:{position}:{'final' if final else 'more'}".encode()


# --- judging the type by the bytes -----------------------------------------------------------------

DOCX_PART = b"word/document.xml"
ZIP_LOCAL = b"PK\x03\x04"
ZIP_END = b"PK\x05\x06"
ZIP_TAIL = 22 + 65_535  # the end-of-central-directory record and its longest comment


class Judge:
    """The content type of a file fed in pieces, from its magic bytes; DOCX is a ZIP holding
    word/document.xml; plain text is UTF-8 without NUL characters. Never the name or declared type."""

    def __init__(self) -> None:
        self.head = b""
        self.tail = b""
        self.docx_part = False
        self.text = codecs.getincrementaldecoder("utf-8")()
        self.is_text = True

    def feed(self, data: bytes) -> None:
        if len(self.head) < 16:
            self.head += data[: 16 - len(self.head)]
        window = self.tail[-(len(DOCX_PART) + len(ZIP_LOCAL) + 26) :] + data
        if not self.docx_part and DOCX_PART in window:
            self.docx_part = True
        self.tail = (self.tail + data)[-ZIP_TAIL:]
        if self.is_text:
            try:
                self.text.decode(data)
                self.is_text = b"\x00" not in data
            except UnicodeDecodeError:
                self.is_text = False

    def verdict(self) -> ContentType:
        head = self.head
        if head.startswith(b"%PDF-"):
            return ContentType.pdf
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return ContentType.png
        if head.startswith(b"\xff\xd8\xff"):
            return ContentType.jpeg
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return ContentType.webp
        if head.startswith((b"II*\x00", b"MM\x00*")):
            return ContentType.tiff
        if head.startswith(ZIP_LOCAL):
            if self.docx_part and ZIP_END in self.tail:
                return ContentType.docx
            raise UnsupportedType(f"A ZIP file that is not a Word document: documents may be {KINDS_LIST}.")
        if self.is_text and head:
            try:
                self.text.decode(b"", final=True)
            except UnicodeDecodeError:
                self.is_text = False
            else:
                return ContentType.text
        raise UnsupportedType(
            f"Documents may be {KINDS_LIST}; this file is none of these (judged by its bytes)."
        )


# --- receiving an upload ---------------------------------------------------------------------------


@dataclass
class Spool:
    """A file received: its chunks sealed under a key of this upload alone, in a temporary file."""

    file: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile())  # noqa: SIM115 - closed by close()
    key: AESGCM = field(default_factory=lambda: AESGCM(AESGCM.generate_key(bit_length=256)))
    lengths: list[int] = field(default_factory=list)  # sealed length of each chunk
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    judge: Judge = field(default_factory=Judge)
    pending: bytearray = field(default_factory=bytearray)

    def add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > MAX_DOCUMENT_BYTES:
            raise TooLarge("A document may have at most 25 MiB.")
        self.digest.update(data)
        self.judge.feed(data)
        self.pending += data
        while len(self.pending) > CHUNK_BYTES:  # more follows this chunk: it is not the last
            self._spool(bytes(self.pending[:CHUNK_BYTES]))
            del self.pending[:CHUNK_BYTES]

    def finish(self) -> None:
        self._spool(bytes(self.pending))
        self.pending = bytearray()
        self.file.seek(0)

    def _spool(self, data: bytes) -> None:
        nonce = os.urandom(12)
        sealed = nonce + self.key.encrypt(nonce, data, len(self.lengths).to_bytes(4, "big"))
        self.file.write(sealed)
        self.lengths.append(len(sealed))

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        for position, length in enumerate(self.lengths):
            sealed = self.file.read(length)
            yield self.key.decrypt(sealed[:12], sealed[12:], position.to_bytes(4, "big"))

    def close(self) -> None:
        self.file.close()


@dataclass
class Upload:
    fields: dict[str, list[str]]
    spool: Spool
    content_type: ContentType
    sha256: str

    def close(self) -> None:
        self.spool.close()


_BOUNDARY = re.compile(r"""boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))""", re.IGNORECASE)
_NAME = re.compile(r"""[\s;]name="([^"]*)\"""")
_FILENAME = re.compile(r"""[\s;]filename\*?=""")


class _Parts:
    """The multipart parser's callbacks: text fields kept (64 KiB in all), the `file` part spooled."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.spool: Spool | None = None
        self.field_bytes = 0
        self.parts = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = ""
        self._name: str | None = None
        self._is_file = False
        self._value = bytearray()

    def callbacks(self) -> "python_multipart.multipart.MultipartCallbacks":
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._extend("_header_name", d[s:e]),
            "on_header_value": lambda d, s, e: self._extend("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _extend(self, name: str, data: bytes) -> None:
        value = getattr(self, name) + data
        if len(value) > 8192:
            raise Unprocessable("A part's header is too long.", loc=("body",))
        setattr(self, name, value)

    def _begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise Unprocessable(f"At most {MAX_PARTS} fields.", loc=("body",))
        self._disposition, self._name, self._is_file, self._value = "", None, False, bytearray()

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value.decode("latin-1")
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        match = _NAME.search(";" + self._disposition)
        self._name = match.group(1) if match else None
        self._is_file = self._name == "file"
        if self._is_file:
            if self.spool is not None:
                raise Unprocessable("One file per document.", loc=("body", "file"))
            self.spool = Spool()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self.spool is not None  # noqa: S101 - made when the part's headers ended
            self.spool.add(data[start:end])
            return
        self.field_bytes += end - start
        if self.field_bytes > MAX_FIELD_BYTES:
            raise Unprocessable("The fields other than the file may have 64 KiB in all.", loc=("body",))
        self._value += data[start:end]

    def _end(self) -> None:
        if self._is_file or self._name is None:
            return
        try:
            text = self._value.decode("utf-8")
        except UnicodeDecodeError:
            raise Unprocessable(f"{self._name} is not UTF-8 text.", loc=("body", self._name)) from None
        self.fields.setdefault(self._name, []).append(text)


def receive(body: Iterable[bytes], *, content_type: str | None) -> Upload:
    """Read a multipart upload as it arrives; raises TooLarge past 25 MiB (reading no further),
    UnsupportedType for a file of a type not kept, Unprocessable for a body that is not a form."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    boundary = _BOUNDARY.search(content_type or "")
    if media != "multipart/form-data" or boundary is None:
        raise Unprocessable(
            "Send the document as multipart/form-data: the `file`, its `title`, `kind`…", loc=("body",)
        )
    parts = _Parts()
    parser = python_multipart.MultipartParser(
        (boundary.group(1) or boundary.group(2)).encode("latin-1"), parts.callbacks()
    )
    try:
        for data in body:
            parser.write(data)
        parser.finalize()
    except python_multipart.exceptions.MultipartParseError:
        if parts.spool is not None:
            parts.spool.close()
        raise Unprocessable("The body is not a well-formed multipart form.", loc=("body",)) from None
    except BaseException:
        if parts.spool is not None:
            parts.spool.close()
        raise
    spool = parts.spool
    if spool is None:
        raise Unprocessable("The form has no `file` part.", loc=("body", "file"))
    try:
        if spool.size == 0:
            raise Unprocessable("The file is empty.", loc=("body", "file"))
        spool.finish()
        verdict = spool.judge.verdict()
    except BaseException:
        spool.close()
        raise
    return Upload(fields=parts.fields, spool=spool, content_type=verdict, sha256=spool.digest.hexdigest())


# --- the service -----------------------------------------------------------------------------------


def _fields(raw: dict[str, list[str]]) -> DocumentFields:
    unknown = sorted(set(raw) - {"title", "kind", "dated", "language", "records"})
    if unknown:
        raise Unprocessable(f"Unknown field {unknown[0][:40]!r}.", loc=("body", unknown[0][:40]))
    data: dict[str, Any] = {name: values[-1] for name, values in raw.items() if name != "records"}
    data = {name: value for name, value in data.items() if value.strip() or name == "title"}
    data["records"] = [i.strip() for v in raw.get("records", []) for i in v.split(",") if i.strip()]
    try:
        return DocumentFields.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = str(first["loc"][0]) if first["loc"] else "body"
        raise Unprocessable(f"{where}: {first['msg']}", loc=("body", where)) from None


def check_records(session: Session, person_id: str, record_ids: Sequence[str], *, org_id: str) -> None:
    """Each id must name a record of this person (of any kind but documents): 422 otherwise."""
    wanted = set(record_ids)
    for kind in kinds.KINDS:
        if not wanted or kind.name == "document":
            continue
        model: Any = kind.model
        query = select(model.id).where(
            col(model.id).in_(sorted(wanted)),
            model.org_id == org_id,
            getattr(model, kind.person_link) == person_id,
        )
        wanted -= set(session.exec(query))
    if wanted:
        raise Unprocessable(
            f"records: {len(wanted)} id(s) name no record of this person.", loc=("body", "records")
        )


def person_of(session: Session, person_id: str, *, by: Principal) -> Person:
    """The person a document is uploaded for (the same 404 for unknown and foreign ids)."""
    return get_owned(session, Person, person_id, org_id=by.org_id)


def create(session: Session, person_id: str, *, upload: Upload, by: Principal) -> Document:
    """Keep the uploaded document, its chunks sealed under the field key, in the caller's transaction."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    data = _fields(upload.fields)
    check_records(session, person.id, data.records, org_id=by.org_id)
    document = Document(
        org_id=by.org_id,
        person_id=person.id,
        **data.model_dump(),
        content_type=upload.content_type.value,
        size=upload.spool.size,
        sha256=upload.sha256,
        chunks=len(upload.spool.lengths),
    )
    session.add(document)
    session.flush()
    keys = keyring_of(session).fields
    connection = session.connection()
    last = len(upload.spool.lengths) - 1
    for position, plain in enumerate(upload.spool.chunks()):
        final = position == last
        connection.execute(
            sa.insert(CHUNKS).values(
                document_id=document.id,
                position=position,
                org_id=by.org_id,
                final=final,
                data=keys.seal(plain, aad=chunk_aad(document.id, position, final=final)),
            )
        )
    audit.record(session, by=by, action="document.created", kind="document", object_id=document.id)
    return document


def get(session: Session, document_id: str, *, by: Principal, action: str = "document.read") -> Document:
    document = get_owned(session, Document, document_id, org_id=by.org_id)
    audit.record(session, by=by, action=action, kind="document", object_id=document.id)
    return document


def content(session: Session, document: Document, *, position: int) -> bytes:
    """The plaintext of one chunk; raises if it is missing, moved or altered."""
    row = (
        session.connection()
        .execute(
            sa.select(CHUNKS.c.final, CHUNKS.c.data).where(
                CHUNKS.c.document_id == document.id, CHUNKS.c.position == position
            )
        )
        .first()
    )
    final = position == document.chunks - 1
    if row is None or bool(row.final) != final:
        raise RuntimeError("a chunk of the document is missing")
    return keyring_of(session).fields.open(bytes(row.data), aad=chunk_aad(document.id, position, final=final))


def update(
    session: Session, document_id: str, *, data: DocumentUpdate, expected_version: int, by: Principal
) -> Document:
    document = get_owned(session, Document, document_id, org_id=by.org_id, for_update=True)
    if document.version != expected_version:
        raise PreconditionFailed(f"The document has changed: it is at version {document.version}.")
    changes = patch.changes(
        data.model_dump(exclude_unset=True), required=("title", "kind"), defaults={"records": []}
    )
    if changes.get("records"):
        check_records(session, document.person_id, changes["records"], org_id=by.org_id)
    if not changes:
        patch.unchanged(session, kind="document", record_id=document.id, by=by)
        return document
    document.sqlmodel_update(changes)
    document.version += 1
    document.updated_at = utcnow()
    session.add(document)
    session.flush()
    audit.record(session, by=by, action="document.updated", kind="document", object_id=document.id)
    return document


def delete(session: Session, document_id: str, *, by: Principal, expected_version: int | None = None) -> None:
    """The document and every chunk of it (the chunks first: a database without foreign keys too)."""
    document = get_owned(session, Document, document_id, org_id=by.org_id, for_update=True)
    patch.check_version(document, expected_version, what="document")
    session.connection().execute(sa.delete(CHUNKS).where(CHUNKS.c.document_id == document.id))
    session.delete(document)
    session.flush()
    audit.record(session, by=by, action="document.deleted", kind="document", object_id=document_id)


def list_page(
    session: Session, person_id: str, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    query = owned(Document, by.org_id).where(Document.person_id == person.id)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Document, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(session, by=by, action="document.listed", kind="person", object_id=person.id)
    return rows, next_cursor


def filename(document: Document) -> str:
    """A safe name for the download: the id and the extension of the type judged, never the title."""
    return f"document-{document.id}.{EXTENSIONS.get(ContentType(document.content_type), 'bin')}"


# --- export, import and key rotation of the chunks -------------------------------------------------


def open_chunk(keys: FieldKeys, row: dict[str, Any]) -> bytes:
    """A stored chunk's plaintext (export)."""
    aad = chunk_aad(row["document_id"], row["position"], final=bool(row["final"]))
    return keys.open(bytes(row["data"]), aad=aad)


def seal_chunk(keys: FieldKeys, row: dict[str, Any]) -> bytes:
    """A chunk's plaintext sealed for storage under the active key (import)."""
    aad = chunk_aad(row["document_id"], row["position"], final=bool(row["final"]))
    return keys.seal(bytes(row["data"]), aad=aad)


def reseal_batch(
    connection: Connection, keys: FieldKeys, *, kid: int, after: tuple[str, int] | None, limit: int
) -> tuple[int, tuple[str, int] | None]:
    """Seal again under key `kid` the next `limit` chunks (by primary key after `after`) under another key;
    (chunks rewritten, the last key read). Only a chunk nobody changed since it was read is rewritten."""
    stale = sa.func.substr(CHUNKS.c.data, 1, 4) != sa.literal(kid.to_bytes(4, "big"), sa.LargeBinary)
    query = sa.select(CHUNKS.c.document_id, CHUNKS.c.position, CHUNKS.c.final, CHUNKS.c.data).where(stale)
    if after is not None:
        query = query.where(sa.tuple_(CHUNKS.c.document_id, CHUNKS.c.position) > sa.tuple_(*after))
    rows = connection.execute(query.order_by(CHUNKS.c.document_id, CHUNKS.c.position).limit(limit)).all()
    done = 0
    for row in rows:
        aad = chunk_aad(row.document_id, row.position, final=bool(row.final))
        sealed = keys.seal(keys.open(bytes(row.data), aad=aad), aad=aad, kid=kid)
        updated = connection.execute(
            sa.update(CHUNKS)
            .where(
                CHUNKS.c.document_id == row.document_id,
                CHUNKS.c.position == row.position,
                CHUNKS.c.data == row.data,
            )
            .values(data=sealed)
        )
        done += updated.rowcount
    return done, ((rows[-1].document_id, rows[-1].position) if rows else None)


def stale_chunks(connection: Connection, *, kid: int) -> int:
    """Chunks not under key `kid`."""
    stale = sa.func.substr(CHUNKS.c.data, 1, 4) != sa.literal(kid.to_bytes(4, "big"), sa.LargeBinary)
    return int(connection.execute(sa.select(sa.func.count()).select_from(CHUNKS).where(stale)).scalar_one())
