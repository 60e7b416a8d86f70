"""Dossier: everything a CCF filing or a court needs about one person, in one document."""

from datetime import date
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.challenge import ChallengePublic
from app.models.detention import DetentionPublic
from app.models.document import DocumentKind
from app.models.extradition import ExtraditionPublic
from app.models.flag import Flag, StateDetail
from app.models.fuzzy_date import FuzzyDate
from app.models.incident import IncidentPublic
from app.models.notice import NoticePublic
from app.models.person import PersonPublic
from app.models.protection import ProtectionPublic
from app.models.timeline import HistoryEvent, RecordRef


class DossierFormat(StrEnum):
    json = "json"
    markdown = "markdown"
    pdf = "pdf"
    docx = "docx"


MEDIA_TYPE = {
    DossierFormat.json: "application/json",
    DossierFormat.markdown: "text/markdown; charset=utf-8",
    DossierFormat.pdf: "application/pdf",
    DossierFormat.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SUFFIX = {
    DossierFormat.json: "json",
    DossierFormat.markdown: "md",
    DossierFormat.pdf: "pdf",
    DossierFormat.docx: "docx",
}


class Provenance(SQLModel):
    """What a later reader needs to show a document was not altered: who prepared it, when, the audit
    sequence number of the records it shows (the newest change recorded when it was generated), and
    the SHA-256 of the dossier's canonical JSON (keys sorted, no spaces, UTF-8) every format is drawn from."""

    prepared_by: str
    prepared_on: date
    audit_seq: int
    sha256: str


class DossierDocument(SQLModel):
    """A document kept as an exhibit, and the records (facts) it supports that still exist."""

    id: str
    title: str
    kind: DocumentKind
    dated: FuzzyDate | None
    language: str | None
    content_type: str
    size: int
    sha256: str
    supports: list[RecordRef]


class Dossier(SQLModel):
    person: PersonPublic
    protections: list[ProtectionPublic]
    notices: list[NoticePublic]
    detentions: list[DetentionPublic]
    extraditions: list[ExtraditionPublic]
    incidents: list[IncidentPublic]
    challenges: list[ChallengePublic]
    history: list[HistoryEvent]
    flags: list[Flag]
    states: list[StateDetail]
    documents: list[DossierDocument] = Field(
        default_factory=list, description="Documents kept as exhibits, oldest dated first."
    )
