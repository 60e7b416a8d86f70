"""A person's history: every dated fact about them in one timeline a lawyer can read.

Order: by the first day of each fuzzy date's period. Facts on the same first day come in a fixed order,
documented in the API: the kind of record (protection, notice, detention, extradition, incident,
challenge), then the step within the record (requested before issued before later status changes;
detained before released or surrendered; opened before decided), then the time it was recorded, then
the record's id, so the same data always gives the same timeline.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app.models.challenge import Challenge, ChallengeEvent
from app.models.detention import Detention, custody_days
from app.models.extradition import Extradition
from app.models.fuzzy_date import FuzzyDate
from app.models.incident import Incident
from app.models.notice import Notice, NoticeStatus, NoticeStatusChange
from app.models.person import Person
from app.models.protection import Protection
from app.models.state import state_name
from app.models.timeline import HistoryEvent, RecordRef
from app.services import notice as notice_service
from app.vocabulary import capitalized, english

Record = Row[Any]  # the columns a timeline needs, by name, straight from the database

KIND_ORDER = {"protection": 0, "notice": 1, "detention": 2, "extradition": 3, "incident": 4, "challenge": 5}


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


def _status_summary(notice: Record, status: NoticeStatus, actor: str | None, reason: str | None) -> str:
    what = f"{english('channel', notice.channel)} from {state_name(notice.requesting_state)}: {english('notice_status', status)}"
    if actor and actor != "unknown":
        what += f" by {english('actor', actor)}"
    if reason:
        what += f" ({english('reason', reason)})"
    return capitalized(what)


def _notice_facts(notice: Record, changes: list[Record]) -> Iterable[_Fact]:
    channel = english("channel", notice.channel)
    state = state_name(notice.requesting_state)
    ref = (notice.created_at, notice.id)
    if notice.requested_on:
        yield _Fact(
            notice.requested_on, "notice", 0, *ref, "notice.requested", f"{state} requested a {channel}"
        )
    if notice.issued_on:
        text = f"{capitalized(channel)} from {state} issued"
        yield _Fact(notice.issued_on, "notice", 1, *ref, "notice.issued", text)
    initial_on = notice_service.initial_date(notice.initial_status, notice.requested_on, notice.issued_on)
    if initial_on and notice.initial_status not in (NoticeStatus.requested, NoticeStatus.published):
        summary = _status_summary(notice, notice.initial_status, notice.status_actor, notice.status_reason)
        yield _Fact(initial_on, "notice", 2, *ref, f"notice.status.{notice.initial_status.value}", summary)
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


def _detention_facts(d: Record) -> Iterable[_Fact]:
    where = state_name(d.host_state) + (f" ({d.place})" if d.place else "")
    ref = (d.created_at, d.id)
    basis = "" if d.basis.value == "unknown" else f" on a {english('detention_basis', d.basis)}"
    yield _Fact(
        d.detained_on,
        "detention",
        0,
        *ref,
        "detention.detained",
        f"Detained in {where} at {state_name(d.requesting_state)}'s request{basis}",
    )
    custody = custody_days(d.detained_on, d.released_on or d.surrendered_on)
    days = f" after {custody} days" if custody is not None else ""
    if d.released_on and d.release_reason:
        conditions = (
            f", under {english('release_conditions', d.release_conditions)}"
            if d.release_conditions and d.release_conditions.value != "none"
            else ""
        )
        text = f"Released in {state_name(d.host_state)}{days} ({english('release_reason', d.release_reason)}{conditions})"
        yield _Fact(d.released_on, "detention", 1, *ref, "detention.released", text)
    if d.surrendered_on and d.surrender_kind:
        text = f"{capitalized(english('surrender_kind', d.surrender_kind))} from {state_name(d.host_state)} to {state_name(d.requesting_state)}{days}"
        yield _Fact(d.surrendered_on, "detention", 1, *ref, "detention.surrendered", text)


def _extradition_facts(e: Record) -> Iterable[_Fact]:
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
        grounds = f" on {', '.join(english('ground', g) for g in e.grounds)}" if e.grounds else ""
        stage = f" at {english('stage', e.stage)} stage" if e.stage else ""
        text = f"Extradition {english('decision', e.decision)}{stage}{court}, {by}{grounds}"
        yield _Fact(e.decided_on, "extradition", 1, *ref, "extradition.decided", text)


def _incident_facts(i: Record) -> Iterable[_Fact]:
    if i.occurred_on:
        where = f" in {state_name(i.host_state)}" if i.host_state else ""
        text = f"{capitalized(english('incident', i.kind))}{where}, attributed to {state_name(i.perpetrator_state)} ({english('certainty', i.certainty)})"
        yield _Fact(i.occurred_on, "incident", 0, i.created_at, i.id, f"incident.{i.kind.value}", text)


def _protection_facts(p: Record) -> Iterable[_Fact]:
    what = (
        f"{english('protection', p.kind)} in {state_name(p.host_state)} against {state_name(p.against_state)}"
    )
    if p.since:
        yield _Fact(p.since, "protection", 0, p.created_at, p.id, "protection.since", capitalized(what))
    if p.until:
        yield _Fact(p.until, "protection", 1, p.created_at, p.id, "protection.until", f"End of {what}")


def _challenge_facts(challenge: Record, events: list[Record]) -> Iterable[_Fact]:
    forum = english("forum", challenge.forum)
    what = f"{forum} {english('challenge_kind', challenge.kind)} request" + (
        f" {challenge.reference}" if challenge.reference else ""
    )
    for event in events:
        text = f"{capitalized(what)}: {english('event_type', event.type)}"
        if event.outcome:
            text += f", outcome {english('outcome', event.outcome)}"
        if event.reason:
            text += f" ({english('reason', event.reason)})"
        yield _Fact(
            event.on,
            "challenge",
            event.position,
            event.recorded_at,
            challenge.id,
            f"challenge.{event.type.value}",
            text,
        )


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _person_records(session: Session, model: Any, person: Person, *names: str) -> Sequence[Record]:
    """These columns of the person's records of one kind: plain rows, no ORM objects, and none of the
    encrypted free text the timeline never shows (fewer values to decrypt)."""
    table = _table(model)
    query = sa_select(*(table.c[name] for name in names)).where(
        table.c.org_id == person.org_id, table.c.person_id == person.id
    )
    return session.connection().execute(query).all()


def _children(
    session: Session, model: Any, parent: str, ids: list[str], *names: str
) -> dict[str, list[Record]]:
    """Rows of a child table (status changes, challenge events) by parent id."""
    found: dict[str, list[Record]] = defaultdict(list)
    if ids:
        table = _table(model)
        query = sa_select(table.c[parent], *(table.c[name] for name in names)).where(table.c[parent].in_(ids))
        for row in session.connection().execute(query.order_by(table.c.position)):
            found[row[0]].append(row)
    return found


def events(session: Session, person: Person) -> list[HistoryEvent]:
    """Every dated fact about the person, oldest first (undated facts have no place on a timeline)."""
    facts: list[_Fact] = []
    for protection in _person_records(
        session,
        Protection,
        person,
        "id",
        "kind",
        "host_state",
        "against_state",
        "since",
        "until",
        "created_at",
    ):
        facts.extend(_protection_facts(protection))
    notices = _person_records(
        session,
        Notice,
        person,
        "id",
        "channel",
        "requesting_state",
        "requested_on",
        "issued_on",
        "initial_status",
        "status_actor",
        "status_reason",
        "created_at",
    )
    changes = _children(
        session,
        NoticeStatusChange,
        "notice_id",
        [n.id for n in notices],
        "status",
        "actor",
        "reason",
        "on",
        "position",
        "recorded_at",
    )
    for notice in notices:
        facts.extend(_notice_facts(notice, changes[notice.id]))
    for detention in _person_records(
        session,
        Detention,
        person,
        "id",
        "host_state",
        "place",
        "basis",
        "requesting_state",
        "detained_on",
        "released_on",
        "release_reason",
        "release_conditions",
        "surrendered_on",
        "surrender_kind",
        "created_at",
    ):
        facts.extend(_detention_facts(detention))
    for extradition in _person_records(
        session,
        Extradition,
        person,
        "id",
        "requesting_state",
        "requested_state",
        "court",
        "opened_on",
        "decided_on",
        "decision",
        "grounds",
        "stage",
        "created_at",
    ):
        facts.extend(_extradition_facts(extradition))
    for incident in _person_records(
        session,
        Incident,
        person,
        "id",
        "kind",
        "host_state",
        "perpetrator_state",
        "certainty",
        "occurred_on",
        "created_at",
    ):
        facts.extend(_incident_facts(incident))
    challenges = _person_records(session, Challenge, person, "id", "forum", "kind", "reference")
    challenge_events = _children(
        session,
        ChallengeEvent,
        "challenge_id",
        [c.id for c in challenges],
        "type",
        "outcome",
        "reason",
        "on",
        "position",
        "recorded_at",
    )
    for challenge in challenges:
        facts.extend(_challenge_facts(challenge, challenge_events[challenge.id]))
    facts.sort(key=_Fact.key)
    # Built from values already validated on their way out of the database: no second validation.
    return [
        HistoryEvent.model_construct(
            on=f.on,
            type=f.type,
            summary=f.summary,
            ref=RecordRef.model_construct(kind=f.kind, id=f.record_id),
        )
        for f in facts
    ]
