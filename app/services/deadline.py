"""Deadlines: every dated obligation the records imply, derived on demand (nothing is stored).

- `ccf_decision`: an open CCF challenge's `deadline_on` (CCF Statute Art. 40, see challenge.py).
- `extradition_hearing`: each hearing of an extradition proceeding whose date (the last day of its
  period) is today or later; a past hearing is no deadline.
- `protection_expiry`: a protection's `until` (a refusal, `asylum_rejected`, has nothing to renew).
- `echr_application`: the time limit of ECHR Art. 35(1), opened by a final domestic decision granting
  extradition from a state bound by the Convention on the day of that decision. A proceeding chain is
  the person's proceedings between the same requesting and requested states; its decision is final
  when no proceeding of the chain is `pending` or `remanded` and the latest-dated decision is `granted`.
  The window runs 4 months from a decision taken on or after 1 February 2022, else 6 (convention.py).
  Once the person has an `echr` challenge filed on or after that decision, the window is spent.
A fuzzy date stands for the first day of its period, so an imprecise decision date gives the earliest
possible deadline, never a later one.

A reminder round collects the deadlines of the whole database (reminder.py), so `collect` reads rows of
the columns each kind needs, never whole records: it decrypts only CCF references and the hearings,
court and case number of proceedings that have hearings, and reads the extraditions once, leaving out
in SQL those with no hearing in a chain with no dated grant (they imply no deadline of either kind).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from app.keyring import FIELD_PREFIX
from app.models.challenge import Challenge, Forum
from app.models.deadline import DeadlineKind, DeadlinePublic, DeadlineRef
from app.models.extradition import Decision, Extradition
from app.models.fuzzy_date import FuzzyDate
from app.models.protection import Protection, ProtectionKind
from app.models.token import Principal
from app.services import audit, convention
from app.services.challenge import OPEN, add_months
from app.services.pagination import decode_position, encode_cursor

UNSETTLED = frozenset({Decision.pending, Decision.remanded})
PROTECTION_WORDS = {
    ProtectionKind.asylum_applied: "asylum application",
    ProtectionKind.refugee_status: "refugee status",
    ProtectionKind.subsidiary_protection: "subsidiary protection",
    ProtectionKind.humanitarian: "humanitarian protection",
    ProtectionKind.citizenship: "citizenship",
}


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_on: date
    basis: str
    org_id: str
    person_id: str
    ref_kind: str
    ref_id: str
    summary: str
    reference: str | None = None  # a file reference (a challenge's), for calendars
    part: str | None = None  # which of the record's deadlines of this kind (a hearing's date)

    @property
    def key(self) -> str:
        """Stable across fetches and date changes: a calendar event's UID."""
        return f"{self.kind.value}.{self.ref_id}" + (f".{self.part}" if self.part else "")

    def overdue(self, today: date) -> bool:
        return today > self.due_on

    def public(self, today: date) -> DeadlinePublic:
        return DeadlinePublic(
            kind=self.kind,
            due_on=self.due_on.isoformat(),  # type: ignore[arg-type]  # a FuzzyDate is a str
            basis=self.basis,
            person_id=self.person_id,
            ref=DeadlineRef(kind=self.ref_kind, id=self.ref_id),
            summary=self.summary,
            overdue=self.overdue(today),
        )


def _ccf(session: Session, org_id: str | None) -> Iterable[Deadline]:
    t = _table(Challenge)
    query = sa.select(t.c.id, t.c.org_id, t.c.person_id, t.c.kind, t.c.deadline_on, t.c.reference).where(
        t.c.forum == Forum.ccf,
        t.c.status.in_([s.value for s in OPEN]),
        t.c.deadline_on.is_not(None),
    )
    if org_id is not None:
        query = query.where(t.c.org_id == org_id)
    for c in session.connection().execute(query):
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
    t = _table(Protection)
    query = sa.select(
        t.c.id, t.c.org_id, t.c.person_id, t.c.kind, t.c.host_state, t.c.against_state, t.c.until
    ).where(t.c.until.is_not(None), t.c.kind != ProtectionKind.asylum_rejected)
    if org_id is not None:
        query = query.where(t.c.org_id == org_id)
    for p in session.connection().execute(query):
        words = PROTECTION_WORDS.get(p.kind) or p.kind.value
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


def _no_hearings(column: sa.Column[Any]) -> sa.ColumnElement[bool]:
    """True where a stored `hearings` is an empty list: NULL, '[]' (plaintext from before encryption) or
    '[]' encrypted, compared as stored text (the column's own type would encrypt the operands). A sealed
    value is `a3e:<key id>:<base64 of nonce, ciphertext, tag>` (app/keyring.py): 12 + len(plaintext) + 16
    bytes, unpadded, so 40 characters for the 2 bytes of '[]' and 42 or more for any longer plaintext, and
    the base64 holds no ':'. The pattern below matches an encrypted '[]' under any key id, nothing else."""
    stored = sa.type_coerce(column, sa.Text)
    return sa.or_(stored.is_(None), stored == "[]", stored.like(f"{FIELD_PREFIX}:%:{'_' * 40}"))


