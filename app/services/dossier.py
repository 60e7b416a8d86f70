"""The dossier of a person: every record, the timeline, the indicators and the pooled figures of each
requesting state involved, as JSON or as Markdown a lawyer can paste into a filing."""

from datetime import date

from sqlmodel import Session, col

from app.models.challenge import Challenge
from app.models.detention import Detention, DetentionPublic
from app.models.dossier import Dossier
from app.models.extradition import Extradition, ExtraditionPublic
from app.models.flag import SEVERITY, StateDetail
from app.models.incident import Incident, IncidentPublic
from app.models.notice import Notice
from app.models.person import Person
from app.models.protection import Protection, ProtectionPublic
from app.models.state import state_name
from app.models.token import Principal
from app.services import challenge as challenge_service
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import markdown as md
from app.services import notice as notice_service
from app.services import pattern as pattern_service
from app.services import person as person_service
from app.services.tenancy import owned

RULES = [
    (
        "INTERPOL Constitution, Article 3",
        "INTERPOL may not undertake any intervention or activity of a political, military, religious or racial "
        "character. It applies the rule through the predominance test: whatever the requesting state calls the "
        "offence, does its political element outweigh the ordinary-crime element?",
    ),
    (
        "INTERPOL Constitution, Article 2",
        "Police cooperation is to take place within the members' laws and in the spirit of the Universal "
        "Declaration of Human Rights: the basis for removing data over a risk of torture or an unfair trial.",
    ),
    (
        "Rules on the Processing of Data, Article 83",
        "A red notice needs a serious ordinary-law crime (administrative violations and private disputes such as "
        "defamation or ordinary debt are excluded unless linked to serious or organised crime), a penalty of at "
        "least two years (or at least six months left to serve), and an interest for international cooperation.",
    ),
    (
        "INTERPOL's refugee policy (2015)",
        "In general, no red notice or diffusion is processed where refugee or asylum-seeker status has been "
        "confirmed and the request comes from the country the person fears; INTERPOL verifies the status with "
        "the host state and does not tell the requesting state who granted it.",
    ),
]


def build(session: Session, person: Person, *, by: Principal, min_persons: int) -> Dossier:
    """Everything about one person of the caller's organisation (the caller's audit entry is the route's)."""
    org = by.org_id
    protections = list(session.exec(owned(Protection, org).where(Protection.person_id == person.id)))
    notices = list(
        session.exec(owned(Notice, org).where(Notice.person_id == person.id).order_by(col(Notice.created_at)))
    )
    detentions = list(
        session.exec(
            owned(Detention, org).where(Detention.person_id == person.id).order_by(col(Detention.detained_on))
        )
    )
    extraditions = list(
        session.exec(
            owned(Extradition, org)
            .where(Extradition.person_id == person.id)
            .order_by(col(Extradition.created_at))
        )
    )
    incidents = list(
        session.exec(
            owned(Incident, org).where(Incident.person_id == person.id).order_by(col(Incident.created_at))
        )
    )
    challenges = list(
        session.exec(
            owned(Challenge, org).where(Challenge.person_id == person.id).order_by(col(Challenge.created_at))
        )
    )
    flags = flag_service.for_person(session, person)
    involved = sorted(
        {f.requesting_state for f in flags}
        | {n.requesting_state for n in notices}
        | {d.requesting_state for d in detentions}
    )
    return Dossier(
        person=person_service.public(session, person),
        protections=[ProtectionPublic.model_validate(p) for p in protections],
        notices=notice_service.publics(session, notices),
        detentions=[DetentionPublic.model_validate(d) for d in detentions],
        extraditions=[ExtraditionPublic.model_validate(e) for e in extraditions],
        incidents=[IncidentPublic.model_validate(i) for i in incidents],
        challenges=challenge_service.publics(session, challenges),
        history=history_service.events(session, person),
        flags=flags,
        states=[pattern_service.pooled_state(session, s, min_persons=min_persons, by=by) for s in involved],
    )


def _cell(text: object) -> str:
    """A Markdown table cell (or any inline value): user text escaped, a dash for nothing."""
    return "—" if text is None else md.escape(text)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _state_section(detail: StateDetail) -> list[str]:
    c = detail.counts
    lines = [
        f"### {state_name(detail.state)} ({detail.state})",
        "",
        f"Pooled across the organisations using article3: {c.persons} persons, {c.notices} notices, {c.detentions} "
        f"detentions of which {c.released_without_extradition} ended in release without extradition, "
        f"{c.extraditions_refused} extradition proceedings refused, {c.interpol_noncompliant} notices found non-compliant "
        f"by INTERPOL. Score {detail.score:.2f} (0–1, higher = stronger evidence of abuse).",
        "",
    ]
    if detail.patterns:
        lines += ["| indicator | severity | persons | share | recurrent |", "|---|---|---|---|---|"]
        for p in detail.patterns:
            lines.append(
                f"| {_words(p.code.value)} | {SEVERITY[p.code].value} | {p.persons} | {p.rate:.0%} | {'yes' if p.recurrent else 'no'} |"
            )
        lines.append("")
    return lines


