"""What a kind of person's record declares once: its table, its words, its audit actions, its timeline
facts and its place in the export. Everything that lists the kinds iterates `app.kinds.KINDS`."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError
from sqlmodel import SQLModel

from app.models.fuzzy_date import FuzzyDate


class Fact(NamedTuple):
    """One dated fact of a record on the person's timeline. `step` orders the facts of one record that
    fall on the same day (requested before issued; detained before released). A named tuple: a 200-event
    history makes 200 of them, and a frozen dataclass took twice as long to make."""

    on: FuzzyDate
    step: int
    recorded_at: datetime
    record_id: str
    type: str  # `<kind>.<what>`, e.g. `detention.released`
    summary: str


# A kind's timeline: (a record, its child rows[, the reader's `Prose`]) -> its dated facts, summed up in
# that language (English without it). The record and the children are ORM objects as the loader of a
# person's records gives them, or the timeline's named tuples of only the declared `fact_columns`.
Facts = Callable[..., Iterable[Fact]]


@dataclass(frozen=True)
class Shape:
    """An API model that an exported line of its table must satisfy, as a request or an answer would.

    The model's fields read the columns of the same name, except those `columns` maps (field -> column);
    fields whose column the table lacks keep their defaults. `when`: only lines where that column is set.
    """

    model: type[BaseModel]
    columns: Mapping[str, str] = field(default_factory=dict)
    when: str | None = None

    def problems(self, data: Mapping[str, Any]) -> list[str]:
        """What the model refuses in the line's `data` (the file's values), by column; never the values."""
        if self.when is not None and data.get(self.when) is None:
            return []
        column = {name: self.columns.get(name, name) for name in self.model.model_fields}
        try:
            self.model.model_validate({name: data[c] for name, c in column.items() if c in data})
        except ValidationError as exc:
            return [_api_error(error, column) for error in exc.errors(include_url=False, include_input=False)]
        return []


def _api_error(error: Any, column: Mapping[str, str]) -> str:
    loc = [str(column.get(str(part), part)) if i == 0 else str(part) for i, part in enumerate(error["loc"])]
    return f"{'.'.join(loc)}: {error['msg']}" if loc else str(error["msg"])


@dataclass(frozen=True)
class ExportTable:
    """A table in the export file. `owner`: the column naming the record it belongs to.
    `shapes`: the API's models its lines must satisfy on import."""

    name: str
    owner: str
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Children:
    """Rows that belong to each record of a kind and that its timeline reads (status changes, events)."""

    model: type[SQLModel]
    parent: str  # the column naming the parent record
    order: str = "position"
    fact_columns: tuple[str, ...] = ()  # what the kind's facts read of a child row: all the timeline loads


@dataclass(frozen=True)
class RecordKind:
    """One kind of record about a person.

    `name` is the word the API uses for it everywhere: the `kind` of a history event's `ref` and of a
    flag's evidence, the object kind of its audit entries, its table. `label` and `heading` are message
    ids of the catalog (singular, and the heading of its section of the person's page). `reads` and
    `writes` are the audit actions of the answers that show its records (reads, and writes answering with
    the record written): the daily read quota counts both. `listed` is the action of listing one person's
    records of the kind, which the person's page writes as the API would. `deferred` columns are free
    text that neither the timeline nor the indicators read: left unloaded (and undecrypted) for them.
    `dated_by`: the fuzzy dates that place a record in a list, the first known one wins (undated last).
    `involves`: the columns naming a state that the record puts in a (person, state) pair: the requesting
    states of the dossier, the pooled figures. `in_dossier`: the dossier and the person's page show its records.
    `fact_columns`: the columns its `facts` read of a record, which are all the timeline loads of it (with
    its id, its person and `involves`): the others cost a conversion each (an enum, a date, a decryption)
    for nothing. Empty: its facts never read a record, so they say nothing and the timeline reads none.
    """

    name: str
    model: type[SQLModel]
    label: str
    heading: str
    icon: str
    reads: frozenset[str]
    writes: frozenset[str]
    listed: str
    export: tuple[ExportTable, ...]
    facts: Facts
    dated_by: tuple[str, ...]
    fact_columns: tuple[str, ...] = ()
    children: Children | None = None
    deferred: tuple[str, ...] = ()
    involves: tuple[str, ...] = ()
    in_dossier: bool = True
    person_link: str = "person_id"
    event_icons: Mapping[str, str] = field(default_factory=dict)  # timeline icons other than `icon`, by type
