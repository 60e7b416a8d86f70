"""Engines and the unit of work: the only place in the code base that commits.

SQLite is set up so that no concurrent write is lost: WAL, a busy timeout, pysqlite's own transaction
handling turned off and every write transaction opened with BEGIN IMMEDIATE, so a read-modify-write
holds the write lock from its first read. (SQLModel's default setup lost 979 of 1000 concurrent
increments in our study, silently.) Reads that record nothing use a second engine with a plain BEGIN,
so under WAL they never wait for writers. On PostgreSQL, services lock the rows they read-modify-write
with `SELECT … FOR UPDATE`.
"""

import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import metrics, private_file
from app.keyring import Keyring

WRITE_WAIT_S = 60
# Where app.services.audit lists the actions a unit of work appended: counted once it commits.
AUDIT_ACTIONS = "audit_actions"
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "busy_timeout=30000",
    "synchronous=FULL",
    "secure_delete=ON",
)


IDLE_PING_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection before it is used only if it lay idle IDLE_PING_S or longer.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: a round trip more for each of the three
    connections an audited read takes (its read, the rate limit, the audit writer), about a tenth of
    the read's round trips. A connection given back moments ago is one a request just used, so the ping
    is kept for the ones that waited, which a database restart or an idle timeout may have closed:
    a failed ping makes the pool open a fresh connection (`DisconnectionError`), so the request never
    sees it. A connection that breaks between two requests less than IDLE_PING_S apart fails its next
    request once, and SQLAlchemy then replaces every connection the pool held."""

    @event.listens_for(engine, "checkin")
    def _given_back(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return  # new, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection did not answer its ping") from error


def make_engine(
    url: str, *, writer: bool, keyring: Keyring | None = None, pooled: bool = True, foreign_keys: bool = True
) -> Engine:
    """`pooled=False` for one-off engines (command line, migrations) that must not keep connections open.

    The keyring's field keys ride on the engine's dialect, where the encrypted column types find them
    (an engine without a keyring cannot read or write personal data).

    Migrations pass `foreign_keys=False`: SQLite's batch mode rebuilds tables, and dropping a parent
    table with foreign keys on would cascade-delete its children.
    """
    pool: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    if not url.startswith("sqlite"):
        if pooled:
            # Requests beyond the pool wait for a connection (never fail): PostgreSQL's own limit is
            # often 100 connections for every process of every instance together.
            pool = {"pool_size": 10, "max_overflow": 10, "pool_timeout": 60}
        engine = create_engine(url, hide_parameters=True, **pool)
        if pooled:
            _ping_when_idle(engine)
        return _with_keys(engine, keyring)
    if pooled:
        # Up to 48 requests in flight (app/middleware.py) on 64 threads, plus the group writers' threads:
        # every one keeps its connection. A connection past `pool_size` is closed when given back, and
        # opening one again (its pragmas, WAL set-up) cost more than the read it served.
        pool = {"pool_size": 72, "max_overflow": 8}
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file.create(Path(database))  # 0600, and so its -wal and -shm
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True, **pool
    )
    writers = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite must not open transactions behind our back
        for pragma in SQLITE_PRAGMAS:
            dbapi_conn.execute(f"PRAGMA {pragma}")
        dbapi_conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not writer:
            conn.exec_driver_sql("BEGIN")
            return
        # SQLite has one writer at a time. This process's writers wait on a lock rather than spin in
        # SQLite's busy handler, whose sleeps starve unlucky waiters past any timeout under load.
        if not writers.acquire(timeout=WRITE_WAIT_S):
            raise sqlite3.OperationalError(f"database is locked: no write slot within {WRITE_WAIT_S} s")
        conn.info["writer_slot"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            conn.info.pop("writer_slot", None)
            writers.release()
            raise

    def _release(conn: Any) -> None:
        if conn.info.pop("writer_slot", False):
            writers.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    return _with_keys(engine, keyring)


def _with_keys(engine: Engine, keyring: Keyring | None) -> Engine:
    if keyring is not None and getattr(engine.dialect, "article3_field_keys", None) is not keyring.fields:
        engine.dialect.article3_field_keys = keyring.fields  # type: ignore[attr-defined]
    return engine


ACTIVE_KEY_QUERY = "SELECT value FROM app_meta WHERE key = 'field_key_active'"
# PostgreSQL advisory lock (an arbitrary number of ours): shared by every write transaction (but those of
# a unit of work that writes no encrypted field: `unit_of_work(audit_only=True)`), taken exclusively by
# `article3 keys rotate` while it changes the active key id.
KEY_CHANGE_LOCK = 0x61336B6579  # "a3key"


def _read_active_key(session: Session, _transaction: object, connection: Connection) -> None:
    """A unit of work reads the active field key id as its transaction begins, so nothing it writes is
    encrypted under a key older than the one active when it began.

    A rotation changes the id only once no write transaction is in flight: on SQLite it holds the one
    write lock, on PostgreSQL the advisory lock above exclusively (each unit of work holds it shared
    until it ends). Nothing begun before the change writes after it, and nothing begun after reads the
    old id. The read is at the session's first statement, never on entering the unit of work: a
    request's write session holds no write slot while its other dependencies run (the quota check
    writes a refusal in a unit of work of its own). A unit of work opened with `audit_only=True`
    encrypts nothing, so it needs neither the id nor the lock."""
    keyring = session.info.get("keyring") if session.info.get("writes") else None
    if keyring is None or not session.info.get("field_keys", True):
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({KEY_CHANGE_LOCK})")
    row = connection.exec_driver_sql(ACTIVE_KEY_QUERY).first()
    keyring.fields.set_active(int(row[0]) if row else 1)


event.listen(Session, "after_begin", _read_active_key)


# What every unit of work installs on the session it opens: the upkeep of the derived tables, handed over
# by each entry point as it starts (`app.services.flag_upkeep.install`). Nothing hooks every Session.
_UPKEEP: list[Callable[[Session], None]] = []


def install_upkeep(watch: Callable[[Session], None]) -> None:
    """Have every unit of work from now on call `watch` on its session before using it (once per `watch`)."""
    if watch not in _UPKEEP:
        _UPKEEP.append(watch)


@contextmanager
def unit_of_work(engine: Engine, keyring: Keyring, *, audit_only: bool = False) -> Iterator[Session]:
    """Commit if the block returns, roll back if it raises. The keyring rides along in `session.info`, and
    the upkeep the entry point installed watches the session (`install_upkeep`).

    `audit_only=True` for a unit of work that writes the audit trail alone (the audit writer's entries,
    chain head and daily counts: ids and numbers, no encrypted field, no person): it neither takes the
    key rotation's lock nor reads the active field key id (two round trips on PostgreSQL), so it never
    holds a rotation up, and the upkeep of the derived tables does not watch it."""
    _with_keys(engine, keyring)
    info = {"keyring": keyring, "writes": True, "field_keys": not audit_only}
    with Session(engine, expire_on_commit=False, info=info) as session:
        for watch in () if audit_only else _UPKEEP:
            watch(session)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
        metrics.count_audit_appends(session.info.pop(AUDIT_ACTIONS, ()))


@asynccontextmanager
async def _request_unit_of_work(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work. Entering it does no I/O (its transaction begins at its first
    statement), so it is entered on the event loop; its commit or rollback goes to a worker thread only
    when a transaction began (a route that handed its write to the write group used none)."""
    work = unit_of_work(request.state.write_engine, request.state.keyring)
    session = work.__enter__()
    request.state.write_session = session  # a POST's Idempotency-Key answer commits in it too
    try:
        yield session
    except BaseException as error:
        if session.in_transaction():
            await run_in_threadpool(work.__exit__, type(error), error, error.__traceback__)
        else:
            work.__exit__(type(error), error, error.__traceback__)
        raise
    if session.in_transaction():
        await run_in_threadpool(work.__exit__, None, None, None)
    else:
        work.__exit__(None, None, None)


