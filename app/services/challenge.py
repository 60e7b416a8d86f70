"""Challenges: the event state machine, CCF deadlines, and a CCF decision carried to its notice.

The transitions are the contract's table, as data. Any other event is a 409; an event dated before
the previous one is a 422. On a CCF challenge with a linked notice, the same transaction appends the
notice status the event implies (provisional measure → blocked; decided deleted → deleted; decided
withdrawn by source → withdrawn; decided maintained on a blocked notice → reinstated).
"""

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select

from app.errors import InvalidTransition, Unprocessable
from app.models.base import utcnow
from app.models.challenge import (
    COURT_OUTCOMES,
    INTERIM_OUTCOMES,
    Challenge,
    ChallengeCreate,
    ChallengeEvent,
    ChallengeKind,
    ChallengePublic,
    ChallengeStatus,
    ChallengeUpdate,
    EventIn,
    EventPublic,
    EventType,
    Forum,
    Outcome,
)
from app.models.fuzzy_date import FuzzyDate
from app.models.notice import Notice, NoticeStatus, NoticeStatusChange, StatusActor
from app.models.person import Person
from app.models.state import state_name
from app.models.token import Principal
from app.services import audit, convention, patch, webhook
from app.services import notice as notice_service
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned

S = ChallengeStatus
OPEN = frozenset({S.draft, S.filed, S.admissible})
TRANSITIONS: dict[EventType, tuple[frozenset[ChallengeStatus], ChallengeStatus | None]] = {  # None: unchanged
    EventType.filed: (frozenset({S.draft}), S.filed),
    EventType.admissible: (frozenset({S.filed}), S.admissible),
    EventType.inadmissible: (frozenset({S.filed}), S.closed),
    EventType.provisional_measure: (frozenset({S.filed, S.admissible}), None),
    EventType.decided: (frozenset({S.filed, S.admissible}), S.closed),
    EventType.withdrawn: (OPEN, S.closed),
}
# CCF Statute Art. 40: an access request is answered within 4 months of admissibility, a request for
# correction or deletion decided within 9. A revision (a new decisive fact) has no decision time limit
# in the contract, so its `deadline_on` stays null.
DEADLINE_MONTHS = {
    ChallengeKind.access: 4,
    ChallengeKind.deletion: 9,
    ChallengeKind.correction: 9,
}
# The CCF's decisions are final (a revision is the remedy) and it orders no interim measures of its own.
NOT_AT_THE_CCF = frozenset({ChallengeKind.appeal, ChallengeKind.interim_measure})
DATE_FIELD = {
    EventType.filed: "filed_on",
    EventType.admissible: "admissible_on",
    EventType.provisional_measure: "provisional_measure_on",
    EventType.decided: "decided_on",
}


def add_months(start: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 May + 9 months = 29 Feb in a leap year)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deadline(challenge: Challenge) -> FuzzyDate | None:
    months = DEADLINE_MONTHS.get(challenge.kind)
    if challenge.forum is not Forum.ccf or months is None or challenge.admissible_on is None:
        return None
    return FuzzyDate(add_months(challenge.admissible_on.start, months).isoformat())


def is_overdue(challenge: Challenge, today: date) -> bool:
    return (
        challenge.status in OPEN and challenge.deadline_on is not None and today > challenge.deadline_on.start
    )


def _check_respondent(forum: Forum, state: str | None, *, filed_on: FuzzyDate | None) -> None:
    """An application to the European Court of Human Rights lies only against a state that had joined the
    Convention by the day it is filed (today, before filing). A state that left it later stays a
    respondent for the facts before it left: the service cannot date those facts, so it accepts it."""
    if forum is not Forum.echr or state is None:
        return
    on = filed_on.end if filed_on is not None else date.today()
    if not convention.joined_by(state, on):
        when = f"by {filed_on}" if filed_on is not None else "today"
        raise Unprocessable(
            f"{state_name(state)} had not joined the European Convention on Human Rights {when}: "
            "the European Court of Human Rights takes no application against it.",
            loc=("body", "respondent_state" if filed_on is None else "on"),
        )


