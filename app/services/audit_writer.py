"""Group commit of audited reads: one thread appends the audit entries of concurrent reads in one
transaction, and each read is answered only once its entry has committed.

A read used to append its entry and commit in a transaction of its own, behind SQLite's one write lock
(PostgreSQL: the chain head's row lock), so reads queued one commit at a time however many came at
once. Here every request hands its entry to the process's one `AuditWriter` and waits (without holding
a thread). The writer takes every entry waiting, appends them in arrival order in one transaction
(`audit.append_rows`: chained, numbered without gaps, durably committed, `synchronous=FULL` on SQLite),
then answers each waiting request. A batch that fails to commit fails every request in it: none is
answered as if its read were recorded.

The daily quota is decided here too, exactly: within the batch's transaction each counted entry is
checked against its actor's count of the day (`daily_read_count`), so concurrent reads never pass the
quota together. An entry over the quota is replaced by a `quota.exceeded` entry and its request refused.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from app import metrics
from app.keyring import Keyring
from app.models.base import utcnow
from app.services import audit, daily_read_count
from app.services.batch_thread import BatchThread, settle
from app.services.quota import EXCEEDED

log = logging.getLogger("article3")
MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class _Waiting:
    entry: audit.NewEntry
    quota: int | None
    loop: asyncio.AbstractEventLoop
    answer: "asyncio.Future[bool]"


class AuditWriter(BatchThread[_Waiting]):
    """The process's one writer of audited reads' entries (started and stopped by the app's lifespan)."""

    def __init__(self, engine: Engine, keyring: Keyring, *, max_batch: int = MAX_BATCH) -> None:
        self._engine, self._keyring = engine, keyring
        super().__init__("audit-writer", max_batch=max_batch)

    async def append(self, entry: audit.NewEntry, *, quota: int | None = None) -> bool:
        """Wait until `entry` has committed: True. False when `quota` (the actor's daily quota, for an
        entry the quota counts) was reached: then a `quota.exceeded` entry committed in its place.
        Raises what the batch's commit raised."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bool] = loop.create_future()
        self.put(_Waiting(entry, quota, loop, answer))
        return await answer

    def commit(self, batch: list[_Waiting]) -> None:
        try:
            # Entries, chain head and daily counts only, on a bare connection: no field key to read, no
            # derived table to keep, no ORM object (its handling cost more than the writes).
            with self._engine.begin() as connection:
                outcomes, entries = self._append(connection, batch)
        except Exception as error:  # every request of the batch fails: none is answered as recorded
            log.exception("audit batch of %d entries failed to commit", len(batch))
            for waiting in batch:
                self._answer(waiting, None, error)
            return
        try:  # counted once committed; a failure to count must neither fail the batch nor end this thread
            metrics.count_audit_appends(entry.action for entry in entries)
        except Exception:
            log.exception("counting an audit batch of %d entries for /metrics failed", len(batch))
        for waiting, appended in zip(batch, outcomes, strict=True):
            self._answer(waiting, appended, None)

    def _append(self, connection: Connection, batch: list[_Waiting]) -> tuple[list[bool], list[audit.Linked]]:
        """The batch's entries appended in its transaction, a `quota.exceeded` entry in place of each
        read its actor's daily quota refuses; whether each read was appended."""
        # The chain's head first: every process's batches take it in turn, so the counts answered with it
        # include every entry committed before (`audit.take_head`).
        counted = {
            waiting.entry.actor
            for waiting in batch
            if waiting.quota is not None and waiting.entry.action in daily_read_count.COUNTED
        }
        day = daily_read_count.day_of(utcnow().date())
        seq, hash_, used = audit.take_head(connection, counts_of=counted, day=day)
        at = utcnow()
        if daily_read_count.day_of(at.date()) != day:  # midnight passed while the head was awaited
            day = daily_read_count.day_of(at.date())
            used = daily_read_count.used_by(connection, actors=counted, day=day)
        outcomes: list[bool] = []
        wanted = []
        for waiting in batch:
            entry = waiting.entry
            if waiting.quota is not None and entry.action in daily_read_count.COUNTED:
                if used[entry.actor] >= waiting.quota:
                    entry = audit.NewEntry(
                        actor=entry.actor,
                        org_id=entry.org_id,
                        action=EXCEEDED,
                        object_kind="token",
                        object_id=entry.actor,
                    )
                    outcomes.append(False)
                    wanted.append(entry)
                    continue
                used[entry.actor] += 1
            outcomes.append(True)
            wanted.append(entry)
        return outcomes, audit.append_rows(connection, self._keyring.audit_key, (seq, hash_), wanted, at=at)

    @staticmethod
    def _answer(waiting: _Waiting, appended: bool | None, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # a loop that has closed: nobody is waiting any more
            waiting.loop.call_soon_threadsafe(settle, waiting.answer, appended, error)
