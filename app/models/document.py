"""Document: a file kept as an exhibit of a person's case (a warrant, a court decision, a letter of the
CCF…), its bytes encrypted in chunks in the database (`document_chunk`), never on disk in the clear."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from app.models.base import ID_PATTERN, JSONList, OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024  # 25 MiB: a larger file is a 413
CHUNK_BYTES = 1024 * 1024  # each chunk sealed on its own (AES-GCM), so nothing holds a whole file
Language = Annotated[str, StringConstraints(max_length=35, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class DocumentKind(StrEnum):
    warrant = "warrant"
    court_decision = "court_decision"
    ccf_correspondence = "ccf_correspondence"
    interpol_notice = "interpol_notice"
    translation = "translation"
    identity = "identity"
    medical = "medical"
    media = "media"
    other = "other"


class ContentType(StrEnum):
    """The types a document may have, as judged from its bytes (never from its name or declared type)."""

    pdf = "application/pdf"
    png = "image/png"
    jpeg = "image/jpeg"
    webp = "image/webp"
    tiff = "image/tiff"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text = "text/plain; charset=utf-8"


_RECORD_ID = re.compile(ID_PATTERN)


def _record_ids(value: list[str]) -> list[str]:
    if any(not _RECORD_ID.match(v) for v in value):
        raise ValueError("each record must be an id as the API returns it")
    return list(dict.fromkeys(value))


class DocumentFields(StrictInput):
    """The metadata sent with an upload (as multipart fields) and corrected by PATCH."""

    title: str = Field(min_length=1, max_length=500, description="What the document is; kept encrypted.")
    kind: DocumentKind
    dated: FuzzyDate | None = Field(
        default=None, description="The document's own date (`2016`, `2016-02`, `2016-02-22`)."
    )
    language: Language | None = Field(default=None, description="BCP 47 tag, e.g. `ru`, `tg`, `en-GB`.")
    records: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Ids of this person's records (notices, detentions, extraditions, incidents, challenges, "
        "protections) the document supports; an id of anything else is a 422.",
    )

    _ids = field_validator("records")(_record_ids)


class DocumentUpdate(StrictInput):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    kind: DocumentKind | None = None
    dated: FuzzyDate | None = None
    language: Language | None = None
    records: list[str] | None = Field(default=None, max_length=100)

    @field_validator("records")
    @classmethod
    def _ids(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _record_ids(value)


class Document(OrgOwned, Versioned, table=True):
    __table_args__ = (sa.Index("ix_document_org_id_person_id", "org_id", "person_id"),)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    kind: DocumentKind = Field(sa_type=enum_column(DocumentKind))
    title: str = Field(sa_type=EncryptedText("document.title"))
    dated: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    language: str | None = Field(default=None, max_length=35)
    records: list[str] = Field(default_factory=list, sa_type=JSONList)
    content_type: str = Field(max_length=100)
    size: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    chunks: int = Field(default=0)


class DocumentChunk(SQLModel, table=True):
    """One sealed chunk of a document: `FieldKeys.seal` output (key id, nonce, ciphertext and tag), bound to
    the document, its position and whether it is the last (so chunks cannot be swapped, reordered or cut)."""

    __tablename__ = "document_chunk"
    document_id: str = Field(foreign_key="document.id", primary_key=True, max_length=36, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    final: bool = Field(default=False)
    data: bytes = Field(sa_type=sa.LargeBinary)


class DocumentChunkLine(SQLModel):
    """A chunk as the export writes it: its plaintext in base64, sealed again on import."""

    document_id: str
    position: int = Field(ge=0, lt=MAX_DOCUMENT_BYTES // CHUNK_BYTES)
    final: bool
    data: str = Field(min_length=4, max_length=4 * (CHUNK_BYTES // 3 + 1))


class DocumentPublic(SQLModel):
    id: str
    person_id: str
    title: str
    kind: DocumentKind
    dated: FuzzyDate | None
    language: str | None
    records: list[str]
    content_type: str = Field(description="Judged from the bytes.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the bytes, in hex: cite it to show the exhibit is unaltered.")
    version: int
    created_at: datetime
    updated_at: datetime


class DocumentList(SQLModel):
    items: list[DocumentPublic]
    next_cursor: str | None = None
