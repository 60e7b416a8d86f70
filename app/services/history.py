"""A person's history: every dated fact about them in one timeline a lawyer can read.

Order: by the first day of each fuzzy date's period. Facts on the same first day come in a fixed order,
documented in the API: the kind of record (protection, notice, detention, extradition, incident,
challenge), then the step within the record (requested before issued before later status changes;
detained before released or surrendered; opened before decided), then the time it was recorded, then
the record's id, so the same data always gives the same timeline.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.models.challenge import Challenge, ChallengeEvent
from app.models.detention import Detention
from app.models.extradition import Extradition
from app.models.fuzzy_date import FuzzyDate
from app.models.incident import Incident
from app.models.notice import Notice, NoticeStatus, NoticeStatusChange
from app.models.person import Person
from app.models.protection import Protection
from app.models.state import state_name
from app.models.timeline import HistoryEvent, RecordRef
from app.services import challenge as challenge_service
from app.services import notice as notice_service
from app.services.tenancy import owned

KIND_ORDER = {"protection": 0, "notice": 1, "detention": 2, "extradition": 3, "incident": 4, "challenge": 5}
CHANNEL_NAMES = {
    "red_notice": "red notice",
    "diffusion": "diffusion",
    "blue_notice": "blue notice",
    "national_warrant": "national warrant",
    "bilateral_request": "bilateral extradition request",
    "cis_wanted_list": "CIS wanted-list entry",
    "sltd_passport": "SLTD passport entry",
}
ACTOR_NAMES = {
    "requesting_state": "the requesting state",
    "general_secretariat": "INTERPOL's General Secretariat",
    "ccf": "the CCF",
    "court": "a court",
}
REASON_NAMES = {
    "article_2": "Article 2 (human rights)",
    "article_3": "Article 3 (political character)",
    "refugee_policy": "the refugee policy",
    "article_83": "RPD Article 83",
    "purpose_achieved": "purpose achieved",
    "ncb_no_answer": "the NCB did not answer",
    "source_withdrew": "withdrawn by the source",
    "other": "other reasons",
}


@dataclass(frozen=True)
class _Fact:
    on: FuzzyDate
    kind: str
    step: int
    recorded_at: datetime
    record_id: str
    type: str
    summary: str

    def key(self) -> tuple[date, int, int, datetime, str]:
        return (self.on.start, KIND_ORDER[self.kind], self.step, self.recorded_at, self.record_id)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _status_summary(notice: Notice, status: NoticeStatus, actor: str | None, reason: str | None) -> str:
    what = (
        f"{CHANNEL_NAMES[notice.channel]} from {state_name(notice.requesting_state)}: {_words(status.value)}"
    )
    if actor and actor != "unknown":
        what += f" by {ACTOR_NAMES.get(actor, actor)}"
    if reason:
        what += f" ({REASON_NAMES.get(reason, reason)})"
    return what[0].upper() + what[1:]


def _notice_facts(notice: Notice, changes: list[NoticeStatusChange]) -> Iterable[_Fact]:
    channel = CHANNEL_NAMES[notice.channel]
    state = state_name(notice.requesting_state)
    ref = (notice.created_at, notice.id)
    if notice.requested_on:
        yield _Fact(
            notice.requested_on, "notice", 0, *ref, "notice.requested", f"{state} requested a {channel}"
        )
    if notice.issued_on:
        text = f"{channel[0].upper()}{channel[1:]} from {state} issued"
        yield _Fact(notice.issued_on, "notice", 1, *ref, "notice.issued", text)
    initial = notice_service.initial_entry(notice)
    if initial.on and notice.initial_status not in (NoticeStatus.requested, NoticeStatus.published):
        summary = _status_summary(notice, notice.initial_status, notice.status_actor, notice.status_reason)
        yield _Fact(initial.on, "notice", 2, *ref, f"notice.status.{notice.initial_status.value}", summary)
    for change in notice_service.ordered(changes):
        if change.on:
            summary = _status_summary(notice, change.status, change.actor, change.reason)
            yield _Fact(
                change.on,
                "notice",
                3 + change.position,
                change.recorded_at,
                notice.id,
                f"notice.status.{change.status.value}",
                summary,
            )


def _detention_facts(d: Detention) -> Iterable[_Fact]:
    where = state_name(d.host_state) + (f" ({d.place})" if d.place else "")
    ref = (d.created_at, d.id)
    basis = "" if d.basis.value == "unknown" else f" on a {_words(d.basis.value)}"
    yield _Fact(
        d.detained_on,
        "detention",
        0,
        *ref,
        "detention.detained",
        f"Detained in {where} at {state_name(d.requesting_state)}'s request{basis}",
    )
    days = f" after {d.custody_days} days" if d.custody_days is not None else ""
    if d.released_on and d.release_reason:
        conditions = (
            f", under {_words(d.release_conditions.value)}"
            if d.release_conditions and d.release_conditions.value != "none"
            else ""
        )
        text = f"Released in {state_name(d.host_state)}{days} ({_words(d.release_reason.value)}{conditions})"
        yield _Fact(d.released_on, "detention", 1, *ref, "detention.released", text)
    if d.surrendered_on and d.surrender_kind:
        text = f"{d.surrender_kind.value.capitalize()} from {state_name(d.host_state)} to {state_name(d.requesting_state)}{days}"
        yield _Fact(d.surrendered_on, "detention", 1, *ref, "detention.surrendered", text)


def _extradition_facts(e: Extradition) -> Iterable[_Fact]:
    ref = (e.created_at, e.id)
    by = f"{state_name(e.requesting_state)} → {state_name(e.requested_state)}"
    court = f" ({e.court})" if e.court else ""
    if e.opened_on:
        yield _Fact(
            e.opened_on,
            "extradition",
            0,
            *ref,
            "extradition.opened",
            f"Extradition proceeding opened, {by}{court}",
        )
    if e.decided_on and e.decision.value != "pending":
        grounds = f" on {', '.join(_words(g) for g in e.grounds)}" if e.grounds else ""
        stage = f" at {_words(e.stage.value)} stage" if e.stage else ""
        text = f"Extradition {e.decision.value}{stage}{court}, {by}{grounds}"
        yield _Fact(e.decided_on, "extradition", 1, *ref, "extradition.decided", text)


def _incident_facts(i: Incident) -> Iterable[_Fact]:
    if i.occurred_on:
        where = f" in {state_name(i.host_state)}" if i.host_state else ""
        text = f"{_words(i.kind.value).capitalize()}{where}, attributed to {state_name(i.perpetrator_state)} ({i.certainty.value})"
        yield _Fact(i.occurred_on, "incident", 0, i.created_at, i.id, f"incident.{i.kind.value}", text)


def _protection_facts(p: Protection) -> Iterable[_Fact]:
    what = f"{_words(p.kind.value)} in {state_name(p.host_state)} against {state_name(p.against_state)}"
    if p.since:
        yield _Fact(
            p.since, "protection", 0, p.created_at, p.id, "protection.since", what[0].upper() + what[1:]
        )
    if p.until:
        yield _Fact(p.until, "protection", 1, p.created_at, p.id, "protection.until", f"End of {what}")


FORUM_NAMES = {
    "ccf": "CCF",
    "national_court": "national court",
    "echr": "European Court of Human Rights",
    "un_cat": "UN Committee against Torture",
    "un_hrc": "UN Human Rights Committee",
    "un_wgad": "UN Working Group on Arbitrary Detention",
    "other": "other forum",
}


def _challenge_facts(challenge: Challenge, events: list[ChallengeEvent]) -> Iterable[_Fact]:
    forum = FORUM_NAMES[challenge.forum.value]
    what = f"{forum} {challenge.kind.value.replace('_', ' ')} request" + (
        f" {challenge.reference}" if challenge.reference else ""
    )
    for event in events:
        text = f"{what[0].upper()}{what[1:]}: {_words(event.type.value)}"
        if event.outcome:
            text += f", outcome {_words(event.outcome.value)}"
        if event.reason:
            text += f" ({REASON_NAMES.get(event.reason.value, event.reason.value)})"
        yield _Fact(
            event.on,
            "challenge",
            event.position,
            event.recorded_at,
            challenge.id,
            f"challenge.{event.type.value}",
            text,
        )


def _skip(model: Any, *columns: str) -> list[Any]:
    """Leave out the encrypted free text the timeline never shows: fewer values to decrypt."""
    return [defer(getattr(model, name)) for name in columns]


def events(session: Session, person: Person) -> list[HistoryEvent]:
    """Every dated fact about the person, oldest first (undated facts have no place on a timeline)."""
    org = person.org_id
    facts: list[_Fact] = []
    for protection in session.exec(
        owned(Protection, org)
        .where(Protection.person_id == person.id)
        .options(*_skip(Protection, "note", "sources"))
    ):
        facts.extend(_protection_facts(protection))
    notices = list(
        session.exec(
            owned(Notice, org).where(Notice.person_id == person.id).options(*_skip(Notice, "note", "sources"))
        )
    )
    changes: dict[str, list[NoticeStatusChange]] = {n.id: [] for n in notices}
    if notices:
        for change in session.exec(
            select(NoticeStatusChange).where(col(NoticeStatusChange.notice_id).in_(list(changes)))
        ):
            changes[change.notice_id].append(change)
    for notice in notices:
        facts.extend(_notice_facts(notice, changes[notice.id]))
    for detention in session.exec(
        owned(Detention, org)
        .where(Detention.person_id == person.id)
        .options(*_skip(Detention, "note", "release_note", "surrender_note", "sources"))
    ):
        facts.extend(_detention_facts(detention))
    for extradition in session.exec(
        owned(Extradition, org)
        .where(Extradition.person_id == person.id)
        .options(*_skip(Extradition, "note", "sources"))
    ):
        facts.extend(_extradition_facts(extradition))
    for incident in session.exec(
        owned(Incident, org)
        .where(Incident.person_id == person.id)
        .options(*_skip(Incident, "description", "sources"))
    ):
        facts.extend(_incident_facts(incident))
    challenges = list(
        session.exec(
            owned(Challenge, org)
            .where(Challenge.person_id == person.id)
            .options(*_skip(Challenge, "summary", "sources"))
        )
    )
    challenge_events = challenge_service.events_of(session, [c.id for c in challenges])
    for challenge in challenges:
        facts.extend(_challenge_facts(challenge, challenge_events[challenge.id]))
    facts.sort(key=_Fact.key)
    return [
        HistoryEvent(on=f.on, type=f.type, summary=f.summary, ref=RecordRef(kind=f.kind, id=f.record_id))
        for f in facts
    ]
