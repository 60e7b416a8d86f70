"""The dossier as a filing: one outline of headings, paragraphs, lists and tables that the Markdown, PDF
and Word renderers all draw, so the three formats say the same thing in the same order.

Every record and every source is a numbered exhibit (E-1, E-2, …): the chronology, the record tables
and the indicators' evidence cite exhibits, never internal ids, so a reader can follow each fact to its
record and the record to its sources. The text here is plain: each renderer escapes it for its format.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.models.challenge import ChallengePublic
from app.models.detention import DetentionPublic
from app.models.dossier import Dossier, DossierDocument, Provenance
from app.models.extradition import ExtraditionPublic
from app.models.flag import SEVERITY, StateDetail
from app.models.incident import IncidentPublic
from app.models.notice import NoticePublic
from app.models.protection import ProtectionPublic
from app.models.state import state_name
from app.services import legal_rules
from app.vocabulary import english

CONFIDENTIALITY = "Privileged and confidential"


@dataclass(frozen=True)
class Heading:
    text: str  # ours, never user text
    level: int  # 1: the title; 2: a part; 3: a section of a part


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str | None = None  # a bold lead-in ("Name:"), ours


@dataclass(frozen=True)
class Items:
    items: Sequence[Paragraph]


@dataclass(frozen=True)
class Link:
    """A source as the user typed it: drawn as a link when it is an http(s) address, else as text."""

    text: str


Cell = str | Link | None  # None: nothing recorded (drawn as a dash)


@dataclass(frozen=True)
class Table:
    header: Sequence[str]  # ours
    rows: Sequence[Sequence[Cell]]
    wide: int | None = None  # the column that takes the width left (None: all but the first share it)


Block = Heading | Paragraph | Items | Table
Record = (
    ProtectionPublic | NoticePublic | DetentionPublic | ExtraditionPublic | IncidentPublic | ChallengePublic
)


@dataclass(frozen=True)
class Filing:
    title: str  # ours ("Dossier")
    subject: str  # whom it is about: user text
    header: Sequence[tuple[str, str]]  # prepared by, on, language, confidentiality, provenance
    blocks: Sequence[Block]


@dataclass
class Exhibits:
    """Every record, then every source not yet numbered, in the order the dossier lists them."""

    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: list[list[Cell]] = field(default_factory=list)  # exhibit, record, document or source, what
    documents_of: dict[str, list[str]] = field(default_factory=dict)  # a record's exhibit -> its documents'

    def add(self, key: tuple[str, str], what: Cell) -> None:
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            kind = key[0] if key[0] in ("source", "document") else "record"
            self.rows.append([f"E-{self.numbers[key]}", kind, what])

    def of(self, kind: str, key: str) -> str | None:
        number = self.numbers.get((kind, key))
        return f"E-{number}" if number else None

    def cite(self, sources: Sequence[str]) -> str | None:
        """`E-7, E-8` for a record's sources (None for none)."""
        return ", ".join(e for s in sources if (e := self.of("source", s))) or None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def plain(value: str) -> str:
    """Text every renderer can set: composed (NFC), control characters and line breaks as spaces (XML
    refuses most control characters; in a table cell or a heading a break means nothing the user meant)."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", value)).replace("\n", " ")


def state(code: str) -> str:
    """`Belarus (BY)`; a code with no name (an INTERPOL code outside ISO) as it is."""
    name = state_name(code)
    return code if name == code else f"{name} ({code})"


def build(dossier: Dossier, provenance: Provenance, *, include_score: bool = False) -> Filing:
    """The outline of the filing. `include_score`: print each state's score, left out unless asked (a
    court weighs the facts and the counts, not a figure of ours)."""
    exhibits = _exhibits(dossier)
    blocks: list[Block] = []
    blocks += _person(dossier, exhibits)
    blocks += _chronology(dossier, exhibits)
    blocks += _indicators(dossier, exhibits)
    blocks.append(Heading("Requesting states", 2))
    for detail in dossier.states:
        blocks += _state_section(detail, include_score=include_score)
    if not dossier.states:
        blocks.append(Paragraph("No requesting state is recorded."))
    blocks += _records(dossier, exhibits)
    blocks += _documents(dossier, exhibits)
    blocks += _rules(dossier)
    blocks += [
        Heading("Exhibits", 2),
        Table(["exhibit", "kind", "what"], exhibits.rows, wide=2),
    ]
    header = [
        ("Prepared by", provenance.prepared_by),
        ("Prepared on", provenance.prepared_on.isoformat()),
        ("Language", "English"),
        ("Confidentiality", CONFIDENTIALITY),
        (
            "Records as of",
            f"audit entry No. {provenance.audit_seq} (the newest change recorded when it was generated)",
        ),
        ("SHA-256 of the JSON dossier", provenance.sha256),
    ]
    return Filing(title="Dossier", subject=dossier.person.name, header=header, blocks=blocks)


def _rules(dossier: Dossier) -> list[Block]:
    """The rules the person's facts engage, each with its source; the refugee policy is named as not
    engaged when no protection is recorded (a reader should see it was considered, not forgotten)."""
    items = [
        Paragraph(f"{rule.text} Source: {rule.source_title}, {rule.source_url}.", lead=f"{rule.title}.")
        for rule in legal_rules.engaged(dossier)
    ]
    if not dossier.protections:
        items.append(
            Paragraph(
                "Not engaged: no refugee, asylum or other protection status is recorded for the person.",
                lead="INTERPOL's refugee policy.",
            )
        )
    return [Heading("The rules these indicators rest on", 2), Items(items)]


def _exhibits(dossier: Dossier) -> Exhibits:
    exhibits = Exhibits()
    records: list[tuple[str, Record]] = [
        *(("protection", r) for r in dossier.protections),
        *(("notice", r) for r in dossier.notices),
        *(("detention", r) for r in dossier.detentions),
        *(("extradition", r) for r in dossier.extraditions),
        *(("incident", r) for r in dossier.incidents),
        *(("challenge", r) for r in dossier.challenges),
    ]
    for kind, record in records:
        exhibits.add((kind, record.id), _describe(record))
    for sources in [dossier.person.sources, *(r.sources for _, r in records)]:
        for source in sources:
            exhibits.add(("source", source), Link(source))
    for document in dossier.documents:
        exhibits.add(("document", document.id), _document(document))
        for ref in document.supports:
            if (cited := exhibits.of(ref.kind, ref.id)) is not None:
                exhibits.documents_of.setdefault(cited, []).append(str(exhibits.of("document", document.id)))
    return exhibits


def _document(d: DossierDocument) -> str:
    dated = f", dated {d.dated}" if d.dated else ""
    return f"{d.title} ({english('document_kind', d.kind)}{dated}; SHA-256 {d.sha256})"


def _documents(dossier: Dossier, exhibits: Exhibits) -> list[Block]:
    """The documents kept as exhibits, each with the records (facts) it supports."""
    if not dossier.documents:
        return []
    rows: list[list[Cell]] = [
        [
            exhibits.of("document", d.id),
            d.title,
            english("document_kind", d.kind),
            d.dated,
            d.sha256,
            ", ".join(e for ref in d.supports if (e := exhibits.of(ref.kind, ref.id))) or None,
        ]
        for d in dossier.documents
    ]
    return [
        Heading("Documents", 2),
        Table(["exhibit", "title", "kind", "dated", "SHA-256", "supports"], rows, wide=1),
    ]


def _describe(r: Record) -> str:
    """One line naming a record, as the exhibit list gives it."""
    if isinstance(r, ProtectionPublic):
        return _protection(r)
    if isinstance(r, NoticePublic):
        return f"{english('channel', r.channel)} of {state_name(r.requesting_state)}" + (
            f", {r.interpol_ref}" if r.interpol_ref else ""
        )
    if isinstance(r, DetentionPublic):
        return f"detention in {state_name(r.host_state)} on {r.detained_on}"
    if isinstance(r, ExtraditionPublic):
        return f"extradition proceeding, {state_name(r.requesting_state)} to {state_name(r.requested_state)}"
    if isinstance(r, IncidentPublic):
        when = f" on {r.occurred_on}" if r.occurred_on else ""
        return f"incident: {english('incident', r.kind)} by {state_name(r.perpetrator_state)}{when}"
    return f"{r.forum.value.upper()} {english('challenge_kind', r.kind)}" + (
        f", reference {r.reference}" if r.reference else ""
    )


def _protection(p: ProtectionPublic) -> str:
    since = f" since {p.since}" if p.since else ""
    until = f" until {p.until}" if p.until else ""
    return f"{english('protection', p.kind)} in {state_name(p.host_state)}{since}{until}, against {state_name(p.against_state)}"


def _person(dossier: Dossier, exhibits: Exhibits) -> list[Block]:
    p = dossier.person
    facts = [
        ("Name", p.name),
        ("Also written", "; ".join(p.aliases) or None),
        ("Born", p.birth_date),
        ("Place of birth", p.place_of_birth),
        ("Died", p.deceased_on),
        ("Nationalities", ", ".join(state(n) for n in p.nationalities) or None),
        ("Categories", ", ".join(english("category", c) for c in p.categories) or None),
        ("Affiliations", "; ".join(p.affiliations) or None),
        ("Notes", p.notes),
        ("Sources", exhibits.cite(p.sources)),
    ]
    items = [Paragraph(str(value), lead=f"{label}:") for label, value in facts if value]
    items += [
        Paragraph(f"{_protection(pr)} [{exhibits.of('protection', pr.id)}]", lead="Protection:")
        for pr in dossier.protections
    ]
    return [Heading("Person", 2), Items(items)]


def _chronology(dossier: Dossier, exhibits: Exhibits) -> list[Block]:
    """The dated facts as a table; records with no dated fact in their own part, so none is dropped."""
    blocks: list[Block] = [Heading("Chronology", 2)]
    if dossier.history:
        blocks.append(
            Table(
                ["date", "event", "exhibit"],
                [[e.on, e.summary, exhibits.of(e.ref.kind, e.ref.id)] for e in dossier.history],
                wide=1,
            )
        )
    else:
        blocks.append(Paragraph("No dated facts are recorded."))
    dated = {(e.ref.kind, e.ref.id) for e in dossier.history}
    undated = [
        exhibits.rows[number - 1]
        for (kind, key), number in exhibits.numbers.items()
        if kind not in ("source", "document") and (kind, key) not in dated
    ]
    if undated:
        blocks += [Heading("Date unknown", 3), Table(["exhibit", "kind", "record"], undated, wide=2)]
    return blocks


def _indicators(dossier: Dossier, exhibits: Exhibits) -> list[Block]:
    blocks: list[Block] = [Heading("Indicators", 2)]
    if not dossier.flags:
        return [*blocks, Paragraph("No indicator holds on the recorded facts.")]
    blocks.append(
        Paragraph("Each indicator is evidence for the court or the CCF to weigh, never a legal conclusion.")
    )
    for flag in dossier.flags:
        cited = [
            exhibits.of(e.kind, e.id) or ("the person's record" if e.kind == "person" else e.kind)
            for e in flag.evidence
        ]
        blocks += [
            Heading(
                f"{english('flag', flag.code)} ({english('severity', flag.severity)}), {state_name(flag.requesting_state)}",
                3,
            ),
            Paragraph(flag.explanation),
            Paragraph(", ".join(dict.fromkeys(cited)) or "—", lead="Evidence:"),
        ]
    return blocks


def _state_section(detail: StateDetail, *, include_score: bool) -> list[Block]:
    c = detail.counts
    figures = (
        f"Pooled across the organisations using article3: {_count(c.persons, 'person')} recorded, "
        f"{_count(c.notices, 'notice')}, {_count(c.detentions, 'detention')} "
        f"({c.released_without_extradition} of them ended in release without extradition), "
        f"{_count(c.extraditions_refused, 'extradition proceeding')} refused, "
        f"{_count(c.interpol_noncompliant, 'notice')} found non-compliant by INTERPOL."
    )
    if include_score:
        figures += f" Score {detail.score:.2f} (0–1, higher = stronger evidence of abuse)."
    blocks: list[Block] = [Heading(state(detail.state), 3), Paragraph(figures)]
    if detail.patterns:
        blocks.append(
            Table(
                ["indicator", "severity", "persons", "of the state's persons", "recurrent"],
                [
                    [
                        english("flag", p.code),
                        SEVERITY[p.code].value,
                        str(p.persons),
                        f"{p.persons} of {c.persons} ({p.rate:.0%})",
                        "yes" if p.recurrent else "no",
                    ]
                    for p in detail.patterns
                ],
            )
        )
    return blocks


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _records(dossier: Dossier, exhibits: Exhibits) -> list[Block]:
    """Each kind of record as a table of six columns (the exhibit first), then, exhibit by exhibit,
    what does not fit a column: notes, places, reasons, summaries and the sources."""
    blocks: list[Block] = []
    parts: list[
        tuple[str, Sequence[str], list[tuple[str | None, list[Cell], list[tuple[str, str | None]]]]]
    ] = [
        (
            "Notices",
            ["exhibit", "channel", "state", "requested / issued", "status", "charges"],
            [
                (
                    exhibits.of("notice", n.id),
                    [
                        english("channel", n.channel),
                        n.requesting_state,
                        f"{n.requested_on or '—'} / {n.issued_on or '—'}",
                        english("notice_status", n.status),
                        "; ".join(f"{c.text} ({english('charge', c.category)})" for c in n.charges) or None,
                    ],
                    [
                        ("INTERPOL reference", n.interpol_ref),
                        ("Case number", n.case_number),
                        ("Note", n.note),
                        ("Sources", exhibits.cite(n.sources)),
                    ],
                )
                for n in dossier.notices
            ],
        ),
        (
            "Detentions",
            ["exhibit", "host", "requested by", "detained", "ended", "custody days"],
            [
                (
                    exhibits.of("detention", d.id),
                    [
                        state_name(d.host_state),
                        d.requesting_state,
                        d.detained_on,
                        _detention_end(d),
                        _days(d),
                    ],
                    [
                        (
                            "Custody",
                            None if d.custody.value == "detention" else english("custody", d.custody),
                        ),
                        ("Place", d.place),
                        ("Basis", english("detention_basis", d.basis)),
                        ("Also on", ", ".join(english("detention_basis", b) for b in d.other_bases) or None),
                        ("Court", d.court),
                        ("Case number", d.case_number),
                        ("Release", d.release_note),
                        ("Surrender", d.surrender_note),
                        ("Note", d.note),
                        ("Sources", exhibits.cite(d.sources)),
                    ],
                )
                for d in dossier.detentions
            ],
        ),
        (
            "Extradition proceedings",
            ["exhibit", "requested by / of", "court", "stage and decision", "date", "grounds"],
            [
                (
                    exhibits.of("extradition", e.id),
                    [
                        f"{e.requesting_state} / {e.requested_state}",
                        e.court,
                        f"{english('stage', e.stage)}, {english('decision', e.decision)}"
                        if e.stage
                        else english("decision", e.decision),
                        e.decided_on,
                        ", ".join(english("ground", g) for g in e.grounds) or None,
                    ],
                    [
                        ("Opened", e.opened_on),
                        ("Case number", e.case_number),
                        ("Hearings", _hearings(e)),
                        ("Note", e.note),
                        ("Sources", exhibits.cite(e.sources)),
                    ],
                )
                for e in dossier.extraditions
            ],
        ),
        (
            "Incidents",
            ["exhibit", "kind", "by", "where", "date", "certainty"],
            [
                (
                    exhibits.of("incident", i.id),
                    [
                        english("incident", i.kind),
                        i.perpetrator_state,
                        i.host_state,
                        i.occurred_on,
                        english("certainty", i.certainty),
                    ],
                    [("Description", i.description), ("Sources", exhibits.cite(i.sources))],
                )
                for i in dossier.incidents
            ],
        ),
        (
            "Challenges",
            ["exhibit", "forum and kind", "reference", "status", "outcome", "deadline"],
            [
                (
                    exhibits.of("challenge", ch.id),
                    [
                        f"{ch.forum.value.upper()} {english('challenge_kind', ch.kind)}",
                        ch.reference,
                        english("challenge_status", ch.status),
                        english("outcome", ch.outcome) if ch.outcome else None,
                        f"{ch.deadline_on} (overdue)" if ch.overdue else ch.deadline_on,
                    ],
                    [
                        ("Against", state_name(ch.respondent_state) if ch.respondent_state else None),
                        ("Reason", _reason(ch)),
                        ("Summary", ch.summary),
                        ("Sources", exhibits.cite(ch.sources)),
                    ],
                )
                for ch in dossier.challenges
            ],
        ),
    ]
    for title, header, records in parts:
        if not records:
            continue
        blocks += [Heading(title, 2), Table(header, [[exhibit, *cells] for exhibit, cells, _ in records])]
        details = [
            Paragraph(
                ". ".join(f"{label}: {value.rstrip('.')}" for label, value in more if value) + ".",
                lead=f"{exhibit}:",
            )
            for exhibit, _, more in (
                (
                    exhibit,
                    cells,
                    [*more, ("Documents", ", ".join(exhibits.documents_of.get(exhibit or "", [])))],
                )
                for exhibit, cells, more in records
            )
            if any(value for _, value in more)
        ]
        if details:
            blocks.append(Items(details))
    return blocks


def _detention_end(d: DetentionPublic) -> str:
    ended = d.released_on or d.surrendered_on
    how = english("detention_status", d.status)
    if d.release_reason:
        how += f" ({english('release_reason', d.release_reason)})"
    if ended is None and d.ended_on is not None:
        return f"{how}, ended by {d.ended_on}"
    return f"{how} {ended}" if ended else how


def _days(d: DetentionPublic) -> str | None:
    """Days of custody, of its own kind: detention, or house arrest and supervision named as such."""
    for days, kind in (
        (d.custody_days, ""),
        (d.house_arrest_days, " (house arrest)"),
        (d.supervision_days, " (supervision)"),
    ):
        if days is not None:
            return f"{days}{kind}"
    return None


def _hearings(e: ExtraditionPublic) -> str | None:
    parts = [
        f"{h.on}" + (f" ({h.court})" if h.court else "") + (f", {h.note.rstrip('.')}" if h.note else "")
        for h in e.hearings
    ]
    return "; ".join(parts) or None


def _reason(ch: ChallengePublic) -> str | None:
    """The decision's reason and note, as the last decided event gives them."""
    decided = [e for e in ch.events if e.type.value == "decided"]
    if not decided:
        return None
    last = decided[-1]
    parts = [english("reason", last.reason) if last.reason else None, last.note]
    return "; ".join(p for p in parts if p) or None
