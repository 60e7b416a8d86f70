"""Group commit of audited reads: one thread appends the audit entries of concurrent reads in one
transaction, and each read is answered only once its entry has committed.

A read used to append its entry and commit in a transaction of its own, behind SQLite's one write lock
(PostgreSQL: the chain head's row lock), so reads queued one commit at a time however many came at
once. Here every request hands its entry to the process's one `AuditWriter` and waits (without holding
a thread). The writer takes every entry waiting, appends them in arrival order in one transaction
(`audit.append_many`: chained, numbered without gaps, durably committed, `synchronous=FULL` on SQLite),
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

from sqlalchemy import Engine

from app.db import unit_of_work
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
        outcomes: list[bool] = []
        try:
            # Entries, chain head and daily counts only: no field key to read, no derived table to keep.
            with unit_of_work(self._engine, self._keyring, audit_only=True) as session:
                # The chain's head first: every process's batches take it in turn, so the counts answered
                # with it include every entry committed before (`audit.lock_head`).
                counted = {
                    waiting.entry.actor
                    for waiting in batch
                    if waiting.quota is not None and waiting.entry.action in daily_read_count.COUNTED
                }
                day = daily_read_count.day_of(utcnow().date())
                used = audit.lock_head(session, counts_of=counted, day=day)
                at = utcnow()
                if daily_read_count.day_of(at.date()) != day:  # midnight passed while the head was awaited
                    day = daily_read_count.day_of(at.date())
                    used = daily_read_count.used_by(session, actors=counted, day=day)
                entries = []
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
                            entries.append(entry)
                            continue
                        used[entry.actor] += 1
                    outcomes.append(True)
                    entries.append(entry)
                audit.append_many(session, entries, at=at)
        except Exception as error:  # every request of the batch fails: none is answered as recorded
            log.exception("audit batch of %d entries failed to commit", len(batch))
            for waiting in batch:
                self._answer(waiting, None, error)
            return
        for waiting, appended in zip(batch, outcomes, strict=True):
            self._answer(waiting, appended, None)

    @staticmethod
    def _answer(waiting: _Waiting, appended: bool | None, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # a loop that has closed: nobody is waiting any more
            waiting.loop.call_soon_threadsafe(settle, waiting.answer, appended, error)
