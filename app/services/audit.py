"""The audit trail: append an entry in the caller's transaction, list them, verify the chain.

Each entry's hash is an HMAC (keyed by a sub-key of the secret key, which never sits in the database)
over the previous entry's hash and the entry's own fields, so an attacker holding only the database
file can neither edit nor delete an entry, nor re-forge the rest of the chain to hide it.
"""

import functools
import hashlib
import hmac
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, Update, bindparam, func, insert, null, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.db import AUDIT_ACTIONS
from app.keyring import keyring_of
from app.models.audit import AuditEntry, AuditHead
from app.models.base import utcnow
from app.models.token import Principal
from app.services import daily_read_count
from app.services.pagination import decode_position, encode_cursor

GENESIS = "0" * 64
SEQ_MAX = 2**31 - 1  # `audit_entry.seq` is an INTEGER
CLI_ACTOR = "cli"


def _entry_hash(key: bytes, prev_hash: str, entry: "AuditEntry | Linked") -> str:
    fields = (
        str(entry.seq),
        entry.at.isoformat(timespec="microseconds"),
        entry.org_id or "",
        entry.actor,
        entry.action,
        entry.object_kind or "",
        entry.object_id or "",
    )
    return hmac.new(key, (prev_hash + "\x1f" + "\x1f".join(fields)).encode(), hashlib.sha256).hexdigest()


_HEAD = "audit_head"  # session.info: (the transaction that locked the head, the head row)


def _head(session: Session) -> AuditHead:
    """The chain's head row, locked: entries get gapless numbers in commit order (PostgreSQL: FOR UPDATE).

    Read and locked once per transaction: the lock holds to its end, so a later entry of the same
    transaction (a batch of writes, app/services/write_group.py) takes the row it already holds. A
    savepoint rolled back expires the row, which then reads again what the transaction holds. Taken
    inside a savepoint, it is not kept: on PostgreSQL the savepoint's rollback would release the lock."""
    held = _held(session)
    if held is not None:
        return held
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:  # the migration inserts it; this only guards a hand-made database
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    _hold(session, head)
    return head


def _held(session: Session) -> AuditHead | None:
    """The head this transaction already locked, if any."""
    transaction = session.get_transaction()
    held = session.info.get(_HEAD)
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1]  # type: ignore[no-any-return]
    return None


def _hold(session: Session, head: AuditHead) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback would let go of its lock (PostgreSQL)
        session.info[_HEAD] = (session.get_transaction(), head)


def lock_head(session: Session) -> None:
    """Take the chain's head row for the whole transaction, before any savepoint (a batch of writes)."""
    _head(session)


_CHAIN = "audit_chain"  # session.info: the head held in memory for a batch (`defer_head`)


@dataclass(slots=True)
class _Chain:
    seq: int
    hash: str
    at: datetime


def defer_head(session: Session) -> None:
    """Lock the chain's head for the whole transaction, and from now on keep it in memory: each entry
    is one insert, and `apply_head` writes the head row once, before the commit (a batch of writes,
    app/services/write_group.py: one head update per batch instead of one per entry)."""
    head = _head(session)
    session.info[_CHAIN] = _Chain(head.seq, head.hash, head.updated_at)


def chain_mark(session: Session) -> tuple[int, str, datetime] | None:
    """Where the chain held in memory stands (to put back with `chain_undo` when a savepoint is undone)."""
    chain: _Chain | None = session.info.get(_CHAIN)
    return None if chain is None else (chain.seq, chain.hash, chain.at)


def chain_undo(session: Session, mark: tuple[int, str, datetime] | None) -> None:
    chain: _Chain | None = session.info.get(_CHAIN)
    if chain is not None and mark is not None:
        chain.seq, chain.hash, chain.at = mark


def apply_head(session: Session) -> None:
    """Write the head kept since `defer_head` (before the transaction commits), and stop deferring."""
    chain: _Chain | None = session.info.pop(_CHAIN, None)
    if chain is None:
        return
    head = _head(session)
    if chain.seq != head.seq:
        _move_head(session, head, chain.seq, chain.hash, chain.at)


def _move_head(session: Session, head: AuditHead, seq: int, hash_: str, at: datetime) -> None:
    """Write the locked head row with one Core update, and set the ORM object to what the row now holds,
    with nothing left to flush (an ORM flush of the one row cost more than the update itself)."""
    session.connection().execute(_head_update(seq, hash_, at))
    _moved(head, seq, hash_, at)


def _head_update(seq: int, hash_: str, at: datetime) -> Update:
    table = AuditHead.__table__  # type: ignore[attr-defined]
    return update(table).where(table.c.id == 1).values(seq=seq, hash=hash_, updated_at=at)


