"""Personal data at rest: which columns are encrypted, converting plaintext, and rotating the key.

Rotation makes a new key id active, then rewrites every stored value under it, table by table in
primary-key order, in batches of one short transaction each, so it runs while the service serves. A
batch commits whole or not at all, and it rewrites a value only if nobody changed it since the batch
read it. Whatever stops a rotation, every value stays readable (each names the key it is under), and
the report counts what remains under older keys.

Once the new id is active nothing is written under an older key: the change waits until no write
transaction is in flight, and every write transaction reads the active id as it begins
(`app.db._read_active_key`; the audit writer's, which writes no encrypted field, neither waits nor reads). So one pass over each table is enough; a row that a writer changed under
the batch's feet is simply looked at again.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, Engine

from app.db import ACTIVE_KEY_QUERY, KEY_CHANGE_LOCK, unit_of_work
from app.errors import Conflict
from app.keyring import FieldKeys, Keyring, is_encrypted, key_id
from app.models import SQLModel
from app.models.encrypted import EncryptedText
from app.services import document as document_service

ACTIVE_KEY = "field_key_active"
CHUNKS_AAD = "document_chunk.data"  # documents' bytes: sealed chunks, not an encrypted text column
CHUNK_BATCH = 8  # chunks of 1 MiB each
BATCH = 500
PASSES = 5  # over one table: later passes only revisit rows that writers changed during the one before
KEY_CHANGE_WAIT_S = 2.0  # PostgreSQL: the change waits this long for writes in flight, then tries again
KEY_CHANGE_TRIES = 30
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout


@dataclass(frozen=True)
class EncryptedColumn:
    table: sa.Table
    column: str

    @property
    def aad(self) -> str:
        return f"{self.table.name}.{self.column}"


def encrypted_columns(conn: Connection | None = None) -> list[EncryptedColumn]:
    """Every encrypted column of the models; with `conn`, only those its database has already (a
    migration of an older revision runs before the columns added after it exist)."""
    present = _in_database(conn) if conn is not None else None
    return [
        EncryptedColumn(table, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
        and (present is None or (table.name, column.name) in present)
    ]


def _in_database(conn: Connection) -> set[tuple[str, str]]:
    inspector = sa.inspect(conn)
    return {(t, c["name"]) for t in inspector.get_table_names() for c in inspector.get_columns(t)}


def encrypted_tables() -> list[sa.Table]:
    return list(dict.fromkeys(target.table for target in encrypted_columns()))


def _encrypted(table: sa.Table) -> list[sa.Column[object]]:
    return [column for column in table.columns if isinstance(column.type, EncryptedText)]


def _raw(column: sa.Column[object]) -> sa.ColumnElement[str]:
    return sa.type_coerce(column, sa.Text)  # the stored text, not decrypted


def _stale(column: sa.Column[object], kid: int) -> sa.ColumnElement[bool]:
    return sa.and_(column.is_not(None), sa.not_(_raw(column).startswith(f"a3e:{kid}:")))


class Undecryptable(Exception):
    """A stored value that no key opens: moved from another column, or damaged."""


@dataclass(frozen=True)
class Batch:
    rows: int  # rows read (0: nothing left after the given key)
    values: int  # values rewritten
    skipped: int  # rows a writer changed after the batch read them: looked at on the next pass
    last: tuple[object, ...] | None  # the primary key of the last row read


def reencrypt(
    conn: Connection,
    keys: FieldKeys,
    table: sa.Table,
    *,
    kid: int,
    after: tuple[object, ...] | None = None,
    limit: int = BATCH,
    only: set[tuple[str, str]] | None = None,
) -> Batch:
    """Rewrite under key `kid` the values of the next `limit` rows of `table` (by primary key, after
    `after`) that hold plaintext or a value under another key (`only`: of these columns alone)."""
    columns = [c for c in _encrypted(table) if only is None or (table.name, c.name) in only]
    key = list(table.primary_key.columns)
    query = sa.select(*key, *(_raw(c) for c in columns)).where(sa.or_(*(_stale(c, kid) for c in columns)))
    if after is not None:
        query = query.where(sa.tuple_(*key) > sa.tuple_(*after))
    rows = conn.execute(query.order_by(*key).limit(limit)).all()
    values = skipped = 0
    for row in rows:
        ids, stored = tuple(row[: len(key)]), row[len(key) :]
        old = {
            c: str(v) for c, v in zip(columns, stored, strict=True) if v is not None and key_id(str(v)) != kid
        }
        new = {
            # Bound as plain text: through the column's own type the ciphertext would be encrypted again.
            c.name: sa.literal(
                keys.encrypt(_plaintext(keys, v, column=c, ids=ids), aad=_aad(c), kid=kid), sa.Text
            )
            for c, v in old.items()
        }
        unchanged = [
            *(k == i for k, i in zip(key, ids, strict=True)),
            *(_raw(c) == v for c, v in old.items()),
        ]
        if conn.execute(sa.update(table).where(*unchanged).values(new)).rowcount:
            values += len(new)
        else:
            skipped += 1
    return Batch(
        rows=len(rows), values=values, skipped=skipped, last=tuple(rows[-1][: len(key)]) if rows else None
    )


def _aad(column: sa.Column[object]) -> str:
    assert isinstance(column.type, EncryptedText)  # noqa: S101 - only encrypted columns come here
    return column.type.aad


def _plaintext(keys: FieldKeys, stored: str, *, column: sa.Column[object], ids: tuple[object, ...]) -> str:
    """The plaintext of a stored value.

    Rotations and conversions before this version encrypted every value twice (names read as `a3e:…`,
    lists as single characters): those are unwrapped here, so rotating once more repairs them. Only a
    text that opens under our key for this very column is taken for a wrapped value."""
    aad = _aad(column)
    try:
        text = keys.decrypt(stored, aad=aad) if is_encrypted(stored) else stored
    except (InvalidTag, ValueError):
        where = " ".join(str(i) for i in ids)
        raise Undecryptable(
            f"{aad} of {column.table.name} {where} does not decrypt (damaged, or moved from another column)"
        ) from None
    while (inner := _wrapped(text)) is not None:
        try:
            text = keys.decrypt(inner, aad=aad)
        except (InvalidTag, ValueError):
            break
    return text


def _wrapped(text: str) -> str | None:
    """The ciphertext inside a value encrypted twice: as it is, or as the JSON list of its characters."""
    if is_encrypted(text):
        return text
    if text.startswith('["a","3","e",":"'):
        characters = json.loads(text)
        if all(isinstance(c, str) and len(c) == 1 for c in characters):
            return "".join(characters)
    return None


def encrypt_plaintext(conn: Connection, keys: FieldKeys) -> None:
    """Encrypt under key 1 every value written before encryption existed, in the caller's transaction."""
    present = _in_database(conn)
    for table in encrypted_tables():
        if not any((table.name, c.name) in present for c in _encrypted(table)):
            continue
        after = None
        while (batch := reencrypt(conn, keys, table, kid=1, after=after, only=present)).rows:
            after = batch.last


