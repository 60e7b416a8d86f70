"""The process's in-memory name index, kept current from the database's person change log.

Names never leave the person records for another table (they are encrypted at rest), so fuzzy search
runs on an index held in memory, built at start-up. Several worker processes or instances can share
one database: before answering, each process applies the changes logged since it last looked (one
indexed range query, usually empty), so a person written through any process is found by all.
"""

import gc
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Row, Select, func
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models.person import Person, PersonChange
from app.services.matching import Candidate, NameIndex

COLUMNS = ("id", "org_id", "name", "aliases", "birth_date", "nationalities")


def _rows(session: Session, query: Select[Any]) -> Iterator[Row[Any]]:
    """Only the columns the index needs: fewer values to decrypt than whole Person rows."""
    return iter(session.connection().execute(query.execution_options(yield_per=5000)))


def _columns() -> Select[Any]:
    table = Person.__table__  # type: ignore[attr-defined]
    return sa_select(*(table.c[name] for name in COLUMNS))


class LiveNameIndex:
    def __init__(self) -> None:
        self.index = NameIndex()
        self.nationalities: dict[str, tuple[str, ...]] = {}  # for the `nationality` filter of a search
        self.names: dict[str, str] = {}  # each person's recorded name, for match results
        self.seen_seq = 0
        self._lock = threading.Lock()
        # One tuple for each distinct list of nationalities, shared by the persons holding it and by their
        # index entries: a few hundred tuples instead of two for each of a million persons.
        self._nationality_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}

    def load(self, session: Session) -> int:
        """Index every person; returns how many. The change counter is read first, so nothing is missed.

        The garbage collector pauses meanwhile: the index is millions of long-lived objects, and each full
        collection while it grows walks them all, holding the interpreter for seconds at a million persons
        (long enough for uvicorn's supervisor to take a worker that misses its 5 s health check for hung)."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self._lock:
                self.seen_seq = int(session.exec(select(func.coalesce(func.max(PersonChange.seq), 0))).one())
                count = 0
                for row in _rows(session, _columns()):
                    self._put(row)
                    count += 1
                return count
        finally:
            if collecting:
                gc.enable()

    def _put(self, row: Row[Any]) -> None:
        person_id, org_id, name, aliases, birth_date, listed = tuple(row)
        nationalities = self._nationality_tuples.setdefault(tuple(listed), tuple(listed))
        self.index.upsert(
            Candidate(
                person_id=person_id,
                org_id=org_id,
                names=(name, *aliases),
                birth_date=birth_date,
                nationalities=nationalities,
            )
        )
        self.nationalities[person_id] = nationalities
        self.names[person_id] = name

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
            found: dict[str, Row[Any]] = {}
            for start in range(0, len(alive), 500):
                chunk = alive[start : start + 500]
                found.update(
                    (row[0], row) for row in _rows(session, _columns().where(col(Person.id).in_(chunk)))
                )
            for person_id in latest:
                if person_id in found:
                    self._put(found[person_id])
                else:
                    self.index.remove(person_id)
                    self.nationalities.pop(person_id, None)
                    self.names.pop(person_id, None)
            self.seen_seq = changes[-1].seq


def log_change(session: Session, *, seq: int, person: Person, erased: bool = False) -> None:
    """Log a person write under the audit entry's number (call right after audit.record): one insert,
    no unit of work."""
    session.connection().execute(
        sa_insert(PersonChange.__table__),  # type: ignore[attr-defined]
        {"seq": seq, "person_id": person.id, "org_id": person.org_id, "erased": erased},
    )