def create(session: Session, *, data: ChallengeCreate, by: Principal) -> Challenge:
    if data.forum is Forum.ccf and data.kind in NOT_AT_THE_CCF:
        raise Unprocessable(
            f"The CCF takes no '{data.kind.value}' request: its decisions are final and a revision is the remedy.",
            loc=("body", "kind"),
        )
    person = get_owned(session, Person, data.person_id, org_id=by.org_id)
    _check_notice(session, data.notice_id, person_id=person.id, by=by)
    _check_respondent(data.forum, data.respondent_state, filed_on=None)
    challenge = Challenge(org_id=by.org_id, **data.model_dump())
    session.add(challenge)
    session.flush()
    audit.record(session, by=by, action="challenge.created", kind="challenge", object_id=challenge.id)
    webhook.enqueue(session, org_id=by.org_id, event="challenge.created", data=_event_data(challenge))
    return challenge


def get(session: Session, challenge_id: str, *, by: Principal) -> Challenge:
    challenge = get_owned(session, Challenge, challenge_id, org_id=by.org_id)
    audit.record(session, by=by, action="challenge.read", kind="challenge", object_id=challenge.id)
    return challenge


def _events(session: Session, ids: Sequence[str]) -> dict[str, list[ChallengeEvent]]:
    found: dict[str, list[ChallengeEvent]] = defaultdict(list)
    if ids:
        rows = session.exec(
            select(ChallengeEvent)
            .where(col(ChallengeEvent.challenge_id).in_(ids))
            .order_by(col(ChallengeEvent.position))
        )
        for row in rows:
            found[row.challenge_id].append(row)
    return found


def publics(
    session: Session, challenges: Sequence[Challenge], *, today: date | None = None
) -> list[ChallengePublic]:
    today = today or date.today()
    events = _events(session, [c.id for c in challenges])
    return [
        ChallengePublic.model_validate(
            c,
            update={
                "events": [EventPublic.model_validate(e) for e in events[c.id]],
                "overdue": is_overdue(c, today),
            },
        )
        for c in challenges
    ]


def apply_event(session: Session, challenge_id: str, *, data: EventIn, by: Principal) -> Challenge:
    challenge = get_owned(session, Challenge, challenge_id, org_id=by.org_id, for_update=True)
    allowed_from, moves_to = TRANSITIONS[data.type]
    if challenge.status not in allowed_from:
        raise InvalidTransition(
            f"A '{data.type.value}' event is not allowed on a challenge that is {challenge.status.value}."
        )
    if data.type is EventType.decided and data.outcome is None:
        raise Unprocessable("A decision needs its outcome.", loc=("body", "outcome"))
    if data.type is not EventType.decided and data.outcome is not None:
        raise Unprocessable("Only a decision has an outcome.", loc=("body", "outcome"))
    if data.outcome is Outcome.answered and challenge.kind is not ChallengeKind.access:
        raise Unprocessable("Only an access request is decided 'answered'.", loc=("body", "outcome"))
    if data.outcome in COURT_OUTCOMES and challenge.forum is Forum.ccf:
        raise Unprocessable(
            f"'{data.outcome.value}' is an outcome of courts and UN bodies: the CCF decides 'deleted', "
            "'maintained', 'corrected', 'withdrawn_by_source' or 'answered'.",
            loc=("body", "outcome"),
        )
    if data.outcome in INTERIM_OUTCOMES and challenge.kind is not ChallengeKind.interim_measure:
        raise Unprocessable(
            f"Only a request for an interim measure is decided '{data.outcome.value}'; a measure granted "
            "within a case is a 'provisional_measure' event.",
            loc=("body", "outcome"),
        )
    if data.type is EventType.filed:
        _check_respondent(challenge.forum, challenge.respondent_state, filed_on=data.on)
    previous = session.exec(
        select(ChallengeEvent)
        .where(ChallengeEvent.challenge_id == challenge.id)
        .order_by(col(ChallengeEvent.position).desc())
    ).first()
    if previous is not None and data.on.start < previous.on.start:
        raise Unprocessable(
            f"The event is dated before the previous one ({previous.on}).", loc=("body", "on")
        )
    position = previous.position + 1 if previous is not None else 0  # events are appended, never removed
    session.add(
        ChallengeEvent(
            challenge_id=challenge.id,
            org_id=challenge.org_id,
            position=position,
            type=data.type,
            on=data.on,
            outcome=data.outcome,
            reason=data.reason,
            note=data.note,
        )
    )
    if moves_to is not None:
        challenge.status = moves_to
    if data.type in DATE_FIELD:
        setattr(challenge, DATE_FIELD[data.type], data.on)
    if moves_to is ChallengeStatus.closed:
        challenge.closed_on = data.on
    if data.outcome is not None:
        challenge.outcome = data.outcome
    challenge.deadline_on = deadline(challenge)
    challenge.version += 1
    challenge.updated_at = utcnow()
    session.add(challenge)
    session.flush()
    audit.record(
        session, by=by, action=f"challenge.{data.type.value}", kind="challenge", object_id=challenge.id
    )
    webhook.enqueue(
        session,
        org_id=by.org_id,
        event=f"challenge.{data.type.value}",
        data={**_event_data(challenge), "on": str(data.on)},
    )
    _carry_to_notice(session, challenge, data, by=by)
    return challenge


