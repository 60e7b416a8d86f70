"""Group commit of writes: one thread runs the writes of concurrent requests in one transaction, each in
a savepoint of its own, commits once, and only then answers each request.

On SQLite every write transaction holds the one write lock from its first statement to its durable
commit (`synchronous=FULL`), and on PostgreSQL every write locks the audit chain's head row: writes
went one transaction at a time, each paying its own lock, its own commit and its own upkeep of the
derived indicator tables. Here the process's one `WriteGroup` takes every write waiting and runs them
in arrival order in one unit of work:

- each write runs in a savepoint: one that fails (a 404, a 409, a 422, any error) is rolled back alone
  and its request gets its error, the others go on;
- the derived tables are brought up to date once, before the commit, for every person the batch
  touched (`app.services.flag_upkeep`: the same rows as one transaction per write would leave); the
  persons the batch inserted are taken as inserted, not read and decrypted back, but those of a
  savepoint rolled back are forgotten (they are not in the database: no derived row for them);
- the audit entries chain in the order the writes ran, each in its write's savepoint;
- a commit that fails fails every write of the batch: none is answered as stored.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import AUDIT_ACTIONS, unit_of_work
from app.keyring import Keyring
from app.services import audit, flag
from app.services.batch_thread import BatchThread, settle

log = logging.getLogger("article3")
T = TypeVar("T")
MAX_BATCH = 64


@dataclass(frozen=True, slots=True)
class _Waiting:
    write: Callable[[Session], Any]
    loop: asyncio.AbstractEventLoop
    answer: "asyncio.Future[Any]"


class WriteGroup(BatchThread[_Waiting]):
    """The process's one runner of grouped writes (started and stopped by the app's lifespan)."""

    def __init__(self, engine: Engine, keyring: Keyring, *, max_batch: int = MAX_BATCH) -> None:
        self._engine, self._keyring = engine, keyring
        super().__init__("write-group", max_batch=max_batch)

    async def run(self, write: Callable[[Session], T]) -> T:
        """`write(session)`'s result once it has committed; its error, or the commit's, otherwise.
        `write` must not commit: it runs in a savepoint of a transaction shared with other writes."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        self.put(_Waiting(write, loop, answer))
        return await answer

    def commit(self, batch: list[_Waiting]) -> None:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            with unit_of_work(self._engine, self._keyring) as session:
                # The head is locked by the transaction itself, whatever savepoint fails, and kept in
                # memory: one head update for the batch, at the end.
                audit.defer_head(session)
                audit.defer_counts(session)  # the daily read counts: one upsert per actor, at the end
                flag.keep_new(session)  # the batch's new persons are recomputed from memory, not read back
                for waiting in batch:
                    appended = len(session.info.get(AUDIT_ACTIONS, ()))
                    counts = audit.deferred_counts(session)
                    chain = audit.chain_mark(session)
                    known = flag.known_mark(session)
                    try:
                        with session.begin_nested():
                            outcomes.append((waiting.write(session), None))
                    except Exception as error:  # this write alone is undone; its request gets the error
                        del session.info.get(AUDIT_ACTIONS, [])[appended:]
                        audit.restore_counts(session, counts)
                        audit.chain_undo(session, chain)
                        flag.forget_since(session, known)
                        outcomes.append((None, error))
                audit.apply_counts(session)
                audit.apply_head(session)
        except Exception as error:  # the commit failed: every write of the batch fails
            log.exception("a group of %d writes failed to commit", len(batch))
            outcomes = [(None, error)] * len(batch)
        for waiting, (result, failure) in zip(batch, outcomes, strict=True):
            with contextlib.suppress(RuntimeError):  # a loop that has closed: nobody is waiting any more
                waiting.loop.call_soon_threadsafe(settle, waiting.answer, result, failure)
