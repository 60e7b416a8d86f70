"""CPU and wall time of `deadline.collect` over the whole database: what a reminder round
(app/services/reminder.py) does before it queues anything.

Usage:
    .venv/bin/python bench/reminders.py postgresql+psycopg://postgres@127.0.0.1:5432/a3_x [--repeat 3]
        [--secret-key KEY] [--today 2026-12-05]

The target is a SQLite file path or any SQLAlchemy URL, e.g. a database filled by bench/synth.py (the
secret key as benchlib.secret_key finds it). Each pass opens a unit of work on a writer engine, as a
round does, and calls `collect(session, org_id=None, today=…)`; it prints that pass's CPU seconds
(`time.process_time`, this process only: the database server's work is not in it) and wall seconds.
Then the deadlines by kind and a SHA-256 of every field of every deadline, in order: two versions of
the code that print the same digest answered the same deadlines.
"""

import argparse
import hashlib
import time
from collections import Counter
from datetime import date

from benchlib import database_url, secret_key

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.services import deadline


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target")
    parser.add_argument("--secret-key")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    url = database_url(args.target)
    keyring = Keyring(secret_key(url, args.secret_key).encode())
    engine = make_engine(url, writer=True, keyring=keyring, pooled=False)
    found: list[deadline.Deadline] = []
    for i in range(args.repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        with unit_of_work(engine, keyring) as session:
            found = deadline.collect(session, org_id=None, today=args.today)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"pass {i + 1}: collect {cpu:.3f} s CPU, {wall:.3f} s wall, {len(found):,} deadlines")
    engine.dispose()
    digest = hashlib.sha256()
    for d in found:
        digest.update(repr(tuple(getattr(d, f) for f in deadline.Deadline.__dataclass_fields__)).encode())
    kinds = Counter(d.kind.value for d in found)
    print(", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds.items())), f"(today {args.today})")
    print(f"digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