def _check_notice(session: Session, notice_id: str | None, *, person_id: str, by: Principal) -> None:
    if notice_id is None:
        return
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id)
    if notice.person_id != person_id:
        raise Unprocessable("The notice is about another person.", loc=("body", "notice_id"))


def update(
    session: Session, challenge_id: str, *, data: ChallengeUpdate, expected_version: int, by: Principal
) -> Challenge:
    """Correct the reference, summary, counsel, sources or the notice challenged. A CCF decision already
    carried to a notice stays in that notice's history; the indicators read the link as it now is."""
    challenge = get_owned(session, Challenge, challenge_id, org_id=by.org_id, for_update=True)
    patch.check_version(challenge, expected_version, what="challenge")
    changes = patch.changes(data.model_dump(exclude_unset=True), required=(), defaults={"sources": []})
    if not changes:
        patch.unchanged(session, kind="challenge", record_id=challenge.id, by=by)
        return challenge  # nothing to change: no new version
    if changes.get("notice_id") is not None:
        _check_notice(session, changes["notice_id"], person_id=challenge.person_id, by=by)
    if changes.get("respondent_state") is not None:
        _check_respondent(challenge.forum, changes["respondent_state"], filed_on=challenge.filed_on)
    challenge.sqlmodel_update(changes)
    challenge.version += 1
    challenge.updated_at = utcnow()
    session.add(challenge)
    session.flush()
    audit.record(session, by=by, action="challenge.updated", kind="challenge", object_id=challenge.id)
    return challenge


def replay(challenge: Challenge, events: Sequence[ChallengeEvent]) -> None:
    """Set the challenge's status, outcome, dates and deadline from its events, as if applied in order."""
    challenge.status, challenge.outcome = ChallengeStatus.draft, None
    for name in (*DATE_FIELD.values(), "closed_on"):
        setattr(challenge, name, None)
    for event in events:
        moves_to = TRANSITIONS[event.type][1]
        if moves_to is not None:
            challenge.status = moves_to
        if event.type in DATE_FIELD:
            setattr(challenge, DATE_FIELD[event.type], event.on)
        if moves_to is ChallengeStatus.closed:
            challenge.closed_on = event.on
        if event.outcome is not None:
            challenge.outcome = event.outcome
    challenge.deadline_on = deadline(challenge)


def _carried_status(event: ChallengeEvent) -> NoticeStatus | None:
    """The notice status a CCF event appended (`reinstated` only if the notice was blocked then)."""
    if event.type is EventType.provisional_measure:
        return NoticeStatus.blocked
    if event.type is EventType.decided:
        return (
            {
                Outcome.deleted: NoticeStatus.deleted,
                Outcome.withdrawn_by_source: NoticeStatus.withdrawn,
                Outcome.maintained: NoticeStatus.reinstated,
            }.get(event.outcome)
            if event.outcome
            else None
        )
    return None


def _retract_carried(session: Session, challenge: Challenge, event: ChallengeEvent, *, by: Principal) -> None:
    """Take back the status entry a CCF event appended to its notice: the newest entry by the CCF with
    that status and date (the entry names no event: it is found by what the event wrote)."""
    status = _carried_status(event)
    if challenge.forum is not Forum.ccf or challenge.notice_id is None or status is None:
        return
    notice = get_owned(session, Notice, challenge.notice_id, org_id=by.org_id, for_update=True)
    entry = session.exec(
        select(NoticeStatusChange)
        .where(
            NoticeStatusChange.notice_id == notice.id,
            NoticeStatusChange.status == status,
            NoticeStatusChange.actor == StatusActor.ccf,
            NoticeStatusChange.on == event.on,
        )
        .order_by(col(NoticeStatusChange.position).desc())
    ).first()
    if entry is not None:
        notice_service.retract(session, notice, entry, by=by)


