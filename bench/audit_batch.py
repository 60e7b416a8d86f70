"""What one audited read's batch costs the audit writer, one client at a time: the statements it sends
(each a round trip on PostgreSQL, with its BEGIN and COMMIT) and the process's CPU per batch; the same
for one check of the rate limit's PostgreSQL window.

Usage: .venv/bin/python bench/audit_batch.py postgresql+psycopg://postgres@127.0.0.1:5432/DB
       [--batches 1000] [--secret-key KEY]

The database must be migrated (a synth.py one will do). Each batch is one `person.history_read` entry
of one actor, under a daily quota it never reaches (so the quota's count is read); the entries stay.
"""

import argparse
import asyncio
import os
import time
from typing import Any

from benchlib import machine_load
from sqlalchemy import event

from app.db import make_engine
from app.keyring import Keyring
from app.services import audit
from app.services.audit_writer import AuditWriter
from app.services.rate_limit import DatabaseWindow

QUOTA = 10**9


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database")
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--secret-key", default=os.environ.get("ARTICLE3_SECRET_KEY", "bench-audit-batch"))
    args = parser.parse_args()
    keyring = Keyring(args.secret_key.encode())
    engine = make_engine(args.database, writer=True, keyring=keyring)
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split())[:60])

    def sent_unless_autocommit(what: str) -> Any:
        """BEGIN and COMMIT events fire on a connection without a transaction too, where psycopg sends nothing."""

        def note(conn: Any) -> None:
            if not getattr(conn.connection.driver_connection, "autocommit", False):
                sent.append(what)

        return note

    event.listen(engine, "begin", sent_unless_autocommit("BEGIN"))
    event.listen(engine, "commit", sent_unless_autocommit("COMMIT"))
    event.listen(engine, "before_cursor_execute", seen)
    writer = AuditWriter(engine, keyring)
    writer.start()
    entry = audit.NewEntry(
        actor="bench-audit-batch",
        org_id=None,
        action="person.history_read",
        object_kind="person",
        object_id="x",
    )

    async def batches(count: int) -> None:
        for _ in range(count):
            assert await writer.append(entry, quota=QUOTA)

    window = DatabaseWindow(engine, per_minute=QUOTA)
    try:
        asyncio.run(batches(20))  # warm: connections, compiled statements
        for _ in range(20):
            window.wait_s("token:bench-audit-batch")
        sent.clear()
        asyncio.run(batches(1))
        print(f"audit batch   {len(sent)} round trips: " + " | ".join(sent))
        sent.clear()
        window.wait_s("token:bench-audit-batch")
        print(f"rate limit    {len(sent)} round trips: " + " | ".join(sent))
        event.remove(engine, "before_cursor_execute", seen)
        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.run(batches(args.batches))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"audit batch   CPU {cpu / args.batches * 1e3:.3f} ms, wall {wall / args.batches * 1e3:.3f} ms a batch"
        )
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.batches):
            window.wait_s("token:bench-audit-batch")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"rate limit    CPU {cpu / args.batches * 1e3:.3f} ms, wall {wall / args.batches * 1e3:.3f} ms a check"
        )
        print(machine_load())
    finally:
        writer.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
