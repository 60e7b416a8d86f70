"""A person's history: every dated fact about them in one timeline a lawyer can read.

Each kind of record says what its dated facts are (`facts` in its `app/kinds/<kind>.py`); this module
puts them in order. Order: by the first day of each fuzzy date's period. Facts on the same first day come
in a fixed order, documented in the API: the kind of record, in the registry's order (protection, notice,
detention, extradition, incident, challenge), then the step within the record (requested before issued before later status changes;
detained before released or surrendered; opened before decided), then the time it was recorded, then
the record's id, so the same data always gives the same timeline.
"""

from datetime import date, datetime
from typing import TypeVar

from sqlmodel import Session

from app.kinds import KINDS
from app.kinds.kind import Fact
from app.language import ENGLISH, Prose
from app.models.fuzzy_date import FuzzyDate
from app.models.person import Person
from app.models.timeline import HistoryEvent, RecordRef
from app.models.token import Principal
from app.services import audit
from app.services import records as records_service
from app.services.records import PersonRecords


def _key(found: tuple[int, str, Fact]) -> tuple[date, int, int, datetime, str]:
    """A fact's place: its first day, its kind's rank in the registry (the person's own facts last), its
    step, when it was recorded, its record."""
    rank, _kind, fact = found
    return (fact.on.start, rank, fact.step, fact.recorded_at, fact.record_id)


def person_facts(person: Person, prose: Prose = ENGLISH) -> list[Fact]:
    """The person's own dated facts: their death (`person.deceased`), after the records of its day."""
    if person.deceased_on is None:
        return []
    return [
        Fact(
            person.deceased_on,
            0,
            person.created_at,
            person.id,
            "person.deceased",
            prose.pgettext("timeline", "Died"),
        )
    ]


def from_records(records: PersonRecords, prose: Prose = ENGLISH) -> list[HistoryEvent]:
    """Every dated fact of these records, oldest first (undated facts have no place on a timeline), each
    summed up in `prose`'s language."""
    facts = [
        (rank, kind.name, fact)
        for rank, kind in enumerate(KINDS)
        for record in records.of(kind.name)
        for fact in kind.facts(record, records.children_of(record.id), prose)
    ] + [(len(KINDS), "person", fact) for fact in person_facts(records.person, prose)]
    facts.sort(key=_key)
    return [_event(f.on, f.type, f.summary, kind, f.record_id) for _rank, kind, f in facts]


M = TypeVar("M")
_set = object.__setattr__


def _new(cls: type[M]) -> M:
    """An empty instance. Not `cls.__new__(cls)`: SQLModel's `__new__` sets the private attributes that
    `_event` sets anyway, and cost 3 µs more an object (two an event)."""
    return object.__new__(cls)


_EVENT_FIELDS = frozenset(HistoryEvent.model_fields)
_REF_FIELDS = frozenset(RecordRef.model_fields)


def _event(on: FuzzyDate, type_: str, summary: str, kind: str, record_id: str) -> HistoryEvent:
    """`HistoryEvent.model_construct(on=…, type=…, summary=…, ref=RecordRef.model_construct(kind=…, id=…))`:
    the same instance (fields, fields set, no extra, no private attributes), from values already validated
    on their way out of the database, without `model_construct`'s generic walk over the fields and their
    defaults, which cost 1 ms of a 200-event history, nor SQLModel's `__new__` (1.2 ms more) (tests/test_history.py checks they stay the same)."""
    ref: RecordRef = _new(RecordRef)
    _set(ref, "__dict__", {"kind": kind, "id": record_id})
    _set(ref, "__pydantic_fields_set__", set(_REF_FIELDS))
    _set(ref, "__pydantic_extra__", None)
    _set(ref, "__pydantic_private__", None)
    event: HistoryEvent = _new(HistoryEvent)
    _set(event, "__dict__", {"on": on, "type": type_, "summary": summary, "ref": ref})
    _set(event, "__pydantic_fields_set__", set(_EVENT_FIELDS))
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


def read(
    session: Session, person: Person, *, by: Principal, records: PersonRecords, prose: Prose = ENGLISH
) -> list[HistoryEvent]:
    """The timeline of these (already loaded) records of the person, its reading audited as the API's."""
    audit.record(session, by=by, action="person.history_read", kind="person", object_id=person.id)
    return from_records(records, prose)


def events(session: Session, person: Person, prose: Prose = ENGLISH) -> list[HistoryEvent]:
    """Every dated fact about the person, oldest first (read from the records as rows: nothing here
    changes them)."""
    return from_records(records_service.rows_for_person(session, person), prose)