def delete_last_event(
    session: Session, challenge_id: str, *, by: Principal, expected_version: int | None = None
) -> Challenge:
    """Remove the newest event, entered in error: the challenge returns to the state the earlier events
    give it, and a CCF event's entry in its notice's history goes with it."""
    challenge = get_owned(session, Challenge, challenge_id, org_id=by.org_id, for_update=True)
    patch.check_version(challenge, expected_version, what="challenge")
    events = _events(session, [challenge.id])[challenge.id]
    if not events:
        raise InvalidTransition("The challenge has no event to remove.")
    last = events.pop()
    _retract_carried(session, challenge, last, by=by)
    session.delete(last)
    replay(challenge, events)
    challenge.version += 1
    challenge.updated_at = utcnow()
    session.add(challenge)
    session.flush()
    audit.record(session, by=by, action="challenge.event_deleted", kind="challenge", object_id=challenge.id)
    return challenge


def delete(
    session: Session, challenge_id: str, *, by: Principal, expected_version: int | None = None
) -> None:
    """Remove a challenge entered in error, with its events and the entries its CCF events appended to
    its notice's history."""
    challenge = get_owned(session, Challenge, challenge_id, org_id=by.org_id, for_update=True)
    patch.check_version(challenge, expected_version, what="challenge")
    for event in reversed(_events(session, [challenge.id])[challenge.id]):
        _retract_carried(session, challenge, event, by=by)
    session.exec(sa_delete(ChallengeEvent).where(col(ChallengeEvent.challenge_id) == challenge.id))
    session.delete(challenge)
    session.flush()
    audit.record(session, by=by, action="challenge.deleted", kind="challenge", object_id=challenge_id)


def _event_data(challenge: Challenge) -> dict[str, str | None]:
    """Ids and enum values only: a receiver never gets names, references or notes."""
    return {
        "challenge_id": challenge.id,
        "person_id": challenge.person_id,
        "notice_id": challenge.notice_id,
        "forum": challenge.forum.value,
        "kind": challenge.kind.value,
        "status": challenge.status.value,
        "outcome": challenge.outcome.value if challenge.outcome else None,
        "deadline_on": str(challenge.deadline_on) if challenge.deadline_on else None,
    }


def _carry_to_notice(session: Session, challenge: Challenge, data: EventIn, *, by: Principal) -> None:
    if challenge.forum is not Forum.ccf or challenge.notice_id is None:
        return
    notice = get_owned(session, Notice, challenge.notice_id, org_id=by.org_id, for_update=True)
    status: NoticeStatus | None = None
    if data.type is EventType.provisional_measure:
        status = NoticeStatus.blocked
    elif data.type is EventType.decided and data.outcome is Outcome.deleted:
        status = NoticeStatus.deleted
    elif data.type is EventType.decided and data.outcome is Outcome.withdrawn_by_source:
        status = NoticeStatus.withdrawn
    elif (
        data.type is EventType.decided
        and data.outcome is Outcome.maintained
        and notice.status is NoticeStatus.blocked
    ):
        status = NoticeStatus.reinstated
    if status is not None:
        note = f"CCF challenge {challenge.reference or challenge.id}: {data.type.value.replace('_', ' ')}"
        notice_service.append_status(
            session,
            notice,
            status=status,
            on=data.on,
            actor=StatusActor.ccf,
            reason=data.reason,
            note=note,
            by=by,
        )


def list_page(
    session: Session,
    *,
    by: Principal,
    person_id: str | None,
    status: ChallengeStatus | None,
    overdue: bool | None,
    limit: int,
    cursor: str | None,
    today: date | None = None,
) -> tuple[list[Challenge], str | None]:
    today = today or date.today()
    query = owned(Challenge, by.org_id)
    if person_id is not None:
        query = query.where(Challenge.person_id == person_id)
    if status is not None:
        query = query.where(Challenge.status == status)
    if overdue is not None:
        late = col(Challenge.status).in_([s.value for s in OPEN]) & (
            col(Challenge.deadline_on) < today.isoformat()
        )
        query = query.where(late if overdue else ~late | col(Challenge.deadline_on).is_(None))
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Challenge, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(
        session, by=by, action="challenge.listed", kind="person" if person_id else None, object_id=person_id
    )
    return rows, next_cursor