async def _write_session(request: Request) -> AsyncIterator[Session]:
    async with _request_unit_of_work(request) as session:
        yield session


async def _keyed_write_session(request: Request) -> AsyncIterator[Session | None]:
    """The request's unit of work only for a POST with an Idempotency-Key (its answer is stored in it
    with the write); None otherwise, for a route that hands its write to the write group and would
    open a session only to leave it unused."""
    if getattr(request.state, "idempotency", None) is None:
        yield None
        return
    async with _request_unit_of_work(request) as session:
        yield session


@contextmanager
def reading(engine: Engine, keyring: Keyring, *, autocommit: bool = False) -> Iterator[Session]:
    """A session for reads: whatever it did is rolled back at the end.

    `autocommit=True` (PostgreSQL; SQLite keeps its transaction, its one snapshot): no transaction, each
    statement on its own. At READ COMMITTED, PostgreSQL's level here, each statement of a transaction
    sees what had committed when it began, exactly as it would alone, so a request's read bought nothing
    with its transaction but a BEGIN and a ROLLBACK: two round trips of an audited read's twenty. Not for
    reads that stream (a server-side cursor needs a transaction) or lock rows."""
    with Session(engine, info={"keyring": keyring}) as session:
        if autocommit and engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        try:
            yield session
        finally:
            session.rollback()


def _read_session(request: Request) -> Iterator[Session]:
    with reading(request.state.read_engine, request.state.keyring) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a 2xx never precedes a failed commit.
WriteSession = Annotated[Session, Depends(_write_session, scope="function")]
KeyedWriteSession = Annotated[Session | None, Depends(_keyed_write_session, scope="function")]
ReadSession = Annotated[Session, Depends(_read_session, scope="function")]
