"""`deadline.collect` reads only the columns and rows its deadlines need: it answers exactly what a
straightforward derivation from whole ORM objects answers (the reference below, the code it replaced),
on a varied data set: every kind of record, fuzzy dates, proceeding chains, hearings past and future,
hearings stored as plaintext from before encryption and sealed under a key id of two digits."""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.challenge import Challenge, ChallengeKind, ChallengeStatus, Forum
from app.models.deadline import DeadlineKind
from app.models.extradition import Decision, Extradition
from app.models.fuzzy_date import FuzzyDate
from app.models.person import Person
from app.models.protection import Protection, ProtectionKind
from app.services import convention, deadline
from app.services.challenge import OPEN, add_months
from app.services.deadline import PROTECTION_WORDS, UNSETTLED, Deadline
from tests.conftest import OrgTokens

TODAY = date(2026, 3, 10)
SAME_START = ("2023", "2023-01", "2023-01-01")  # decisions that tie on their first day


def _fuzzy(rng: random.Random, first: date, last: date) -> str:
    day = first + timedelta(days=rng.randrange((last - first).days))
    return rng.choice([day.isoformat(), day.isoformat()[:7], day.isoformat()[:4], day.isoformat()])


def _maybe(rng: random.Random, value: Any, chance: float = 0.5) -> Any:
    return value if rng.random() < chance else None


def _fill(session: Session, rng: random.Random, org_ids: list[str], persons: int, created: datetime) -> None:
    early, late = date(2019, 1, 1), date(2028, 1, 1)
    for p in range(persons):
        org_id = org_ids[p % len(org_ids)]
        person = Person(org_id=org_id, name=f"Person {p}")
        session.add(person)
        session.flush()
        for _ in range(rng.randrange(6)):  # few states: chains of several proceedings
            created += timedelta(seconds=1)
            hearings = [
                {"on": _fuzzy(rng, early, late), "court": _maybe(rng, "Court of Appeal"), "note": None}
                for _ in range(rng.choice([0, 0, 1, 2, 3]))
            ]
            session.add(
                Extradition(
                    org_id=org_id,
                    person_id=person.id,
                    requesting_state=rng.choice(["TJ", "TJ", "UZ"]),
                    requested_state=rng.choice(["DE", "DE", "DE", "RU", "BY", "XK"]),
                    decision=rng.choice([*Decision, Decision.granted, Decision.granted]),
                    decided_on=_maybe(rng, rng.choice([_fuzzy(rng, early, late), *SAME_START]), 0.8),
                    court=_maybe(rng, "Regional court"),
                    case_number=_maybe(rng, f"K-{p}"),
                    hearings=hearings,
                    created_at=created,
                )
            )
        for _ in range(rng.randrange(4)):
            session.add(
                Protection(
                    org_id=org_id,
                    person_id=person.id,
                    kind=rng.choice(list(ProtectionKind)),
                    host_state=rng.choice(["DE", "PL"]),
                    against_state="TJ",
                    until=_maybe(rng, _fuzzy(rng, early, late), 0.7),
                )
            )
        for _ in range(rng.randrange(4)):
            session.add(
                Challenge(
                    org_id=org_id,
                    person_id=person.id,
                    forum=rng.choice([Forum.ccf, Forum.ccf, Forum.echr, Forum.other]),
                    kind=rng.choice(list(ChallengeKind)),
                    status=rng.choice(list(ChallengeStatus)),
                    reference=_maybe(rng, f"CCF/{p}"),
                    filed_on=_maybe(rng, rng.choice([_fuzzy(rng, early, late), SAME_START[-1]])),
                    deadline_on=_maybe(rng, _fuzzy(rng, early, late)),
                )
            )


