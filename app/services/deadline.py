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
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

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
    query = select(Challenge).where(
        Challenge.forum == Forum.ccf,
        col(Challenge.status).in_([s.value for s in OPEN]),
        col(Challenge.deadline_on).is_not(None),
    )
    if org_id is not None:
        query = query.where(Challenge.org_id == org_id)
    for c in session.exec(query):
        assert c.deadline_on is not None  # noqa: S101 - selected above
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
        assert p.until is not None  # noqa: S101 - selected above
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
    applied = _echr_filings(session, org_id, persons={key[0] for key in chains})
    for (person_id, requesting, requested), chain in chains.items():
        if any(e.decision in UNSETTLED for e in chain):
            continue
        decided = [e for e in chain if e.decided_on is not None]
        if not decided:
            continue
        final = max(decided, key=lambda e: (e.decided_on.start, e.created_at))  # type: ignore[union-attr]
        assert final.decided_on is not None  # noqa: S101 - filtered above
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
    query = select(Challenge).where(Challenge.forum == Forum.echr, col(Challenge.filed_on).is_not(None))
    if org_id is not None:
        query = query.where(Challenge.org_id == org_id)
    found: dict[str, list[date]] = defaultdict(list)
    for c in session.exec(query):
        if c.person_id in persons and c.filed_on is not None:
            found[c.person_id].append(c.filed_on.start)
    return found


def collect(
    session: Session, *, org_id: str | None, today: date, within_days: int | None = None
) -> list[Deadline]:
    """The deadlines of one organisation (None: of all, for cron), soonest first, overdue ones included;
    with `within_days`, only those due by today + that many days."""
    found = [
        *_ccf(session, org_id),
        *_hearings(session, org_id, today),
        *_protections(session, org_id),
        *_echr(session, org_id),
    ]
    if within_days is not None:
        horizon = today + timedelta(days=within_days)
        found = [d for d in found if d.due_on <= horizon]
    return sorted(found, key=lambda d: (d.due_on, d.kind.value, d.ref_id))


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
