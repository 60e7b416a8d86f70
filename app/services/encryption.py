"""Personal data at rest: which columns are encrypted, converting plaintext, and rotating the key.

Every value is re-encrypted under the active key in batches of short transactions, so rotation runs
while the service serves; values written meanwhile by any process already use the new key, since
processes re-read the active key id at least every two seconds.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.db import unit_of_work
from app.keyring import ACTIVE_KEY_TTL_S, FieldKeys, Keyring, is_encrypted
from app.models import SQLModel
from app.models.encrypted import EncryptedText
from app.models.flag import AppMeta

ACTIVE_KEY = "field_key_active"
BATCH = 500


@dataclass(frozen=True)
class EncryptedColumn:
    table: sa.Table
    column: str

    @property
    def aad(self) -> str:
        return f"{self.table.name}.{self.column}"


def encrypted_columns() -> list[EncryptedColumn]:
    return [
        EncryptedColumn(table, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def _raw(column: sa.Column[object]) -> sa.ColumnElement[str]:
    return sa.type_coerce(column, sa.Text)  # the stored text, not decrypted


def _stale_rows(
    conn: Connection, target: EncryptedColumn, active: int, limit: int
) -> list[sa.Row[tuple[object, ...]]]:
    table, value = target.table, target.table.c[target.column]
    keys = list(table.primary_key.columns)
    query = (
        sa.select(*keys, _raw(value))
        .where(value.is_not(None), sa.not_(_raw(value).startswith(f"a3e:{active}:")))
        .limit(limit)
    )
    return list(conn.execute(query))


def reencrypt(conn: Connection, keys: FieldKeys, *, limit: int = BATCH) -> int:
    """Encrypt up to `limit` values per column that are plaintext or under an older key; how many done."""
    done = 0
    for target in encrypted_columns():
        table = target.table
        primary = list(table.primary_key.columns)
        for row in _stale_rows(conn, target, keys.active_kid, limit):
            ids: list[object] = list(row[:-1])
            stored = row[-1]
            text = str(stored)
            plain = keys.decrypt(text, aad=target.aad) if is_encrypted(text) else text
            where = sa.and_(*(c == v for c, v in zip(primary, ids, strict=True)))
            conn.execute(
                sa.update(table)
                .where(where)
                .values({target.column: keys.encrypt(plain, aad=target.aad)})
                .execution_options(synchronize_session=False)
            )
            done += 1
    return done


def remaining(conn: Connection, active: int) -> dict[str, int]:
    """Values per column not under the active key (plaintext included)."""
    counts = {}
    for target in encrypted_columns():
        value = target.table.c[target.column]
        query = sa.select(sa.func.count()).where(
            value.is_not(None), sa.not_(_raw(value).startswith(f"a3e:{active}:"))
        )
        counts[target.aad] = int(conn.execute(query).scalar_one())
    return counts


def active_key(session: Session) -> int:
    row = session.get(AppMeta, ACTIVE_KEY)
    return int(row.value) if row else 1


def rotate(
    engine: Engine, keyring: Keyring, *, progress: Callable[[int], None] = lambda _: None
) -> tuple[int, dict[str, int]]:
    """Make a new key active, re-encrypt everything under it in batches; (new key id, values left behind)."""
    with unit_of_work(engine, keyring) as session:
        new = active_key(session) + 1
        row = session.get(AppMeta, ACTIVE_KEY) or AppMeta(key=ACTIVE_KEY, value="1")
        row.value = str(new)
        session.add(row)
    keyring.fields.set_active(new)
    time.sleep(ACTIVE_KEY_TTL_S + 0.5)  # every process now writes under the new key
    for done in _batches(engine, keyring):
        progress(done)
    with unit_of_work(engine, keyring) as session:
        left = remaining(session.connection(), new)
    return new, left


def _batches(engine: Engine, keyring: Keyring) -> Iterator[int]:
    while True:
        with unit_of_work(engine, keyring) as session:
            done = reencrypt(session.connection(), keyring.fields)
        if not done:
            return
        yield done


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
    for target in encrypted_columns():
        table, value = target.table, target.table.c[target.column]
        primary = list(table.primary_key.columns)
        rows = conn.execute(sa.select(*primary, _raw(value)).where(_raw(value).startswith("a3e:")))
        for row in list(rows):
            ids: list[object] = list(row[:-1])
            where = sa.and_(*(c == v for c, v in zip(primary, ids, strict=True)))
            plain = keys.decrypt(str(row[-1]), aad=target.aad)
            conn.execute(sa.update(table).where(where).values({target.column: sa.literal(plain, sa.Text)}))