def test_collect_answers_what_whole_records_imply(
    db: sa.Engine, keyring: Keyring, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    rng = random.Random(20261205)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    with unit_of_work(db, keyring) as session:
        _fill(session, rng, [org_a.id, org_b.id], 120, created)
    keyring.fields.set_active(12)  # later rows sealed under a key id of two digits
    with unit_of_work(db, keyring) as session:
        _fill(session, rng, [org_a.id, org_b.id], 60, created + timedelta(days=30))
    with db.begin() as connection:  # plaintext, as written before encryption existed
        ids = connection.execute(sa.text("SELECT id FROM extradition ORDER BY id LIMIT 6")).scalars().all()
        update = sa.text("UPDATE extradition SET hearings = :h WHERE id = :id")
        connection.execute(update, [{"id": i, "h": "[]"} for i in ids[:3]])
        plain = '[{"on":"2027-05","court":null,"note":null}]'
        connection.execute(update, [{"id": i, "h": plain} for i in ids[3:]])

    with unit_of_work(db, keyring) as session:
        everything = _reference(session, org_id=None, today=TODAY)
        kinds = {kind: sum(d.kind is kind for d in everything) for kind in DeadlineKind}
        assert min(kinds.values()) >= 10, kinds  # the data set has enough of every kind to compare
        assert {d.ref_id for d in everything} >= set(ids[3:])  # the plaintext hearings are deadlines
        for org_id in (None, org_a.id, org_b.id):
            for today in (TODAY, date(2023, 6, 1), date(2027, 2, 28)):
                for within_days in (None, 0, 90):
                    found = deadline.collect(session, org_id=org_id, today=today, within_days=within_days)
                    expected = _reference(session, org_id=org_id, today=today, within_days=within_days)
                    assert [asdict(d) for d in found] == [asdict(d) for d in expected]


# --- the reference: the deadlines derived from whole ORM objects, as app/services/deadline.py did ---------


def _reference(
    session: Session, *, org_id: str | None, today: date, within_days: int | None = None
) -> list[Deadline]:
    found = [
        *_ccf(session, org_id),
        *_hearings(session, org_id, today),
        *_protections(session, org_id),
        *_echr(session, org_id),
    ]
    if within_days is not None:
        found = [d for d in found if d.due_on <= today + timedelta(days=within_days)]
    return sorted(found, key=lambda d: (d.due_on, d.kind.value, d.ref_id))


def _ccf(session: Session, org_id: str | None) -> Iterable[Deadline]:
    query = select(Challenge).where(
        Challenge.forum == Forum.ccf,
        col(Challenge.status).in_([s.value for s in OPEN]),
        col(Challenge.deadline_on).is_not(None),
    )
    if org_id is not None:
        query = query.where(Challenge.org_id == org_id)
    for c in session.exec(query):
        assert c.deadline_on is not None
        months = 4 if c.kind.value == "access" else 9
        what = (
            "answer to the access request"
            if c.kind.value == "access"
            else f"decision on the {c.kind.value} request"
        )
        yield Deadline(
            kind=DeadlineKind.ccf_decision,
            due_on=c.deadline_on.start,
            basis=f"CCF Statute Art. 40: {months} months from admissibility",
            org_id=c.org_id,
            person_id=c.person_id,
            ref_kind="challenge",
            ref_id=c.id,
            summary=f"CCF {what}" + (f" {c.reference}" if c.reference else "") + " due",
            reference=c.reference,
        )


def _protections(session: Session, org_id: str | None) -> Iterable[Deadline]:
    query = select(Protection).where(
        col(Protection.until).is_not(None), Protection.kind != ProtectionKind.asylum_rejected
    )
    if org_id is not None:
        query = query.where(Protection.org_id == org_id)
    for p in session.exec(query):
        assert p.until is not None
        words = PROTECTION_WORDS.get(p.kind, p.kind.value)
        yield Deadline(
            kind=DeadlineKind.protection_expiry,
            due_on=p.until.start,
            basis=f"the end date ('until') of the {words} recorded from {p.host_state}",
            org_id=p.org_id,
            person_id=p.person_id,
            ref_kind="protection",
            ref_id=p.id,
            summary=f"{words.capitalize()} in {p.host_state} (against {p.against_state}) ends",
        )


def _hearings(session: Session, org_id: str | None, today: date) -> Iterable[Deadline]:
    query = select(Extradition)
    if org_id is not None:
        query = query.where(Extradition.org_id == org_id)
    for e in session.exec(query):
        for hearing in e.hearings:
            on = FuzzyDate(hearing["on"])
            if on.end < today:
                continue
            court = hearing.get("court") or e.court
            yield Deadline(
                kind=DeadlineKind.extradition_hearing,
                due_on=on.start,
                basis=f"the hearing dated {on} in the proceeding from {e.requesting_state} to {e.requested_state}",
                org_id=e.org_id,
                person_id=e.person_id,
                ref_kind="extradition",
                ref_id=e.id,
                summary=f"Extradition hearing ({e.requesting_state} to {e.requested_state})"
                + (f" at {court}" if court else ""),
                reference=e.case_number,
                part=str(on),
            )


def _echr(session: Session, org_id: str | None) -> Iterable[Deadline]:
    query = select(Extradition)
    if org_id is not None:
        query = query.where(Extradition.org_id == org_id)
    chains: dict[tuple[str, str, str], list[Extradition]] = defaultdict(list)
    for e in session.exec(query):
        chains[(e.person_id, e.requesting_state, e.requested_state)].append(e)
    applied: dict[str, list[date]] = defaultdict(list)
    filings = select(Challenge).where(Challenge.forum == Forum.echr, col(Challenge.filed_on).is_not(None))
    for c in session.exec(filings if org_id is None else filings.where(Challenge.org_id == org_id)):
        assert c.filed_on is not None
        applied[c.person_id].append(c.filed_on.start)
    for (person_id, requesting, requested), chain in chains.items():
        if any(e.decision in UNSETTLED for e in chain):
            continue
        decided = [e for e in chain if e.decided_on is not None]
        if not decided:
            continue
        final = max(decided, key=lambda e: (e.decided_on.start, e.created_at))  # type: ignore[union-attr]
        assert final.decided_on is not None
        decided_on = final.decided_on.start
        if final.decision is not Decision.granted or not convention.is_party(requested, decided_on):
            continue
        if any(filed >= decided_on for filed in applied.get(person_id, ())):
            continue
        months = convention.application_months(decided_on)
        yield Deadline(
            kind=DeadlineKind.echr_application,
            due_on=add_months(decided_on, months),
            basis=f"ECHR Art. 35(1): {months} months from the final domestic decision ({final.decided_on})",
            org_id=final.org_id,
            person_id=person_id,
            ref_kind="extradition",
            ref_id=final.id,
            summary=f"Last day to apply to the European Court of Human Rights against extradition from "
            f"{requested} to {requesting}",
        )