def remaining(conn: Connection, active: int) -> dict[str, int]:
    """Values per column not under the active key (plaintext included), and documents' chunks."""
    counts = {}
    for target in encrypted_columns(conn):
        query = sa.select(sa.func.count()).where(_stale(target.table.c[target.column], active))
        counts[target.aad] = int(conn.execute(query).scalar_one())
    if sa.inspect(conn).has_table(document_service.CHUNKS.name):
        counts[CHUNKS_AAD] = document_service.stale_chunks(conn, kid=active)
    return counts


class KeyChangeRefused(Conflict):
    """The active key could not be changed: write transactions kept running past every try."""


@dataclass(frozen=True)
class Rotation:
    """What `rotate` did. `failure`: why it stopped before the end (None: it finished); `remaining`:
    values per column still under older keys (None if even counting them failed)."""

    key_id: int
    reencrypted: int
    remaining: dict[str, int] | None
    failure: str | None


def rotate(
    engine: Engine, keyring: Keyring, *, batch: int = BATCH, progress: Callable[[int], None] = lambda _: None
) -> Rotation:
    """Make a new key active and rewrite every value under it; `progress` gets the values of each batch."""
    new = _activate_next_key(engine)
    keyring.fields.set_active(new)
    done, failure = 0, None
    try:
        for table in encrypted_tables():
            done += _rotate_table(engine, keyring, table, kid=new, batch=batch, progress=progress)
        done += _rotate_chunks(engine, keyring, kid=new, progress=progress)
    except (Exception, KeyboardInterrupt) as exc:  # whatever it is, the report must still come
        failure = _reason(exc)
    try:
        with engine.connect() as conn:
            left: dict[str, int] | None = remaining(conn, new)
    except sa.exc.SQLAlchemyError:
        left = None
    return Rotation(key_id=new, reencrypted=done, remaining=left, failure=failure)


