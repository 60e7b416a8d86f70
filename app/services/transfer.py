"""An organisation's records as JSON Lines: a deterministic export, and an import that checks every line
before it writes anything, then writes everything in one transaction.

The file: line 1 is `{"kind":"format","data":{"name":"article3.export","version":1}}`; then one line
per record, `{"kind":<table>,"data":{<column>:<value>,…}}`, kinds in `KINDS` order (a record's parents
come before it) and, within a kind, by primary key in binary order. Values are as the table's column
types return them: ids as they are, timestamps in ISO 8601 with their UTC offset, fuzzy dates as
given, enums by value, lists as lists, bytes in base64. `org_id` is left out: imported records take the target
organisation's. So export → import into an empty database → export gives the same bytes.

Reads and writes go through SQLAlchemy Core on the real tables, so every value passes the columns'
own types: columns encrypted at rest are exported plain and encrypted again, under the target's keys,
on import (the session's engine carries the keys, as `unit_of_work` sets it up). The chunks of a
document's bytes are sealed by app/services/document.py, not by their column's type: opened here on
export, sealed again on import.

What is not exported, and why, is `NOT_EXPORTED`.
"""

import base64
import binascii
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlmodel import Session

import app.models  # noqa: F401 - every table in the metadata
from app import kinds
from app.errors import Unprocessable
from app.keyring import keyring_of
from app.kinds.kind import Shape
from app.models import SQLModel
from app.models.base import ID_PATTERN, JSONList, UTCDateTime
from app.models.detention import DetentionBasis
from app.models.encrypted import EncryptedFuzzyDate, EncryptedJSONList, EncryptedText
from app.models.extradition import Ground
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.person import PersonCategory, PersonCreate, RelatedPerson
from app.models.state import STATE_CODES
from app.private_file import open_private
from app.services import audit
from app.services import document as document_service
from app.services import flag as flag_service
from app.services.affiliation import keys_of

FORMAT = {"name": "article3.export", "version": 1}
RECORD_ID = re.compile(ID_PATTERN)
BATCH = 1000
SEALED_CHUNKS = "document_chunk"  # sealed by the document service, bound to their place
MAX_PROBLEMS = 50

NOT_EXPORTED: dict[str, str] = {
    "calendar_feed": "secrets: digests under this server's key; create new feeds after an import",
    "deadline_reminder": "which reminders this server sent; deadlines are derived again from the records",
    "watch": "which persons this server re-checks at INTERPOL: watch them again after an import",
    "watch_runner": "this server's pacing of its requests to INTERPOL",
    "org": "the organisation itself: the import goes into one that exists (`orgs create`), whose id the records take",
    "api_token": "secrets: digests under this server's key, useless elsewhere and never to travel",
    "user_account": "people's sign-in: password hashes and TOTP secrets sealed under this server's key never "
    "travel; invite the people again on the target (`users create`)",
    "sign_in_failure": "this server's recent failed sign-ins, for its sign-in throttle",
    "audit_entry": "the trail belongs to the service, and its HMACs verify only under this server's key; "
    "an import writes its own `import.*` entries",
    "audit_head": "the head of that trail",
    "daily_read_count": "each actor's reads per day on this server, counted from its trail for the daily quota",
    "person_affiliation": "keyed digests of the affiliations under this server's key: recomputed from each person",
    "person_flag": "derived indicators: recomputed on import",
    "group_notice": "derived: each group member's dated notices, recomputed on import",
    "person_state": "derived (person, state) pairs: recomputed on import",
    "person_change": "the name indexes' change log: an import logs its own persons",
    "demo_case": "the demo loader's note of which bundled case it loaded",
    "app_meta": "facts about the database itself",
    "webhook": "endpoints whose signing secrets derive from this server's key: create them again on the target",
    "webhook_delivery": "the outbox of those endpoints' deliveries",
    "idempotency_key": "stored first answers to POSTs, kept 24 hours for retries to this server",
    "idempotency_mention": "the persons each of those answers names",
    "ui_signed_out": "web sessions signed out on this server, refused here until they expire",
    "rate_limit_window": "the last minute's requests per caller, for this server's rate limit",
}

