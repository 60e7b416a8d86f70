"""The dossier of a person: every record, the timeline, the indicators and the pooled figures of each
requesting state involved, as JSON or as Markdown a lawyer can paste into a filing."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from app import kinds
from app.language import ENGLISH, Prose
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.detention import DetentionPublic
from app.models.document import Document
from app.models.dossier import Dossier, DossierDocument, DossierFormat, Provenance
from app.models.extradition import ExtraditionPublic
from app.models.incident import IncidentPublic
from app.models.org import Org
from app.models.person import Person
from app.models.protection import ProtectionPublic
from app.models.timeline import RecordRef
from app.models.token import Principal
from app.services import challenge as challenge_service
from app.services import filing as filing_outline
from app.services import filing_docx, filing_markdown, filing_pdf
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import notice as notice_service
from app.services import pattern as pattern_service
from app.services import person as person_service
from app.services import records as records_service
from app.services.quota import EXCEEDED, READ_ACTIONS


def build(
    session: Session, person: Person, *, by: Principal, min_persons: int, prose: Prose = ENGLISH
) -> Dossier:
    """Everything about one person of the caller's organisation (the caller's audit entry is the route's)."""
    records = records_service.for_person(session, person, kinds=kinds.in_dossier(), full=True)
    by_created = partial(sorted, key=lambda r: (r.created_at, r.id))
    flags = flag_service.for_person(session, person, prose)
    involved = sorted({f.requesting_state for f in flags} | set(records.states()))
    return Dossier(
        person=person_service.public(session, person),
        protections=[ProtectionPublic.model_validate(p) for p in by_created(records.of("protection"))],
        notices=notice_service.publics(session, by_created(records.of("notice"))),
        detentions=[
            DetentionPublic.of(d, deceased_on=person.deceased_on)
            for d in sorted(records.of("detention"), key=lambda d: (str(d.detained_on), d.created_at, d.id))
        ],
        extraditions=[ExtraditionPublic.model_validate(e) for e in by_created(records.of("extradition"))],
        incidents=[IncidentPublic.model_validate(i) for i in by_created(records.of("incident"))],
        challenges=challenge_service.publics(session, by_created(records.of("challenge"))),
        history=history_service.from_records(records, prose),
        flags=flags,
        states=[pattern_service.pooled_state(session, s, min_persons=min_persons, by=by) for s in involved],
        documents=documents(session, person, records.by_kind),
    )


def documents(
    session: Session, person: Person, by_kind: Mapping[str, Sequence[Any]]
) -> list[DossierDocument]:
    """The person's documents as exhibits, oldest dated first (undated last), each with the records it
    supports that still exist."""
    kind_of = {record.id: kind for kind, rows in by_kind.items() for record in rows}
    rows = session.exec(
        select(Document).where(Document.person_id == person.id, Document.org_id == person.org_id)
    ).all()
    rows = sorted(rows, key=lambda d: (d.dated is None, str(d.dated or ""), d.created_at, d.id))
    return [
        DossierDocument(
            id=d.id,
            title=d.title,
            kind=d.kind,
            dated=d.dated,
            language=d.language,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            supports=[RecordRef(kind=kind_of[r], id=r) for r in d.records if r in kind_of],
        )
        for d in rows
    ]


def generate(
    session: Session, person_id: str, *, by: Principal, min_persons: int, prose: Prose = ENGLISH
) -> tuple[Dossier, Provenance]:
    """The dossier of a person of the caller's organisation (the reading is audited as
    `person.dossier_read`), and its provenance; its texts in `prose`'s language."""
    person = person_service.get(session, person_id, by=by, action="person.dossier_read")
    dossier = build(session, person, by=by, min_persons=min_persons, prose=prose)
    org = session.get(Org, by.org_id)
    return dossier, Provenance(
        prepared_by=org.name if org else by.org_id,
        prepared_on=utcnow().date(),
        audit_seq=records_as_of(session),
        sha256=digest(dossier),
    )


def records_as_of(session: Session) -> int:
    """The sequence number of the newest audit entry that records a change (any organisation's: the pooled
    figures count them all), not a reading: the state of the records a dossier shows. Two dossiers
    generated at one number from one person are the same document, whenever they were generated."""
    readings = READ_ACTIONS | {EXCEEDED}
    # Walked back from the newest entry on the primary key, stopping at the first change: SQLite does
    # not turn max() with a WHERE into that walk, it would read the whole trail.
    newest = session.exec(
        select(AuditEntry.seq)
        .where(col(AuditEntry.action).not_in(readings))
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    return int(newest or 0)


def canonical_json(dossier: Dossier) -> bytes:
    """The dossier's JSON with keys sorted and no spaces, in UTF-8: what the SHA-256 is taken of."""
    return json.dumps(
        dossier.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def digest(dossier: Dossier) -> str:
    return hashlib.sha256(canonical_json(dossier)).hexdigest()


def render(
    dossier: Dossier,
    provenance: Provenance,
    wanted: DossierFormat,
    *,
    include_score: bool = False,
    prose: Prose = ENGLISH,
) -> bytes:
    """The dossier in a filing format (Markdown, PDF or Word), from one outline, in `prose`'s language."""
    filing = filing_outline.build(dossier, provenance, include_score=include_score, prose=prose)
    if wanted is DossierFormat.pdf:
        return filing_pdf.render(filing)
    if wanted is DossierFormat.docx:
        return filing_docx.render(filing)
    return filing_markdown.render(filing).encode()


def markdown(
    dossier: Dossier,
    provenance: Provenance | None = None,
    *,
    today: date | None = None,
    prose: Prose = ENGLISH,
) -> str:
    """The dossier as Markdown. Without a provenance (a preview, a test) the header says it was not
    generated from an audited reading."""
    provenance = provenance or Provenance(
        prepared_by="—", prepared_on=today or date.today(), audit_seq=0, sha256=digest(dossier)
    )
    return filing_markdown.render(filing_outline.build(dossier, provenance, prose=prose))