def _activate_next_key(engine: Engine) -> int:
    """The next key id, made active once no write transaction is in flight (see the module docstring)."""
    meta = SQLModel.metadata.tables["app_meta"]
    for _ in range(KEY_CHANGE_TRIES):
        try:
            with engine.begin() as conn:  # not a unit of work: it would hold the lock shared already
                if conn.dialect.name == "postgresql":
                    # A queued exclusive lock holds up new writers too: never for long.
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(KEY_CHANGE_WAIT_S * 1000)}ms'")
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({KEY_CHANGE_LOCK})")
                current = conn.exec_driver_sql(ACTIVE_KEY_QUERY).scalar()
                new = int(current or 1) + 1
                if current is None:
                    conn.execute(sa.insert(meta).values(key=ACTIVE_KEY, value=str(new)))
                else:
                    conn.execute(sa.update(meta).where(meta.c.key == ACTIVE_KEY).values(value=str(new)))
            return new
        except sa.exc.DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise KeyChangeRefused(f"The active key is unchanged: {_reason(exc)}.") from None
            time.sleep(KEY_CHANGE_WAIT_S / 2)  # let the writers queued behind us through
    raise KeyChangeRefused(
        f"Write transactions kept running for {KEY_CHANGE_TRIES} tries of {KEY_CHANGE_WAIT_S} s (an import?): "
        "the active key is unchanged. Run the rotation again when they are done."
    )


def _rotate_table(
    engine: Engine,
    keyring: Keyring,
    table: sa.Table,
    *,
    kid: int,
    batch: int,
    progress: Callable[[int], None],
) -> int:
    done = 0
    for _ in range(PASSES):
        after, skipped = None, 0
        while True:
            with unit_of_work(engine, keyring) as session:
                step = reencrypt(
                    session.connection(), keyring.fields, table, kid=kid, after=after, limit=batch
                )
            if not step.rows:
                break
            done, skipped, after = done + step.values, skipped + step.skipped, step.last
            progress(step.values)
        if not skipped:
            break
    return done


def _rotate_chunks(engine: Engine, keyring: Keyring, *, kid: int, progress: Callable[[int], None]) -> int:
    """Documents' chunks, a few at a time (each is up to 1 MiB), in short transactions like the values."""
    done, after = 0, None
    while True:
        with unit_of_work(engine, keyring) as session:
            count, after = document_service.reseal_batch(
                session.connection(), keyring.fields, kid=kid, after=after, limit=CHUNK_BATCH
            )
        if after is None:
            return done
        done += count
        progress(count)


def _reason(exc: BaseException) -> str:
    """What stopped a rotation, without the values involved."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, Undecryptable):
        return str(exc)
    if isinstance(exc, sa.exc.DBAPIError):
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        return f"the database refused a batch ({first})"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"


def checkpoint(engine: Engine) -> None:
    """SQLite: write the WAL into the database file and empty it, so no old page lingers there.

    It waits for readers and writers to finish: run it when converting (`article3 migrate`), not
    under load."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def decrypt_all(conn: Connection, keys: FieldKeys) -> None:
    """Back to plaintext (only for downgrading the schema below encryption)."""
    for target in encrypted_columns(conn):
        table, value = target.table, target.table.c[target.column]
        primary = list(table.primary_key.columns)
        rows = conn.execute(sa.select(*primary, _raw(value)).where(_raw(value).startswith("a3e:")))
        for row in list(rows):
            ids: list[object] = list(row[:-1])
            where = sa.and_(*(c == v for c, v in zip(primary, ids, strict=True)))
            plain = keys.decrypt(str(row[-1]), aad=target.aad)
            conn.execute(sa.update(table).where(where).values({target.column: sa.literal(plain, sa.Text)}))