# Items of JSON list columns that hold codes; other lists hold text, except the stored INTERPOL hits.
LIST_ITEMS: dict[tuple[str, str], frozenset[str]] = {
    ("person", "nationalities"): STATE_CODES,
    ("person", "categories"): frozenset(c.value for c in PersonCategory),
    ("extradition", "grounds"): frozenset(g.value for g in Ground),
    ("detention", "other_bases"): frozenset(b.value for b in DetentionBasis),
}
OBJECT_LISTS = frozenset({("interpol_check", "hits"), ("extradition", "hearings")})
# Columns added after version 1 of the file: a file written before them imports with these values (each
# the API's default), so no older export is refused.
ADDED_LATER: dict[str, dict[str, Any]] = {
    "interpol_check": {"source": "interpol", "dataset": None, "dataset_date": None, "screening_id": None},
    "person": {"place_of_birth": None, "deceased_on": None},
    "detention": {
        "custody": "detention",
        "ended_on": None,
        "court": None,
        "case_number": None,
        "other_bases": [],
    },
    "notice": {"case_number": None},
    "extradition": {"case_number": None, "hearings": []},
    "challenge": {"respondent_state": None},
}

Row = dict[str, Any]
Key = tuple[Any, ...]
Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Kind:
    """One exported table. `owner` names the column of the record it belongs to (None for a person).
    `shapes`: the API's models for its records, which every imported line must satisfy."""

    name: str
    owner: str | None
    shapes: tuple[Shape, ...]

    @property
    def table(self) -> sa.Table:
        return SQLModel.metadata.tables[self.name]

    @cached_property
    def columns(self) -> list[sa.Column[Any]]:
        """Every column but `org_id`, the primary key first (for a reader), then in table order."""
        rest = [c for c in self.table.columns if c.name != "org_id" and not c.primary_key]
        return self.key + rest

    @cached_property
    def key(self) -> list[sa.Column[Any]]:
        return list(self.table.primary_key.columns)

    @cached_property  # read for every imported row
    def refs(self) -> dict[str, str]:
        """Column -> the kind it points at (the organisation aside)."""
        return {
            c.name: fk.column.table.name
            for c in self.columns
            for fk in c.foreign_keys
            if fk.column.table.name != "org"
        }


