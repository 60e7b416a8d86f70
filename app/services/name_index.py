"""The process's in-memory name index, kept current from the database's person change log.

Names never leave the person records for another table (they are encrypted at rest), so fuzzy search
runs on an index held in memory, built at start-up. Several worker processes or instances can share
one database: before answering, each process applies the changes logged since it last looked (one
indexed range query, usually empty), so a person written through any process is found by all.
"""

import threading

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.person import Person, PersonChange
from app.services.matching import Candidate, NameIndex


def candidate(person: Person) -> Candidate:
    return Candidate(
        person_id=person.id,
        org_id=person.org_id,
        names=(person.name, *person.aliases),
        birth_date=person.birth_date,
        nationalities=tuple(person.nationalities),
    )


class LiveNameIndex:
    def __init__(self) -> None:
        self.index = NameIndex()
        self.nationalities: dict[str, tuple[str, ...]] = {}  # for the `nationality` filter of a search
        self.names: dict[str, str] = {}  # each person's recorded name, for match results
        self.seen_seq = 0
        self._lock = threading.Lock()

    def load(self, session: Session) -> int:
        """Index every person; returns how many. The change counter is read first, so nothing is missed."""
        with self._lock:
            self.seen_seq = int(session.exec(select(func.coalesce(func.max(PersonChange.seq), 0))).one())
            count = 0
            for person in session.exec(select(Person).execution_options(yield_per=5000)):
                self._put(person)
                count += 1
            return count

    def _put(self, person: Person) -> None:
        self.index.upsert(candidate(person))
        self.nationalities[person.id] = tuple(person.nationalities)
        self.names[person.id] = person.name

    def catch_up(self, session: Session) -> None:
        """Apply the changes committed since the last look, in order."""
        with self._lock:
            changes = list(
                session.exec(
                    select(PersonChange)
                    .where(col(PersonChange.seq) > self.seen_seq)
                    .order_by(col(PersonChange.seq))
                )
            )
            if not changes:
                return
            latest: dict[str, bool] = {}
            for change in changes:
                latest[change.person_id] = change.erased
            alive = [pid for pid, erased in latest.items() if not erased]
            found: dict[str, Person] = {}
            for start in range(0, len(alive), 500):
                chunk = alive[start : start + 500]
                found.update((p.id, p) for p in session.exec(select(Person).where(col(Person.id).in_(chunk))))
            for person_id in latest:
                if person_id in found:
                    self._put(found[person_id])
                else:
                    self.index.remove(person_id)
                    self.nationalities.pop(person_id, None)
                    self.names.pop(person_id, None)
            self.seen_seq = changes[-1].seq


def log_change(session: Session, *, seq: int, person: Person, erased: bool = False) -> None:
    """Log a person write under the audit entry's number (call right after audit.record)."""
    session.add(PersonChange(seq=seq, person_id=person.id, org_id=person.org_id, erased=erased))
    session.flush()
