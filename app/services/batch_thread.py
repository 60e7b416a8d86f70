"""A thread that takes what waits in its queue in batches: the common part of group commit
(`audit_writer.AuditWriter` for audited reads, `write_group.WriteGroup` for writes).

Requests `put` an item and await its answer; the thread takes the first item waiting and every other
already there (up to `max_batch`), hands the batch to `commit`, and goes on. `stop` lets it finish what
is waiting first.
"""

import asyncio
import queue
import threading
from typing import Any, Generic, TypeVar

W = TypeVar("W")


def settle(answer: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    """Answer a waiting request, from the thread's loop; one cancelled meanwhile (its client went away)
    is left as it is: what it asked for stands."""
    if answer.done():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)


class BatchThread(Generic[W]):
    """Started and stopped by the app's lifespan; a subclass says what `commit` does with a batch."""

    def __init__(self, name: str, *, max_batch: int) -> None:
        self._name, self._max_batch = name, max_batch
        self._queue: queue.SimpleQueue[W | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Handle what is still waiting, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def put(self, item: W) -> None:
        if self._thread is None:
            raise RuntimeError(f"the {self._name} thread is not running")
        self._queue.put(item)

    def commit(self, batch: list[W]) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self.commit(batch)
