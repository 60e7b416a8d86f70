"""The dossier as a filing: one outline of headings, paragraphs, lists and tables that the Markdown, PDF
and Word renderers all draw, so the three formats say the same thing in the same order.

Every record and every source is a numbered exhibit (E-1, E-2, …): the chronology, the record tables
and the indicators' evidence cite exhibits, never internal ids, so a reader can follow each fact to its
record and the record to its sources. The text here is plain: each renderer escapes it for its format.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.language import ENGLISH, LANGUAGE_NAMES, Prose
from app.models.challenge import ChallengePublic
from app.models.detention import DetentionPublic
from app.models.dossier import Dossier, DossierDocument, Provenance
from app.models.extradition import ExtraditionPublic
from app.models.flag import SEVERITY, StateDetail
from app.models.incident import IncidentPublic
from app.models.notice import NoticePublic
from app.models.protection import ProtectionPublic
from app.services import legal_rules
from app.vocabulary import N_

CONFIDENTIALITY = N_("Privileged and confidential")


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
    lang: str = "en"  # the language of our words (a BCP 47 tag)
    words: Mapping[str, str] = field(default_factory=dict)  # the renderers' own: page, contents…


@dataclass
class Exhibits:
    """Every record, then every source not yet numbered, in the order the dossier lists them."""

    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: list[list[Cell]] = field(default_factory=list)  # exhibit, record, document or source, what
    documents_of: dict[str, list[str]] = field(default_factory=dict)  # a record's exhibit -> its documents'

    prose: Prose = ENGLISH

    def add(self, key: tuple[str, str], what: Cell) -> None:
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            kind = self.prose.gettext(key[0] if key[0] in ("source", "document") else "record")
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


def state(code: str, p: Prose = ENGLISH) -> str:
    """`Belarus (BY)`; a code with no name (an INTERPOL code outside ISO) as it is."""
    name = p.state_name(code)
    return code if name == code else f"{name} ({code})"


def build(
    dossier: Dossier, provenance: Provenance, *, include_score: bool = False, prose: Prose = ENGLISH
) -> Filing:
    """The outline of the filing, in `prose`'s language (what users typed stays as typed).
    `include_score`: print each state's score, left out unless asked (a court weighs the facts and the
    counts, not a figure of ours)."""
    p = prose
    _ = p.gettext
    exhibits = _exhibits(dossier, p)
    blocks: list[Block] = []
    blocks += _person(dossier, exhibits, p)
    blocks += _chronology(dossier, exhibits, p)
    blocks += _indicators(dossier, exhibits, p)
    blocks.append(Heading(_("Requesting states"), 2))
    for detail in dossier.states:
        blocks += _state_section(detail, p, include_score=include_score)
    if not dossier.states:
        blocks.append(Paragraph(_("No requesting state is recorded.")))
    blocks += _records(dossier, exhibits, p)
    blocks += _documents(dossier, exhibits, p)
    blocks += _rules(dossier, p)
    blocks += [
        Heading(_("Exhibits"), 2),
        Table([_("exhibit"), _("kind"), _("what")], exhibits.rows, wide=2),
    ]
    header = [
        (_("Prepared by"), provenance.prepared_by),
        (_("Prepared on"), provenance.prepared_on.isoformat()),
        (_("Language"), LANGUAGE_NAMES[p.lang]),
        (_("Confidentiality"), _(CONFIDENTIALITY)),
        (
            _("Records as of"),
            _("audit entry No. {seq} (the newest change recorded when it was generated)").format(
                seq=provenance.audit_seq
            ),
        ),
        (_("SHA-256 of the JSON dossier"), provenance.sha256),
    ]
    words = {
        "confidentiality": _(CONFIDENTIALITY),
        "page": _("Page"),
        "contents": _("Contents"),
        "contents_placeholder": _("Word fills in the contents when the document is opened."),
    }
    return Filing(
        title=_("Dossier"),
        subject=dossier.person.name,
        header=header,
        blocks=blocks,
        lang=p.lang,
        words=words,
    )


def _rules(dossier: Dossier, p: Prose) -> list[Block]:
    """The rules the person's facts engage, each with its source; the refugee policy is named as not
    engaged when no protection is recorded (a reader should see it was considered, not forgotten)."""
    _ = p.gettext
    items = [
        Paragraph(
            _("{text} Source: {source}, {url}.").format(
                text=rule.text if p.english else rule.text_ru, source=rule.source_title, url=rule.source_url
            ),
            lead=f"{rule.title if p.english else rule.title_ru}.",
        )
        for rule in legal_rules.engaged(dossier)
    ]
    if not dossier.protections:
        items.append(
            Paragraph(
                _("Not engaged: no refugee, asylum or other protection status is recorded for the person."),
                lead=_("INTERPOL's refugee policy."),
            )
        )
    return [Heading(_("The rules these indicators rest on"), 2), Items(items)]


def _exhibits(dossier: Dossier, p: Prose) -> Exhibits:
    exhibits = Exhibits(prose=p)
    records: list[tuple[str, Record]] = [
        *(("protection", r) for r in dossier.protections),
        *(("notice", r) for r in dossier.notices),
        *(("detention", r) for r in dossier.detentions),
        *(("extradition", r) for r in dossier.extraditions),
        *(("incident", r) for r in dossier.incidents),
        *(("challenge", r) for r in dossier.challenges),
    ]
    for kind, record in records:
        exhibits.add((kind, record.id), _describe(record, p))
    for sources in [dossier.person.sources, *(r.sources for _, r in records)]:
        for source in sources:
            exhibits.add(("source", source), Link(source))
    for document in dossier.documents:
        exhibits.add(("document", document.id), _document(document, p))
        for ref in document.supports:
            if (cited := exhibits.of(ref.kind, ref.id)) is not None:
                exhibits.documents_of.setdefault(cited, []).append(str(exhibits.of("document", document.id)))
    return exhibits


def _document(d: DossierDocument, p: Prose) -> str:
    kind = p.label("document_kind", d.kind)
    if d.dated:
        return p.gettext("{title} ({kind}, dated {date}; SHA-256 {sha256})").format(
            title=d.title, kind=kind, date=d.dated, sha256=d.sha256
        )
    return p.gettext("{title} ({kind}; SHA-256 {sha256})").format(title=d.title, kind=kind, sha256=d.sha256)


def _documents(dossier: Dossier, exhibits: Exhibits, p: Prose) -> list[Block]:
    """The documents kept as exhibits, each with the records (facts) it supports."""
    _ = p.gettext
    if not dossier.documents:
        return []
    rows: list[list[Cell]] = [
        [
            exhibits.of("document", d.id),
            d.title,
            p.label("document_kind", d.kind),
            d.dated,
            d.sha256,
            ", ".join(e for ref in d.supports if (e := exhibits.of(ref.kind, ref.id))) or None,
        ]
        for d in dossier.documents
    ]
    return [
        Heading(_("Documents"), 2),
        Table([_("exhibit"), _("title"), _("kind"), _("dated"), "SHA-256", _("supports")], rows, wide=1),
    ]


def _describe(r: Record, p: Prose) -> str:
    """One line naming a record, as the exhibit list gives it."""
    _ = p.gettext
    if isinstance(r, ProtectionPublic):
        return _protection(r, p)
    if isinstance(r, NoticePublic):
        return _("{channel} of {state}").format(
            channel=p.label("channel", r.channel), state=p.state_name(r.requesting_state)
        ) + (f", {r.interpol_ref}" if r.interpol_ref else "")
    if isinstance(r, DetentionPublic):
        return _("detention in {state} on {date}").format(
            state=p.state_name(r.host_state), date=r.detained_on
        )
    if isinstance(r, ExtraditionPublic):
        return _("extradition proceeding, {requesting} to {requested}").format(
            requesting=p.state_name(r.requesting_state), requested=p.state_name(r.requested_state)
        )
    if isinstance(r, IncidentPublic):
        words = {"kind": p.label("incident", r.kind), "state": p.state_name(r.perpetrator_state)}
        if r.occurred_on:
            return _("incident: {kind} by {state} on {date}").format(date=r.occurred_on, **words)
        return _("incident: {kind} by {state}").format(**words)
    return f"{_forum(r.forum.value, p)} {p.label('challenge_kind', r.kind)}" + (
        _(", reference {reference}").format(reference=r.reference) if r.reference else ""
    )


def _forum(forum: str, p: Prose) -> str:
    """`CCF`, `ECHR`…: the forum's code in English; in another language the vocabulary's words (ККФ)."""
    return forum.upper() if p.english else p.label("forum", forum)


def _protection(pr: ProtectionPublic, p: Prose) -> str:
    _ = p.gettext
    text = _("{kind} in {host}").format(kind=p.label("protection", pr.kind), host=p.state_name(pr.host_state))
    if pr.since:
        text += _(" since {date}").format(date=pr.since)
    if pr.until:
        text += _(" until {date}").format(date=pr.until)
    return text + _(", against {state}").format(state=p.state_name(pr.against_state))


def _person(dossier: Dossier, exhibits: Exhibits, p: Prose) -> list[Block]:
    _ = p.gettext
    person = dossier.person
    facts = [
        (_("Name"), person.name),
        (_("Also written"), "; ".join(person.aliases) or None),
        (_("Born"), person.birth_date),
        (_("Place of birth"), person.place_of_birth),
        (_("Died"), person.deceased_on),
        (_("Nationalities"), ", ".join(state(n, p) for n in person.nationalities) or None),
        (_("Categories"), ", ".join(p.label("category", c) for c in person.categories) or None),
        (_("Affiliations"), "; ".join(person.affiliations) or None),
        (_("Notes"), person.notes),
        (_("Sources"), exhibits.cite(person.sources)),
    ]
    items = [Paragraph(str(value), lead=f"{label}:") for label, value in facts if value]
    items += [
        Paragraph(f"{_protection(pr, p)} [{exhibits.of('protection', pr.id)}]", lead=_("Protection:"))
        for pr in dossier.protections
    ]
    return [Heading(_("Person"), 2), Items(items)]


def _chronology(dossier: Dossier, exhibits: Exhibits, p: Prose) -> list[Block]:
    """The dated facts as a table; records with no dated fact in their own part, so none is dropped."""
    _ = p.gettext
    blocks: list[Block] = [Heading(_("Chronology"), 2)]
    if dossier.history:
        blocks.append(
            Table(
                [_("date"), _("event"), _("exhibit")],
                [[e.on, e.summary, exhibits.of(e.ref.kind, e.ref.id)] for e in dossier.history],
                wide=1,
            )
        )
    else:
        blocks.append(Paragraph(_("No dated facts are recorded.")))
    dated = {(e.ref.kind, e.ref.id) for e in dossier.history}
    undated = [
        exhibits.rows[number - 1]
        for (kind, key), number in exhibits.numbers.items()
        if kind not in ("source", "document") and (kind, key) not in dated
    ]
    if undated:
        blocks += [
            Heading(_("Date unknown"), 3),
            Table([_("exhibit"), _("kind"), _("record")], undated, wide=2),
        ]
    return blocks


def _indicators(dossier: Dossier, exhibits: Exhibits, p: Prose) -> list[Block]:
    _ = p.gettext
    blocks: list[Block] = [Heading(_("Indicators"), 2)]
    if not dossier.flags:
        return [*blocks, Paragraph(_("No indicator holds on the recorded facts."))]
    blocks.append(
        Paragraph(
            _("Each indicator is evidence for the court or the CCF to weigh, never a legal conclusion.")
        )
    )
    for flag in dossier.flags:
        cited = [
            exhibits.of(e.kind, e.id) or (_("the person's record") if e.kind == "person" else _(e.kind))
            for e in flag.evidence
        ]
        blocks += [
            Heading(
                f"{p.label('flag', flag.code)} ({p.label('severity', flag.severity)}), "
                f"{p.state_name(flag.requesting_state)}",
                3,
            ),
            Paragraph(flag.explanation),
            Paragraph(", ".join(dict.fromkeys(cited)) or "—", lead=_("Evidence:")),
        ]
    return blocks


def _state_section(detail: StateDetail, p: Prose, *, include_score: bool) -> list[Block]:
    _ = p.gettext
    c = detail.counts
    figures = _(
        "Pooled across the organisations using article3: {persons} recorded, {notices}, {detentions} "
        "({released} of them ended in release without extradition), {refused} refused, "
        "{noncompliant} found non-compliant by INTERPOL."
    ).format(
        persons=p.ngettext("{count} person", "{count} persons", c.persons).format(count=c.persons),
        notices=p.ngettext("{count} notice", "{count} notices", c.notices).format(count=c.notices),
        detentions=p.ngettext("{count} detention", "{count} detentions", c.detentions).format(
            count=c.detentions
        ),
        released=c.released_without_extradition,
        refused=p.ngettext(
            "{count} extradition proceeding", "{count} extradition proceedings", c.extraditions_refused
        ).format(count=c.extraditions_refused),
        noncompliant=p.ngettext("{count} notice", "{count} notices", c.interpol_noncompliant).format(
            count=c.interpol_noncompliant
        ),
    )
    if include_score:
        figures += _(" Score {score} (0–1, higher = stronger evidence of abuse).").format(
            score=f"{detail.score:.2f}"
        )
    blocks: list[Block] = [Heading(state(detail.state, p), 3), Paragraph(figures)]
    if detail.patterns:
        blocks.append(
            Table(
                [_("indicator"), _("severity"), _("persons"), _("of the state's persons"), _("recurrent")],
                [
                    [
                        p.label("flag", x.code),
                        p.label("severity", SEVERITY[x.code]) if not p.english else SEVERITY[x.code].value,
                        str(x.persons),
                        _("{persons} of {total} ({rate})").format(
                            persons=x.persons, total=c.persons, rate=f"{x.rate:.0%}"
                        ),
                        _("yes") if x.recurrent else _("no"),
                    ]
                    for x in detail.patterns
                ],
            )
        )
    return blocks


def _records(dossier: Dossier, exhibits: Exhibits, p: Prose) -> list[Block]:
    """Each kind of record as a table of six columns (the exhibit first), then, exhibit by exhibit,
    what does not fit a column: notes, places, reasons, summaries and the sources."""
    _ = p.gettext
    blocks: list[Block] = []
    parts: list[
        tuple[str, Sequence[str], list[tuple[str | None, list[Cell], list[tuple[str, str | None]]]]]
    ] = [
        (
            _("Notices"),
            [_("exhibit"), _("channel"), _("state"), _("requested / issued"), _("status"), _("charges")],
            [
                (
                    exhibits.of("notice", n.id),
                    [
                        p.label("channel", n.channel),
                        n.requesting_state,
                        f"{n.requested_on or '—'} / {n.issued_on or '—'}",
                        p.label("notice_status", n.status),
                        "; ".join(f"{c.text} ({p.label('charge', c.category)})" for c in n.charges) or None,
                    ],
                    [
                        (_("INTERPOL reference"), n.interpol_ref),
                        (_("Case number"), n.case_number),
                        (_("Note"), n.note),
                        (_("Sources"), exhibits.cite(n.sources)),
                    ],
                )
                for n in dossier.notices
            ],
        ),
        (
            _("Detentions"),
            [_("exhibit"), _("host"), _("requested by"), _("detained"), _("ended"), _("custody days")],
            [
                (
                    exhibits.of("detention", d.id),
                    [
                        p.state_name(d.host_state),
                        d.requesting_state,
                        d.detained_on,
                        _detention_end(d, p),
                        _days(d, p),
                    ],
                    [
                        (
                            _("Custody"),
                            None if d.custody.value == "detention" else p.label("custody", d.custody),
                        ),
                        (_("Place"), d.place),
                        (_("Basis"), p.label("detention_basis", d.basis)),
                        (
                            _("Also on"),
                            ", ".join(p.label("detention_basis", b) for b in d.other_bases) or None,
                        ),
                        (_("Court"), d.court),
                        (_("Case number"), d.case_number),
                        (_("Release"), d.release_note),
                        (_("Surrender"), d.surrender_note),
                        (_("Note"), d.note),
                        (_("Sources"), exhibits.cite(d.sources)),
                    ],
                )
                for d in dossier.detentions
            ],
        ),
        (
            _("Extradition proceedings"),
            [
                _("exhibit"),
                _("requested by / of"),
                _("court"),
                _("stage and decision"),
                _("date"),
                _("grounds"),
            ],
            [
                (
                    exhibits.of("extradition", e.id),
                    [
                        f"{e.requesting_state} / {e.requested_state}",
                        e.court,
                        f"{p.label('stage', e.stage)}, {p.label('decision', e.decision)}"
                        if e.stage
                        else p.label("decision", e.decision),
                        e.decided_on,
                        ", ".join(p.label("ground", g) for g in e.grounds) or None,
                    ],
                    [
                        (_("Opened"), e.opened_on),
                        (_("Case number"), e.case_number),
                        (_("Hearings"), _hearings(e)),
                        (_("Note"), e.note),
                        (_("Sources"), exhibits.cite(e.sources)),
                    ],
                )
                for e in dossier.extraditions
            ],
        ),
        (
            _("Incidents"),
            [_("exhibit"), _("kind"), _("by"), _("where"), _("date"), _("certainty")],
            [
                (
                    exhibits.of("incident", i.id),
                    [
                        p.label("incident", i.kind),
                        i.perpetrator_state,
                        i.host_state,
                        i.occurred_on,
                        p.label("certainty", i.certainty),
                    ],
                    [(_("Description"), i.description), (_("Sources"), exhibits.cite(i.sources))],
                )
                for i in dossier.incidents
            ],
        ),
        (
            _("Challenges"),
            [_("exhibit"), _("forum and kind"), _("reference"), _("status"), _("outcome"), _("deadline")],
            [
                (
                    exhibits.of("challenge", ch.id),
                    [
                        f"{_forum(ch.forum.value, p)} {p.label('challenge_kind', ch.kind)}",
                        ch.reference,
                        p.label("challenge_status", ch.status),
                        p.label("outcome", ch.outcome) if ch.outcome else None,
                        _("{date} (overdue)").format(date=ch.deadline_on) if ch.overdue else ch.deadline_on,
                    ],
                    [
                        (_("Against"), p.state_name(ch.respondent_state) if ch.respondent_state else None),
                        (_("Reason"), _reason(ch, p)),
                        (_("Summary"), ch.summary),
                        (_("Sources"), exhibits.cite(ch.sources)),
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
                    [*more, (_("Documents"), ", ".join(exhibits.documents_of.get(exhibit or "", [])))],
                )
                for exhibit, cells, more in records
            )
            if any(value for _, value in more)
        ]
        if details:
            blocks.append(Items(details))
    return blocks


def _detention_end(d: DetentionPublic, p: Prose) -> str:
    ended = d.released_on or d.surrendered_on
    how = p.label("detention_status", d.status)
    if d.release_reason:
        how += f" ({p.label('release_reason', d.release_reason)})"
    if ended is None and d.ended_on is not None:
        return p.gettext("{how}, ended by {date}").format(how=how, date=d.ended_on)
    return f"{how} {ended}" if ended else how


def _days(d: DetentionPublic, p: Prose) -> str | None:
    """Days of custody, of its own kind: detention, or house arrest and supervision named as such."""
    for days, kind in (
        (d.custody_days, ""),
        (d.house_arrest_days, p.gettext(" (house arrest)")),
        (d.supervision_days, p.gettext(" (supervision)")),
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


def _reason(ch: ChallengePublic, p: Prose) -> str | None:
    """The decision's reason and note, as the last decided event gives them."""
    decided = [e for e in ch.events if e.type.value == "decided"]
    if not decided:
        return None
    last = decided[-1]
    parts = [p.label("reason", last.reason) if last.reason else None, last.note]
    return "; ".join(x for x in parts if x) or None
