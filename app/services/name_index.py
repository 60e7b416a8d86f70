"""The process's in-memory name index, kept current from the database's person change log.

Names never leave the person records for another table (they are encrypted at rest), so fuzzy search
runs on an index held in memory, built at start-up. Several worker processes or instances can share
one database: before answering, each process applies the changes logged since it last looked (one
indexed range query, usually empty), so a person written through any process is found by all.
"""

import base64
import gc
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Row, Select, func
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.keyring import FIELD_PREFIX, FieldKeys
from app.models.encrypted import EncryptedText, field_keys
from app.models.person import Person, PersonChange
from app.services import transliteration
from app.services.matching import Candidate, NameIndex
from app.services.transliteration import ParsedName

COLUMNS = ("id", "org_id", "name", "aliases", "birth_date", "nationalities")
PREFIX = FIELD_PREFIX + ":"  # what an encrypted value starts with


def _rows(session: Session, query: Select[Any]) -> Iterator[Row[Any]]:
    """Only the columns the index needs: fewer values to decrypt than whole Person rows."""
    return iter(session.connection().execute(query.execution_options(yield_per=5000)))


def _columns() -> Select[Any]:
    table = Person.__table__  # type: ignore[attr-defined]
    return sa_select(*(table.c[name] for name in COLUMNS))


def _stored_columns() -> Select[Any]:
    """COLUMNS as stored: the encrypted ones as their ciphertext, nationalities as JSON text."""
    table = Person.__table__  # type: ignore[attr-defined]
    return sa_select(
        *(
            sa.type_coerce(table.c[name], sa.Text) if name != "id" and name != "org_id" else table.c[name]
            for name in COLUMNS
        )
    )


class _Opener:
    """Turns a row of `_stored_columns` into a Candidate: decrypts what the columns' types would (the same
    AES-GCM, bound to the same column), parses each distinct nationalities text once."""

    def __init__(self, keys: FieldKeys) -> None:
        self.keys = keys
        table = Person.__table__  # type: ignore[attr-defined]
        self.aad = {name: self._aad_of(table.c[name]) for name in ("name", "aliases", "birth_date")}
        self.listed: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def _aad_of(column: sa.Column[Any]) -> bytes:
        assert isinstance(column.type, EncryptedText)  # noqa: S101 - the model says so
        return column.type.aad.encode()

    def text(self, stored: str | None, aad: bytes) -> str | None:
        if stored is None or not stored.startswith(PREFIX):
            return stored  # plaintext from before encryption, read as the column's type reads it
        _, kid, body = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return self.keys.cipher(int(kid)).decrypt(raw[:12], raw[12:], aad).decode()

    def candidate(self, row: Row[Any], share: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Candidate:
        person_id, org_id, name, aliases, birth_date, listed = tuple(row)
        aliases_text = self.text(aliases, self.aad["aliases"])
        nationalities = self.listed.get(listed or "")
        if nationalities is None:
            nationalities = self.listed[listed or ""] = share(tuple(json.loads(listed) if listed else ()))
        return Candidate(
            person_id=person_id,
            org_id=org_id,
            names=(
                self.text(name, self.aad["name"]) or "",
                *(json.loads(aliases_text) if aliases_text else ()),
            ),
            birth_date=self.text(birth_date, self.aad["birth_date"]),
            nationalities=nationalities,
        )


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
        (long enough for uvicorn's supervisor to take a worker that misses its 5 s health check for hung).

        The rows are read as stored and decrypted here, not through the columns' types (a third of the
        time at a million persons went to their per-value overhead), and each distinct name is parsed once
        for the whole load (`transliteration.parse_name`'s own cache holds fewer names than a million
        persons have)."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self._lock:
                self.seen_seq = int(session.exec(select(func.coalesce(func.max(PersonChange.seq), 0))).one())
                opened = _Opener(field_keys(session.get_bind().dialect))
                parsed: dict[str, tuple[ParsedName, ...]] = {}

                def parse(name: str) -> tuple[ParsedName, ...]:
                    found = parsed.get(name)
                    if found is None:
                        found = parsed[name] = transliteration.parse_names(name)
                    return found

                count = 0
                for row in _rows(session, _stored_columns()):
                    self._add(opened.candidate(row, self._nationality_tuple), parse)
                    count += 1
                return count
        finally:
            if collecting:
                gc.enable()

    def _nationality_tuple(self, listed: tuple[str, ...]) -> tuple[str, ...]:
        return self._nationality_tuples.setdefault(listed, listed)

    def _add(self, candidate: Candidate, parse: Callable[[str], tuple[ParsedName, ...]]) -> None:
        self.index.upsert(candidate, parse)
        self.nationalities[candidate.person_id] = candidate.nationalities
        self.names[candidate.person_id] = candidate.names[0]

    def _put(self, row: Row[Any]) -> None:
        person_id, org_id, name, aliases, birth_date, listed = tuple(row)
        candidate = Candidate(
            person_id=person_id,
            org_id=org_id,
            names=(name, *aliases),
            birth_date=birth_date,
            nationalities=self._nationality_tuple(tuple(listed)),
        )
        self._add(candidate, transliteration.parse_names)

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