# The person and their relations, then each kind of record's tables, in the registry's order.
KINDS: tuple[Kind, ...] = (
    Kind("person", owner=None, shapes=(Shape(PersonCreate),)),
    Kind("person_relation", owner="person_id", shapes=(Shape(RelatedPerson, {"person_id": "related_id"}),)),
    *(
        Kind(table.name, owner=table.owner, shapes=table.shapes)
        for kind in kinds.KINDS
        for table in kind.export
    ),
)
BY_NAME = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class ImportRejected(Unprocessable):
    """The file has problems: each is on `problems`, with its line number. Nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        found = (
            f"the first {MAX_PROBLEMS} problems"
            if len(problems) >= MAX_PROBLEMS
            else f"{len(problems)} problem(s)"
        )
        first = min(p.line for p in problems)
        super().__init__(f"{found} found, the first on line {first}; nothing was imported.", loc=("file",))
        self.problems = problems


@dataclass
class ImportReport:
    counts: dict[str, int]
    audit_entries: int
    persons_refreshed: int


# --- export ----------------------------------------------------------------------------------------


def export_lines(session: Session, *, org_id: str) -> Iterator[tuple[str, str]]:
    """(kind, line) for the format line and every record of the organisation, in file order."""
    yield "format", _dumps("format", FORMAT)
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    for kind in KINDS:
        columns = kind.columns
        # Text in binary order (SQLite compares bytes already); numbers (a chunk's position) as numbers.
        order = [c.collate("C") if postgres and c.type.python_type is str else c for c in kind.key]
        query = sa.select(*columns).where(kind.table.c.org_id == org_id).order_by(*order)
        batch = 8 if kind.name == SEALED_CHUNKS else BATCH  # chunks of 1 MiB
        for row in connection.execute(query.execution_options(yield_per=batch)):
            data = {c.name: v for c, v in zip(columns, row, strict=True)}
            if kind.name == SEALED_CHUNKS:
                data["data"] = document_service.open_chunk(keyring_of(session).fields, data)
            yield kind.name, _dumps(kind.name, {name: _plain(v) for name, v in data.items()})


def write_export(session: Session, *, org_id: str, out: TextIO) -> dict[str, int]:
    """Write the export to `out`; the number of records of each kind."""
    counts: dict[str, int] = {k.name: 0 for k in KINDS}
    for kind, line in export_lines(session, org_id=org_id):
        out.write(line)
        if kind in counts:
            counts[kind] += 1
    return counts


def export_file(session: Session, *, org_id: str, path: Path) -> dict[str, int]:
    """Write the export to `path`, created with mode 0600; a file already there is an error."""
    out = open(path, "x", encoding="utf-8", newline="\n", opener=open_private)  # noqa: SIM115 - closed below
    try:
        with out:
            return write_export(session, org_id=org_id, out=out)
    except BaseException:
        path.unlink()  # never leave half an export that looks whole
        raise


def record_export(session: Session, *, org_id: str) -> None:
    """An export reads every person of the organisation: it stands in the audit trail like any read."""
    audit.record(session, by=None, action="org.exported", kind="org", object_id=org_id, org_id=org_id)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return str(value)  # a FuzzyDate as its text
    return value


def _dumps(kind: str, data: Row) -> str:
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- import ----------------------------------------------------------------------------------------


@dataclass
class Parsed:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {k.name: [] for k in KINDS})
    lines: dict[str, list[int]] = field(default_factory=lambda: {k.name: [] for k in KINDS})
    keys: dict[str, dict[Key, int]] = field(default_factory=lambda: {k.name: {} for k in KINDS})


def import_org(
    session: Session, *, org_id: str, lines: Iterable[str], progress: Progress | None = None
) -> ImportReport:
    """Import an export into the organisation `org_id`, all or nothing.

    Every line is checked first: JSON, a known kind, every field present and valid for its column, ids
    new to the database and unique in the file, and every reference to a record in the file or already
    in this organisation. Any problem raises ImportRejected with the line numbers before anything is
    written. Then the records go in with their ids and this organisation's id; each new person gets an
    `import.person` audit entry (which covers the records about them) and a name-index change, records
    added to persons already here get `import.<kind>`, and the indicators are recomputed.
    """
    report = progress or _quiet
    texts: list[str] = []
    try:
        texts.extend(lines)
    except UnicodeDecodeError:
        raise ImportRejected(
            [Problem(len(texts) + 1, "not UTF-8 text (here or a few lines further)")]
        ) from None
    parsed, problems = _parse(texts, report)
    if not problems:
        problems = _check_chunks(parsed) or _check_database(session, parsed, org_id=org_id)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line)[:MAX_PROBLEMS])
    _insert(session, parsed, org_id=org_id, report=report)
    entries = _log(session, parsed, org_id=org_id, report=report)
    touched = _touched_persons(session, parsed)
    _refresh(session, touched, report=report)
    audit.record(session, by=None, action="import.completed", kind="org", object_id=org_id, org_id=org_id)
    return ImportReport(
        counts={k: len(rows) for k, rows in parsed.rows.items()},
        audit_entries=entries + 1,
        persons_refreshed=len(touched),
    )


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


def _parse(texts: list[str], report: Progress) -> tuple[Parsed, list[Problem]]:
    parsed = Parsed()
    problems: list[Problem] = []
    decoders = {k.name: {c.name: _decoder(k.name, c) for c in k.columns} for k in KINDS}
    seen_format = False
    for number, text in enumerate(texts, start=1):
        if number % BATCH == 0:
            report("Checking lines", number, len(texts))
        if len(problems) >= MAX_PROBLEMS:
            break
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, f"not valid JSON ({exc.msg}, column {exc.colno})"))
            continue
        if not isinstance(item, dict) or set(item) != {"kind", "data"} or not isinstance(item["data"], dict):
            problems.append(Problem(number, 'expected an object {"kind": …, "data": {…}} and nothing else'))
            continue
        name, data = item["kind"], item["data"]
        if not seen_format:
            seen_format = True
            if name != "format" or data != FORMAT:
                problems.append(
                    Problem(
                        number, f"the first line must be the format line {_dumps('format', FORMAT).strip()}"
                    )
                )
            continue
        kind = BY_NAME.get(name) if isinstance(name, str) else None
        if kind is None:
            problems.append(
                Problem(number, f"unknown kind {str(name)[:40]!r}: expected one of {', '.join(BY_NAME)}")
            )
            continue
        row, errors = _decode(data, decoders[kind.name], ADDED_LATER.get(kind.name, {}))
        if not errors:  # the API's own rules, once every field has the type of its column
            errors = [e for shape in kind.shapes for e in shape.problems(data)]
        if errors:
            problems += [Problem(number, f"{kind.name}: {e}") for e in errors]
            continue
        key = tuple(row[c.name] for c in kind.key)
        if (first := parsed.keys[kind.name].get(key)) is not None:
            problems.append(
                Problem(number, f"{kind.name} {_show(kind, key)} appears twice (first on line {first})")
            )
            continue
        parsed.keys[kind.name][key] = number
        parsed.rows[kind.name].append(row)
        parsed.lines[kind.name].append(number)
    if not seen_format:
        problems.append(Problem(1, "the file is empty"))
    report("Checking lines", len(texts), len(texts))
    return parsed, problems


def _check_chunks(parsed: Parsed) -> list[Problem]:
    """Each document in the file comes with all its chunks, numbered from 0, the last one marked final
    (and no chunk without its document), or it would not open after the import."""
    problems: list[Problem] = []
    chunks: dict[str, list[tuple[int, bool, int]]] = defaultdict(list)
    for row, line in zip(parsed.rows[SEALED_CHUNKS], parsed.lines[SEALED_CHUNKS], strict=True):
        chunks[row["document_id"]].append((row["position"], bool(row["final"]), line))
    documents = dict(zip((r["id"] for r in parsed.rows["document"]), parsed.lines["document"], strict=True))
    for row, line in zip(parsed.rows["document"], parsed.lines["document"], strict=True):
        found = sorted(chunks.get(row["id"], []))
        expected = [(i, i == row["chunks"] - 1) for i in range(row["chunks"])]
        if [(position, final) for position, final, _ in found] != expected:
            problems.append(
                Problem(line, f"document: its {row['chunks']} chunk(s) are not all in the file, in order")
            )
    problems += [
        Problem(
            uses[0][2], f"{SEALED_CHUNKS}: document_id {document_id}: no document with that id in the file"
        )
        for document_id, uses in chunks.items()
        if document_id not in documents
    ]
    return problems


def _decode(
    data: Row, decoders: dict[str, Callable[[Any], Any]], later: dict[str, Any]
) -> tuple[Row, list[str]]:
    row: Row = {}
    errors = [f"unknown field {name[:40]!r}" for name in data if name not in decoders]
    for name, decode in decoders.items():
        if name not in data:
            if name in later:
                row[name] = later[name]
            else:
                errors.append(f"{name} is missing")
            continue
        try:
            row[name] = decode(data[name])
        except (ValueError, TypeError) as exc:
            errors.append(f"{name}: {exc}")
    return row, errors


def _show(kind: Kind, key: Key) -> str:
    return " ".join(f"{c.name} {v}" for c, v in zip(kind.key, key, strict=True))


def _check_database(session: Session, parsed: Parsed, *, org_id: str) -> list[Problem]:
    """Ids already in the database (in any organisation), and references to nothing."""
    connection = session.connection()
    problems: list[Problem] = []
    for kind in KINDS:
        keys = parsed.keys[kind.name]
        if not keys:
            continue
        if len(kind.key) == 1:
            column = kind.key[0]
            for chunk in _chunks([k[0] for k in keys]):
                for (found,) in connection.execute(sa.select(column).where(column.in_(chunk))):
                    problems.append(
                        Problem(keys[(found,)], f"{kind.name} id {found} already exists in the database")
                    )
        else:
            first = kind.key[0]
            for chunk in _chunks(sorted({k[0] for k in keys})):
                for found in connection.execute(sa.select(*kind.key).where(first.in_(chunk))):
                    if (line := keys.get(tuple(found))) is not None:
                        problems.append(
                            Problem(line, f"{kind.name} {_show(kind, tuple(found))} already exists")
                        )
    wanted: dict[str, dict[str, list[tuple[int, str, str]]]] = defaultdict(lambda: defaultdict(list))
    for kind in KINDS:
        for ref, target in kind.refs.items():
            for row, line in zip(parsed.rows[kind.name], parsed.lines[kind.name], strict=True):
                value = row[ref]
                if value is not None and (value,) not in parsed.keys[target]:
                    wanted[target][value].append((line, kind.name, ref))
    for target, refs in wanted.items():
        table = BY_NAME[target].table
        present: set[str] = set()
        for chunk in _chunks(sorted(refs)):
            query = sa.select(table.c.id).where(table.c.org_id == org_id, table.c.id.in_(chunk))
            present.update(str(i) for (i,) in connection.execute(query))
        for value, uses in refs.items():
            if value not in present:
                problems += [
                    Problem(
                        line,
                        f"{name}: {column} {value}: no {target} with that id in the file or in the organisation",
                    )
                    for line, name, column in uses
                ]
    return problems


def _insert(session: Session, parsed: Parsed, *, org_id: str, report: Progress) -> None:
    connection = session.connection()
    total = sum(len(rows) for rows in parsed.rows.values())
    done = 0
    keys = keyring_of(session).fields
    for kind in KINDS:
        rows = parsed.rows[kind.name]
        for start in range(0, len(rows), BATCH):
            batch = [{**row, "org_id": org_id} for row in rows[start : start + BATCH]]
            if kind.name == SEALED_CHUNKS:
                batch = [{**row, "data": document_service.seal_chunk(keys, row)} for row in batch]
            connection.execute(sa.insert(kind.table), batch)
            done += len(batch)
            report("Writing records", done, total)
    # Affiliation keys as app.services.person writes them, under this server's key.
    links = [
        {"person_id": row["id"], "key": key, "org_id": org_id}
        for row in parsed.rows["person"]
        for key in keys_of(session, row["affiliations"])
    ]
    for start in range(0, len(links), BATCH):
        connection.execute(
            sa.insert(SQLModel.metadata.tables["person_affiliation"]), links[start : start + BATCH]
        )


def _log(session: Session, parsed: Parsed, *, org_id: str, report: Progress) -> int:
    """Audit entries for what came in, and a name-index change for each new person; how many entries.

    The change rows are the ones app.services.name_index.log_change writes, inserted in bulk: under
    each person's audit entry number, so every process's index picks them up in order.
    """
    changes: list[Row] = []
    entries = 0
    persons = parsed.rows["person"]
    for row in persons:
        entry = audit.record(
            session, by=None, action="import.person", kind="person", object_id=row["id"], org_id=org_id
        )
        changes.append({"seq": entry.seq, "person_id": row["id"], "org_id": org_id, "erased": False})
        entries += 1
        if entries % BATCH == 0 or entries == len(persons):
            report("Recording audit entries", entries, len(persons))
    for kind in KINDS[1:]:
        assert kind.owner is not None  # noqa: S101 - only persons have no owner
        owner_kind = kind.refs[kind.owner]
        for row in parsed.rows[kind.name]:
            if (row[kind.owner],) not in parsed.keys[owner_kind]:  # added to a record already here
                object_id = row.get("id", row[kind.owner])
                audit.record(
                    session,
                    by=None,
                    action=f"import.{kind.name}",
                    kind=kind.name,
                    object_id=object_id,
                    org_id=org_id,
                )
                entries += 1
    table = SQLModel.metadata.tables["person_change"]
    for start in range(0, len(changes), BATCH):
        session.connection().execute(sa.insert(table), changes[start : start + BATCH])
    return entries


def _touched_persons(session: Session, parsed: Parsed) -> list[str]:
    """Every person whose indicators the import can change: the new ones and those given new records."""
    touched: set[str] = set()
    via: dict[str, set[str]] = defaultdict(set)  # kind -> ids of records here already that got children
    for kind in KINDS:
        for row in parsed.rows[kind.name]:
            for column in ("id" if kind.name == "person" else "person_id", "related_id"):
                if isinstance(row.get(column), str):
                    touched.add(row[column])
            if kind.owner and "person_id" not in row:
                owner_kind = kind.refs[kind.owner]
                parent = (row[kind.owner],)
                if parent in parsed.keys[owner_kind]:
                    continue  # its parent is in the file, with the parent's person
                via[owner_kind].add(row[kind.owner])
    connection = session.connection()
    for owner_kind, ids in via.items():
        table = BY_NAME[owner_kind].table
        for chunk in _chunks(sorted(ids)):
            touched.update(
                str(p)
                for (p,) in connection.execute(sa.select(table.c.person_id).where(table.c.id.in_(chunk)))
            )
    return sorted(touched)


def _refresh(session: Session, person_ids: list[str], *, report: Progress) -> None:
    """Recompute the derived indicator rows of these persons (and their relatives), then, pooled across
    organisations, `group_targeting` for everyone who shares an affiliation with them."""
    flag_service.store_group_notices(session, person_ids)  # all of them first: batches read each other's
    for start in range(0, len(person_ids), BATCH):
        flag_service.refresh(session, person_ids[start : start + BATCH], groups=False)
        report("Recomputing indicators", min(start + BATCH, len(person_ids)), len(person_ids))
    affiliation = SQLModel.metadata.tables["person_affiliation"]
    keys: set[str] = set()
    for chunk in _chunks(person_ids):
        query = sa.select(affiliation.c.key).where(affiliation.c.person_id.in_(chunk))
        keys.update(str(k) for (k,) in session.connection().execute(query))
    if keys:
        flag_service.refresh_groups(session, keys, skip=set(person_ids))


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), 500):
        yield values[start : start + 500]


# --- reading one value per column type: a message on error, never the value itself -----------------


def _decoder(kind: str, column: sa.Column[Any]) -> Callable[[Any], Any]:
    decode = _by_type(kind, column)
    if not column.nullable:
        return decode

    def nullable(value: Any) -> Any:
        return None if value is None else decode(value)

    return nullable


def _by_type(kind: str, column: sa.Column[Any]) -> Callable[[Any], Any]:
    type_ = column.type
    if isinstance(type_, UTCDateTime):
        return _timestamp
    if isinstance(type_, FuzzyDateType | EncryptedFuzzyDate):
        return _fuzzy_date
    if isinstance(type_, JSONList | EncryptedJSONList):
        if (kind, column.name) in OBJECT_LISTS:
            return _object_list
        return _list_of(LIST_ITEMS.get((kind, column.name)))
    if isinstance(type_, sa.Enum):
        return _enum(type_)
    if isinstance(type_, sa.Boolean):
        return _boolean
    if isinstance(type_, sa.LargeBinary):
        return _bytes
    if isinstance(type_, sa.Integer):
        return _integer
    if isinstance(type_, sa.String):
        if column.name == "id" or column.foreign_keys:
            return _record_id
        if column.name.endswith("_state"):
            return _state
        return _text(type_.length)
    if isinstance(type_, EncryptedText):
        return _text(None)
    if isinstance(type_, sa.TypeDecorator) and isinstance(
        type_.impl_instance, sa.String
    ):  # SQLModel's AutoString
        return _by_type(kind, sa.Column(column.name, type_.impl_instance, nullable=column.nullable))
    raise TypeError(f"{kind}.{column.name}: no import rule for a {type(type_).__name__} column")


def _record_id(value: Any) -> str:
    """Ids as the API issues them: the filters and cursors of the API refuse any other shape."""
    if isinstance(value, str) and RECORD_ID.fullmatch(value):
        return value
    raise ValueError("expected a record id as the API issues them (a lower-case UUID)")


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise ValueError("expected an ISO 8601 timestamp with its UTC offset")


def _fuzzy_date(value: Any) -> FuzzyDate:
    try:
        return FuzzyDate(value)
    except ValueError:
        raise ValueError("expected a calendar date as YYYY, YYYY-MM or YYYY-MM-DD") from None


def _enum(type_: sa.Enum) -> Callable[[Any], Any]:
    allowed = list(type_.enums)

    def decode(value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return type_.enum_class(value) if type_.enum_class else value

    return decode


def _list_of(codes: frozenset[str] | None) -> Callable[[Any], list[str]]:
    def decode(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        if codes is not None and not set(value) <= codes:
            raise ValueError("a value of the list is not a known code")
        return value

    return decode


def _object_list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("expected a list of objects")
    return value


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise ValueError("expected bytes in base64")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected an integer")
    return value


def _state(value: Any) -> str:
    if not isinstance(value, str) or value not in STATE_CODES:
        raise ValueError("expected an ISO 3166-1 alpha-2 code in capitals (or XK)")
    return value


def _text(length: int | None) -> Callable[[Any], str]:
    def decode(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("expected text")
        if length is not None and len(value) > length:
            raise ValueError(f"longer than {length} characters")
        return value

    return decode
