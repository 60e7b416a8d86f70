"""The one loader of persons' records: every kind in the registry (`app.kinds`), for any number of
persons at once. The indicators, the timeline, the dossier and the person's page all read through it,
so they can never disagree on what a person's records are."""

import functools
from collections import defaultdict, namedtuple
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import bindparam, exists
from sqlalchemy import select as core_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.kinds import BY_NAME, KINDS
from app.kinds.kind import Children, RecordKind
from app.models.person import Person
from app.models.token import Principal
from app.services import audit

CHUNK = 500  # ids per IN (…): well under SQLite's and PostgreSQL's limits on bound parameters
PAGE = 200  # the API's largest page of a list


@dataclass
class PersonRecords:
    """One person's records of every kind loaded, by kind name, and their child rows by parent id."""

    person: Person
    by_kind: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    children: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def of(self, kind: str) -> list[Any]:
        return self.by_kind[kind]

    def children_of(self, record_id: str) -> list[Any]:
        return self.children[record_id]

    def states(self) -> list[str]:
        """The states these records put in a (person, state) pair with the person (each kind's `involves`)."""
        found = {
            getattr(record, column)
            for kind in KINDS
            for column in kind.involves
            for record in self.by_kind.get(kind.name, ())
        }
        return sorted(state for state in found if state)


def chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


PROBED = 3  # from this many kinds on, one person's read first asks which of them hold a record


@functools.cache
def _held_query(names: tuple[str, ...]) -> Any:
    kinds = [BY_NAME[name] for name in names]
    return core_select(
        *(
            exists()
            .where(kind.model.__table__.c[kind.person_link] == bindparam("person_id"))  # type: ignore[attr-defined]
            .label(kind.name)
            for kind in kinds
        )
    )


def held(session: Session, person_id: str, kinds: Sequence[RecordKind]) -> list[RecordKind]:
    """The kinds among `kinds` that hold a record of the person, asked in one statement (an EXISTS on each
    kind's person index): most persons have records of a few kinds, and each kind read costs a round
    trip whether or not it finds anything (a 200-event history read 8 kinds; its person had none of 3)."""
    if len(kinds) < PROBED:
        return list(kinds)
    row = (
        session.connection()
        .execute(_held_query(tuple(k.name for k in kinds)), {"person_id": person_id})
        .one()
    )
    return [kind for kind, found in zip(kinds, row, strict=True) if found]


def _query(kind: RecordKind, *, full: bool) -> Any:
    """The statement for one kind, made once: a statement is immutable, and building it (the IN with its
    expanding parameter, the deferred columns) cost more than a tenth of a 200-event history."""
    return _queries(kind.name, full)


@functools.cache
def _queries(name: str, full: bool) -> Any:
    kind = BY_NAME[name]
    model: Any = kind.model
    query = select(model).where(col(getattr(model, kind.person_link)).in_(bindparam("ids", expanding=True)))
    if not full:
        query = query.options(*(defer(getattr(model, name)) for name in kind.deferred))
    return query


def load(
    session: Session,
    person_ids: Sequence[str],
    *,
    kinds: Sequence[RecordKind] = KINDS,
    full: bool = False,
    children: bool = True,
    known: Sequence[Person] = (),
    bare: Collection[str] = (),
) -> dict[str, PersonRecords]:
    """The records of these kinds of each person (of any organisation: callers scope the ids), by person id.

    `full`: every column, for showing the records; otherwise the free text that neither the timeline nor
    the indicators read is left unloaded (and undecrypted). `children`: also the child rows the timeline
    reads (status changes, challenge events). `known`: persons already loaded in this session, not read
    (and decrypted) again. `bare`: persons known to have no record of any kind yet (inserted by this
    transaction, none added since), whose records are not queried."""
    wanted = set(person_ids)
    out: dict[str, PersonRecords] = {p.id: PersonRecords(person=p) for p in known if p.id in wanted}
    for ids in chunks(person_ids):
        unknown = [i for i in ids if i not in out]
        if unknown:
            for person in session.exec(select(Person).where(col(Person.id).in_(unknown))):
                out[person.id] = PersonRecords(person=person)
        present = [i for i in ids if i in out and i not in bare]
        if not present:
            continue
        for kind in held(session, present[0], kinds) if len(present) == 1 else kinds:
            rows = list(session.exec(_query(kind, full=full), params={"ids": present}))
            for row in rows:
                out[getattr(row, kind.person_link)].by_kind[kind.name].append(row)
            if children and kind.children is not None:
                _attach_children(session, kind, rows, out)
    return out


def _attach_children(
    session: Session, kind: RecordKind, rows: Sequence[Any], out: dict[str, PersonRecords]
) -> None:
    assert kind.children is not None  # noqa: S101 - callers check
    model: Any = kind.children.model
    parent = getattr(model, kind.children.parent)
    owner = {row.id: out[getattr(row, kind.person_link)] for row in rows}
    for ids in chunks(list(owner)):
        query = select(model).where(col(parent).in_(ids)).order_by(col(getattr(model, kind.children.order)))
        for child in session.exec(query):
            record_id = getattr(child, kind.children.parent)
            owner[record_id].children[record_id].append(child)


def for_person(
    session: Session, person: Person, *, kinds: Sequence[RecordKind] = KINDS, full: bool = False
) -> PersonRecords:
    """One person's records (a person the caller may read: the route checked it)."""
    return load(session, [person.id], kinds=kinds, full=full, known=[person])[person.id]