def _extraditions(session: Session, org_id: str | None) -> list[sa.Row[Any]]:
    """One read of the extraditions for both kinds of deadline: the proceedings with hearings, with their
    hearings, court and case number (decrypted for these only), and every proceeding of each chain (same
    person, requesting and requested state) that has a granted decision with a date; a chain with none has
    no ECHR window, whatever else it holds."""
    t = _table(Extradition)
    g = t.alias("granted")
    none = _no_hearings(t.c.hearings)

    def unless_none(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        return sa.type_coerce(sa.case((none, sa.null()), else_=column), column.type).label(column.name)

    chain_granted = (
        sa.select(sa.literal(1))
        .where(
            g.c.person_id == t.c.person_id,
            g.c.requesting_state == t.c.requesting_state,
            g.c.requested_state == t.c.requested_state,
            g.c.decision == Decision.granted,
            g.c.decided_on.is_not(None),
        )
        .exists()
    )
    query = sa.select(
        t.c.id,
        t.c.org_id,
        t.c.person_id,
        t.c.requesting_state,
        t.c.requested_state,
        t.c.decision,
        t.c.decided_on,
        t.c.created_at,
        unless_none(t.c.hearings),
        unless_none(t.c.court),
        unless_none(t.c.case_number),
    ).where(sa.or_(sa.not_(none), chain_granted))
    if org_id is not None:
        query = query.where(t.c.org_id == org_id)
    return list(session.connection().execute(query))


def _hearings(extraditions: list[sa.Row[Any]], today: date) -> Iterable[Deadline]:
    for e in extraditions:
        for hearing in e.hearings or ():
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


def _echr(session: Session, org_id: str | None, extraditions: list[sa.Row[Any]]) -> Iterable[Deadline]:
    chains: dict[tuple[str, str, str], list[sa.Row[Any]]] = defaultdict(list)
    for e in extraditions:
        chains[(e.person_id, e.requesting_state, e.requested_state)].append(e)
    applied = _echr_filings(session, org_id, persons={key[0] for key in chains})
    for (person_id, requesting, requested), chain in chains.items():
        if any(e.decision in UNSETTLED for e in chain):
            continue
        decided = [e for e in chain if e.decided_on is not None]
        if not decided:
            continue
        # the id last: rows that tie on date and creation come in no set order
        final = max(decided, key=lambda e: (e.decided_on.start, e.created_at, e.id))
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


def _echr_filings(session: Session, org_id: str | None, *, persons: set[str]) -> dict[str, list[date]]:
    """Filing dates of each person's ECHR challenges."""
    if not persons:
        return {}
    t = _table(Challenge)
    query = sa.select(t.c.person_id, t.c.filed_on).where(t.c.forum == Forum.echr, t.c.filed_on.is_not(None))
    if org_id is not None:
        query = query.where(t.c.org_id == org_id)
    found: dict[str, list[date]] = defaultdict(list)
    for c in session.connection().execute(query):
        if c.person_id in persons:
            found[c.person_id].append(c.filed_on.start)
    return found


def _table(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def collect(
    session: Session, *, org_id: str | None, today: date, within_days: int | None = None
) -> list[Deadline]:
    """The deadlines of one organisation (None: of all, for cron), soonest first, overdue ones included;
    with `within_days`, only those due by today + that many days."""
    session.flush()  # the reads below go through the connection: what this session added is in them
    extraditions = _extraditions(session, org_id)
    found = [
        *_ccf(session, org_id),
        *_hearings(extraditions, today),
        *_protections(session, org_id),
        *_echr(session, org_id, extraditions),
    ]
    if within_days is not None:
        horizon = today + timedelta(days=within_days)
        found = [d for d in found if d.due_on <= horizon]
    return sorted(found, key=lambda d: (d.due_on, str(d.kind), d.ref_id))  # a StrEnum's str is its value


def list_page(
    session: Session,
    *,
    by: Principal,
    within_days: int | None,
    limit: int,
    cursor: str | None,
    today: date | None = None,
) -> tuple[list[DeadlinePublic], str | None]:
    """A page of the caller's organisation's deadlines, soonest first (the cursor is a position)."""
    today = today or date.today()
    start = decode_position(cursor) if cursor else 0
    found = collect(session, org_id=by.org_id, today=today, within_days=within_days)
    rows = found[start : start + limit]
    audit.record(session, by=by, action="deadline.listed")
    next_cursor = encode_cursor(start + limit) if start + limit < len(found) else None
    return [d.public(today) for d in rows], next_cursor