def _moved(head: AuditHead, seq: int, hash_: str, at: datetime) -> None:
    for name, value in (("seq", seq), ("hash", hash_), ("updated_at", at)):
        set_committed_value(head, name, value)


def record(
    session: Session,
    *,
    by: Principal | None,
    action: str,
    kind: str | None = None,
    object_id: str | None = None,
    org_id: str | None = None,
) -> AuditEntry:
    """Append one entry, after the change it records and in the same transaction: both commit or neither."""
    new = NewEntry(
        actor=actor_of(by),
        org_id=by.org_id if by else org_id,
        action=action,
        object_kind=kind,
        object_id=object_id,
    )
    key = keyring_of(session).audit_key
    chain: _Chain | None = session.info.get(_CHAIN)
    if chain is not None:
        return _append_deferred(session, chain, _chained(key, chain.seq + 1, chain.hash, utcnow(), new))
    head = _head(session)
    entry = _chained(key, head.seq + 1, head.hash, utcnow(), new)
    head.seq, head.hash, head.updated_at = entry.seq, entry.hash, entry.at
    session.add(entry)
    session.add(head)
    session.flush()
    _count(session, [entry])
    session.info.setdefault(AUDIT_ACTIONS, []).append(action)  # counted for /metrics once committed
    return entry


def _append_deferred(session: Session, chain: _Chain, entry: AuditEntry) -> AuditEntry:
    """`record` while the head is held in memory: one insert, the head moved on in memory only."""
    session.flush()  # what the entry records goes in first, as with the flush of `record`
    session.connection().execute(insert(AuditEntry.__table__), entry.model_dump())  # type: ignore[attr-defined]
    chain.seq, chain.hash, chain.at = entry.seq, entry.hash, entry.at
    _count(session, [entry])
    session.info.setdefault(AUDIT_ACTIONS, []).append(entry.action)  # counted for /metrics once committed
    return entry