def timeline_columns(kind: RecordKind) -> list[str]:
    """The columns of a kind's records that `rows_for_person` loads: what its facts read, its id and
    person (to place the row), and `involves` (so `PersonRecords.states` holds of the rows too)."""
    wanted = {"id", kind.person_link, *kind.fact_columns, *kind.involves}
    return [column.key for column in kind.model.__table__.c if column.key in wanted]  # type: ignore[attr-defined]


def timeline_child_columns(children: Children) -> list[str]:
    """The columns of a kind's child rows that `rows_for_person` loads: what its facts read, the parent."""
    wanted = {children.parent, children.order, *children.fact_columns}
    return [column.key for column in children.model.__table__.c if column.key in wanted]  # type: ignore[attr-defined]


class _TimelineReads(NamedTuple):
    """One kind's statements for `rows_for_person`, and the named tuples their rows become."""

    records: Any
    record: Any  # a named tuple of `timeline_columns`
    children: Any  # None for a kind without children
    child: Any  # a named tuple of `timeline_child_columns`


def _row_type(name: str, model: Any, columns: Sequence[str]) -> Any:
    """A named tuple of these columns (a class made at run time: the columns are known only here), with the
    model's own properties over them (`Notice.date`, `Detention.custody_days`): the same functions."""
    properties = {
        key: value for key, value in vars(model).items() if isinstance(value, property) and key not in columns
    }
    return type(name, (namedtuple(f"{name}_columns", columns),), {"__slots__": (), **properties})


@functools.cache
def person_rows(name: str, columns: tuple[str, ...]) -> tuple[Any, Any]:
    """The statement, made once, reading these columns of one person's records of a kind, and the named
    tuple its rows become (`_row_type`): reading an attribute of a Core row costs ten times a tuple's. The
    person is one bound value (`person_id`), not an expanding IN, which is rendered again at every
    execution (20-30 µs a statement)."""
    kind = BY_NAME[name]
    table: Any = kind.model.__table__  # type: ignore[attr-defined]
    query = core_select(*(table.c[key] for key in columns)).where(
        table.c[kind.person_link] == bindparam("person_id")
    )
    return query, _row_type(f"{name}_row", kind.model, columns)


@functools.cache
def _timeline_reads(name: str) -> _TimelineReads:
    """One kind's `_TimelineReads` (its records' `timeline_columns`, and its child rows'
    `timeline_child_columns` in order), made once."""
    kind = BY_NAME[name]
    records, record = person_rows(name, tuple(timeline_columns(kind)))
    if kind.children is None:
        return _TimelineReads(records, record, None, None)
    table: Any = kind.model.__table__  # type: ignore[attr-defined]
    child: Any = kind.children.model.__table__  # type: ignore[attr-defined]
    child_columns = timeline_child_columns(kind.children)
    # The person's records' child rows, found through their parents (the person one bound value).
    children = (
        core_select(*(child.c[key] for key in child_columns))
        .join(table, table.c.id == child.c[kind.children.parent])
        .where(table.c[kind.person_link] == bindparam("person_id"))
        .order_by(child.c[kind.children.order])
    )
    return _TimelineReads(
        records, record, children, _row_type(f"{child.name}_row", kind.children.model, child_columns)
    )


ON_TIMELINE = tuple(kind for kind in KINDS if kind.fact_columns)  # the others' facts say nothing


def rows_for_person(
    session: Session, person: Person, *, kinds: Sequence[RecordKind] = ON_TIMELINE
) -> PersonRecords:
    """One person's records as the timeline reads them: read-only rows of the columns its kind's facts read
    (`timeline_columns`), holding the values `for_person` would give (the columns' types convert them
    alike), none tracked by the session. The ORM's bookkeeping of ~150 objects cost more than half of
    loading a 200-event history; converting the columns no fact reads (250 of its 1,090 conversions: enums,
    dates, times, decryptions) cost a tenth of what remained. Each Core row is copied to a named tuple:
    reading an attribute of a Core row costs ten times as much, and the facts read 1,600 of them. The person
    is one bound value in every statement, not an expanding IN, whose rendering at each execution cost
    20-30 µs a statement."""
    out = PersonRecords(person=person)
    connection = session.connection()
    for kind in held(session, person.id, kinds):
        reads = _timeline_reads(kind.name)
        rows = list(map(reads.record._make, connection.execute(reads.records, {"person_id": person.id})))
        out.by_kind[kind.name].extend(rows)
        if reads.children is None or not rows:
            continue
        parent = kind.children.parent  # type: ignore[union-attr]
        for child in map(reads.child._make, connection.execute(reads.children, {"person_id": person.id})):
            out.children[getattr(child, parent)].append(child)
    return out


def read(session: Session, person: Person, *, by: Principal, kinds: Sequence[RecordKind]) -> PersonRecords:
    """A person's records of these kinds, every column, to show them; each kind's reading is audited as the
    API's list of the person's records of that kind would audit it (one entry per page of `PAGE`)."""
    records = for_person(session, person, kinds=kinds, full=True)
    for kind in kinds:
        for _ in range(max(1, -(-len(records.of(kind.name)) // PAGE))):
            audit.record(session, by=by, action=kind.listed, kind="person", object_id=person.id)
    return records