def markdown(dossier: Dossier, *, today: date | None = None) -> str:
    """The dossier as Markdown: headings, a chronology table, indicators, state figures, the rules."""
    today = today or date.today()
    p = dossier.person
    lines = [
        f"# Dossier: {md.escape(p.name)}",
        "",
        f"Prepared on {today.isoformat()} from the records of article3.",
        "",
    ]
    lines += ["## Person", ""]
    facts = [
        ("Name", p.name),
        ("Also written", "; ".join(p.aliases) or None),
        ("Born", p.birth_date),
        ("Nationalities", ", ".join(f"{state_name(n)} ({n})" for n in p.nationalities) or None),
        ("Categories", ", ".join(_words(c) for c in p.categories) or None),
        ("Affiliations", "; ".join(p.affiliations) or None),
    ]
    lines += [f"- **{label}:** {md.escape(value)}" for label, value in facts if value]
    for protection in dossier.protections:
        since = f" since {protection.since}" if protection.since else ""
        until = f" until {protection.until}" if protection.until else ""
        lines.append(
            f"- **Protection:** {_words(protection.kind.value)} in {state_name(protection.host_state)}{since}{until}, "
            f"against {state_name(protection.against_state)}"
        )
    lines += ["", "## Chronology", ""]
    if dossier.history:
        lines += ["| date | event | record |", "|---|---|---|"]
        lines += [
            f"| {_cell(e.on)} | {_cell(e.summary)} | {e.ref.kind} `{e.ref.id[:8]}` |" for e in dossier.history
        ]
    else:
        lines.append("No dated facts are recorded.")
    lines += ["", "## Indicators", ""]
    if dossier.flags:
        lines.append(
            "Each indicator is evidence for the court or the CCF to weigh, never a legal conclusion."
        )
        lines.append("")
        for flag in dossier.flags:
            lines += [
                f"### {_words(flag.code.value).capitalize()} ({flag.severity.value}), {state_name(flag.requesting_state)}",
                "",
                md.escape(flag.explanation),
                "",
                "Evidence: " + ", ".join(f"{e.kind} `{e.id[:8]}`" for e in flag.evidence),
                "",
            ]
    else:
        lines += ["No indicator holds on the recorded facts.", ""]
    lines += ["## Requesting states", ""]
    for detail in dossier.states:
        lines += _state_section(detail)
    if dossier.notices:
        lines += [
            "## Notices",
            "",
            "| channel | state | requested | issued | status | charges |",
            "|---|---|---|---|---|---|",
        ]
        for n in dossier.notices:
            charges = "; ".join(
                f"{c.text} ({_words(c.category.value)})" for c in n.charges
            )  # escaped by _cell
            lines.append(
                f"| {_words(n.channel.value)} | {n.requesting_state} | {_cell(n.requested_on)} | {_cell(n.issued_on)} | "
                f"{n.status.value} | {_cell(charges or None)} |"
            )
        lines.append("")
    if dossier.detentions:
        lines += [
            "## Detentions",
            "",
            "| host | requested by | detained | ended | custody days |",
            "|---|---|---|---|---|",
        ]
        for d in dossier.detentions:
            ended = d.released_on or d.surrendered_on
            how = f"{d.status.value} {ended}" if ended else d.status.value
            lines.append(
                f"| {state_name(d.host_state)} | {d.requesting_state} | {d.detained_on} | {_cell(how)} | {_cell(d.custody_days)} |"
            )
        lines.append("")
    if dossier.extraditions:
        lines += [
            "## Extradition proceedings",
            "",
            "| requested by | court | stage | decision | date | grounds |",
            "|---|---|---|---|---|---|",
        ]
        for e in dossier.extraditions:
            lines.append(
                f"| {e.requesting_state} | {_cell(e.court)} | {_cell(e.stage.value if e.stage else None)} | {e.decision.value} | "
                f"{_cell(e.decided_on)} | {_cell(', '.join(_words(g.value) for g in e.grounds) or None)} |"
            )
        lines.append("")
    if dossier.challenges:
        lines += [
            "## Challenges",
            "",
            "| forum | kind | reference | status | deadline |",
            "|---|---|---|---|---|",
        ]
        for ch in dossier.challenges:
            deadline = f"{ch.deadline_on} (overdue)" if ch.overdue else ch.deadline_on
            lines.append(
                f"| {ch.forum.value.upper()} | {ch.kind.value} | {_cell(ch.reference)} | {ch.status.value} | {_cell(deadline)} |"
            )
        lines.append("")
    lines += ["## The rules these indicators rest on", ""]
    lines += [f"- **{title}.** {text}" for title, text in RULES]
    lists: list[list[str]] = [p.sources]
    for records in (
        dossier.notices,
        dossier.detentions,
        dossier.extraditions,
        dossier.incidents,
        dossier.protections,
        dossier.challenges,
    ):
        lists += [r.sources for r in records]
    sources = sorted({s for found in lists for s in found})
    if sources:
        lines += ["", "## Sources", ""]
        lines += [f"- {md.link(s)}" for s in sources]
    return "\n".join(lines) + "\n"