def actor_of(by: Principal | None) -> str:
    """Who an entry names: the principal's id (its token's), or the command line."""
    return by.token_id if by else CLI_ACTOR


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to append with `append_many` or `append_rows`: what `record` takes, the caller already resolved."""

    actor: str
    org_id: str | None
    action: str
    object_kind: str | None = None
    object_id: str | None = None


def _chained(key: bytes, seq: int, prev_hash: str, at: datetime, new: NewEntry) -> AuditEntry:
    """The entry `new` at place `seq` of the chain, after the entry whose hash is `prev_hash`, hashed."""
    entry = AuditEntry(
        seq=seq,
        at=at,
        org_id=new.org_id,
        actor=new.actor,
        action=new.action,
        object_kind=new.object_kind,
        object_id=new.object_id,
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = _entry_hash(key, prev_hash, entry)
    return entry


class Linked(NamedTuple):
    """An entry chained and hashed, as it is inserted (the audit writer's rows need no ORM object)."""

    seq: int
    at: datetime
    org_id: str | None
    actor: str
    action: str
    object_kind: str | None
    object_id: str | None
    prev_hash: str
    hash: str


def _linked(key: bytes, seq: int, prev_hash: str, at: datetime, wanted: Sequence[NewEntry]) -> list[Linked]:
    """`wanted` chained after the entry `seq` whose hash is `prev_hash`, in the order given."""
    entries = []
    for new in wanted:
        seq += 1
        unhashed = Linked(
            seq, at, new.org_id, new.actor, new.action, new.object_kind, new.object_id, prev_hash, ""
        )
        prev_hash = _entry_hash(key, prev_hash, unhashed)
        entries.append(unhashed._replace(hash=prev_hash))
    return entries


def append_many(session: Session, wanted: Sequence[NewEntry], *, at: datetime | None = None) -> list[Linked]:
    """Append several entries at once, chained in the order given, in the caller's transaction: one
    lock of the head row, one insert of every entry and one head update however many there are."""
    if not wanted:
        return []
    head = _head(session)
    session.flush()  # whatever the transaction holds pending goes in first, as before a flush of the head
    deferring = session.info.get(_DEFERRED_COUNTS) is not None
    entries = append_rows(
        session.connection(),
        keyring_of(session).audit_key,
        (head.seq, head.hash),
        wanted,
        at=at or utcnow(),
        count=not deferring,
    )
    _moved(head, entries[-1].seq, entries[-1].hash, entries[-1].at)
    if deferring:
        _count(session, entries)
    session.info.setdefault(AUDIT_ACTIONS, []).extend(e.action for e in entries)
    return entries


def take_head(
    connection: Connection, *, counts_of: Collection[str] = (), day: str = ""
) -> tuple[int, str, dict[str, int]]:
    """The chain's head for a transaction on a bare connection that writes the audit trail alone (the
    audit writer's): its number and hash, its row locked to the transaction's end (SQLite: the
    transaction's BEGIN IMMEDIATE holds the one write lock), and the daily read count of `day` of each
    actor in `counts_of` as it stands once the head is ours. No session: the ORM's handling of the one
    row cost more than its lock.

    Those counts include every entry committed before: a transaction adds to a count only with the
    entries it appends, so it moves the head, which it holds until it commits.

    PostgreSQL: one statement locks the head and reads the counts (one round trip instead of two). Its
    snapshot is taken before it waits for the lock, so it also reads the head's number as that snapshot
    sees it: when that is not the number of the row locked, a batch committed while this one waited,
    and the counts are read again, in a statement of its own (a fresh snapshot, the head ours)."""
    if connection.dialect.name == "postgresql":
        parameters = {"actors": list(counts_of), "day": day}
        row = connection.execute(_take_head_postgres(counted=bool(counts_of)), parameters).one_or_none()
        if row is not None:
            seq, hash_, seen_seq, counts = row
            if not counts_of:
                return seq, hash_, {}
            if seen_seq == seq:
                return seq, hash_, {actor: int((counts or {}).get(actor, 0)) for actor in counts_of}
            return seq, hash_, daily_read_count.used_by(connection, actors=counts_of, day=day)
    head = connection.execute(_HEAD_ROW).one_or_none()
    if head is None:  # the migration inserts it; this only guards a hand-made database
        connection.execute(insert(_HEAD_TABLE).values(id=1, seq=0, hash=GENESIS, updated_at=utcnow()))
        return 0, GENESIS, daily_read_count.used_by(connection, actors=counts_of, day=day)
    return head.seq, head.hash, daily_read_count.used_by(connection, actors=counts_of, day=day)


_HEAD_TABLE = AuditHead.__table__  # type: ignore[attr-defined]
_HEAD_ROW = core_select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()


@functools.cache
def _take_head_postgres(*, counted: bool) -> Select[Any]:
    """PostgreSQL: the head locked, with the head's number as the statement's snapshot saw it before
    waiting for the lock and the counts as that snapshot saw them; made once."""
    seen = _HEAD_TABLE.alias("seen_head")
    counts: Any = (
        daily_read_count.used_json(actors=bindparam("actors", expanding=True), day=bindparam("day"))
        if counted
        else null()
    )
    return (
        core_select(
            _HEAD_TABLE.c.seq,
            _HEAD_TABLE.c.hash,
            core_select(seen.c.seq).where(seen.c.id == 1).scalar_subquery(),
            counts,
        )
        .where(_HEAD_TABLE.c.id == 1)
        .with_for_update(of=_HEAD_TABLE)
    )


def append_rows(
    connection: Connection,
    key: bytes,
    head: tuple[int, str],
    wanted: Sequence[NewEntry],
    *,
    at: datetime,
    count: bool = True,
) -> list[Linked]:
    """Chain `wanted` after `head` (its number and hash, locked by this transaction) and write them, the
    head moved on and, with `count`, their daily counts: on PostgreSQL in one statement (one round trip),
    on SQLite an executemany of the entries, the head's update and an executemany of the counts."""
    entries = _linked(key, head[0], head[1], at, wanted)
    last = entries[-1]
    counts = _counts(entries) if count else Counter()
    if connection.dialect.name == "postgresql":
        # Its parts share one snapshot; none reads what another writes, and each row is written once.
        parameters = {
            **{f"appended_{name}": [getattr(e, name) for e in entries] for name in _ENTRY_COLUMNS},
            "head_seq": last.seq,
            "head_hash": last.hash,
            "head_at": last.at,
            **(daily_read_count.upsert_parameters(counts) if counts else {}),
        }
        connection.execute(_append_postgres(counted=bool(counts)), parameters)
    else:
        connection.execute(insert(AuditEntry.__table__), [e._asdict() for e in entries])  # type: ignore[attr-defined]
        connection.execute(_head_update(last.seq, last.hash, last.at))
        daily_read_count.add(connection, counts)
    return entries


_DEFERRED_COUNTS = "audit_deferred_counts"  # session.info: counts kept for `apply_counts`
_ENTRY_COLUMNS = ("seq", "at", "org_id", "actor", "action", "object_kind", "object_id", "prev_hash", "hash")


@functools.cache
def _append_postgres(*, counted: bool) -> Update:
    """PostgreSQL: `append_many`'s one statement, made and compiled once. The entries come as one array per
    column, unnested into rows: SQLAlchemy caches no statement with a multi-row VALUES, and compiled this
    one anew for every batch (0.3 ms and more of a worker's CPU per audited read)."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    rows = select(
        *(
            func.unnest(bindparam(f"appended_{name}", type_=postgresql.ARRAY(table.c[name].type))).label(name)
            for name in _ENTRY_COLUMNS
        )
    )
    head = AuditHead.__table__  # type: ignore[attr-defined]
    statement = (
        update(head)
        .where(head.c.id == 1)
        .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"), updated_at=bindparam("head_at"))
        .add_cte(insert(table).from_select(_ENTRY_COLUMNS, rows).cte("appended"))
    )
    if counted:
        statement = statement.add_cte(daily_read_count.upsert_postgres().cte("counted"))
    return statement


def _count(session: Session, entries: Iterable[AuditEntry | Linked]) -> None:
    """Keep each actor's daily read count (the daily quota's) in step with the entries it counts."""
    counts = _counts(entries)
    deferred: Counter[tuple[str, str]] | None = session.info.get(_DEFERRED_COUNTS)
    if deferred is not None:
        deferred.update(counts)
        return
    daily_read_count.add(session, counts)


def _counts(entries: Iterable[AuditEntry | Linked]) -> "Counter[tuple[str, str]]":
    return Counter(
        (e.actor, daily_read_count.day_of(e.at.date()))
        for e in entries
        if e.action in daily_read_count.COUNTED
    )


def defer_counts(session: Session) -> None:
    """From now on, keep the daily read counts in memory until `apply_counts`, in the same transaction:
    one upsert per actor for a batch of writes instead of one per entry."""
    session.info[_DEFERRED_COUNTS] = Counter()


def deferred_counts(session: Session) -> "Counter[tuple[str, str]]":
    """A copy of the counts kept so far (to put back with `restore_counts` when a savepoint is undone)."""
    return Counter(session.info.get(_DEFERRED_COUNTS, ()))


def restore_counts(session: Session, counts: "Counter[tuple[str, str]]") -> None:
    session.info[_DEFERRED_COUNTS] = counts


def apply_counts(session: Session) -> None:
    """Write the counts kept since `defer_counts` (before the transaction commits)."""
    daily_read_count.add(session, session.info.pop(_DEFERRED_COUNTS, None) or {})


def list_entries(
    session: Session, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """The caller's organisation's entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.org_id == by.org_id)
    before = decode_position(cursor) if cursor else None
    # Past an INTEGER's range every entry's number is smaller; PostgreSQL would refuse the bound value.
    if before is not None and before <= SEQ_MAX:
        query = query.where(col(AuditEntry.seq) < before)
    rows = list(session.exec(query.order_by(col(AuditEntry.seq).desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1].seq)


def first_bad_seq(entries: Iterable[AuditEntry], *, key: bytes, head_seq: int | None) -> int | None:
    """Walk the chain in order; the first entry whose number, link or hash is wrong, else None.

    A deleted entry shows as a gap (the next number is bad); a truncated tail shows against the head row.
    """
    expected_seq, prev_hash = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq or entry.prev_hash != prev_hash:
            return expected_seq if entry.seq > expected_seq else entry.seq
        if not hmac.compare_digest(entry.hash, _entry_hash(key, prev_hash, entry)):
            return entry.seq
        expected_seq, prev_hash = expected_seq + 1, entry.hash
    if head_seq is not None and head_seq >= expected_seq:
        return expected_seq
    return None


def verify(session: Session, *, org_id: str | None = None) -> tuple[int | None, int]:
    """(first bad seq or None, number of entries of `org_id`, or of all when None). The chain is one for the service."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1)).first()
    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq)).execution_options(yield_per=2000))
    try:
        bad = first_bad_seq(entries, key=keyring_of(session).audit_key, head_seq=head.seq if head else None)
    finally:
        entries.close()  # a server-side cursor on PostgreSQL when the walk stops early
    counted = select(func.count()).select_from(AuditEntry)
    if org_id is not None:
        counted = counted.where(AuditEntry.org_id == org_id)
    return bad, int(session.exec(counted).one())


def last_at(
    session: Session, *, org_id: str, action: str, kind: str, object_ids: Iterable[str]
) -> dict[str, datetime]:
    """When each of these objects last had an entry with this action in the organisation (absent: never)."""
    ids = sorted(set(object_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(AuditEntry.object_id, func.max(AuditEntry.at))
        .where(
            AuditEntry.org_id == org_id,
            AuditEntry.action == action,
            AuditEntry.object_kind == kind,
            col(AuditEntry.object_id).in_(ids),
        )
        .group_by(col(AuditEntry.object_id))
    ).all()
    return {object_id: at for object_id, at in rows if object_id is not None}
