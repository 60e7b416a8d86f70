"""Latency of GET /api/v1/persons/{id}/history for the person with 200 dated events.

Usage:
    .venv/bin/python bench/synth.py bench/out/synth.db --force      # once: 100,000 persons, 1,000,000 records
    .venv/bin/python bench/history_p95.py bench/out/synth.db [--requests 500] [--warmup 50]
        [--person-id ID] [--secret-key KEY]

Starts uvicorn (one worker) on the synthetic database, mints a viewer token for the organisation
`bench`, sends `--warmup` requests, then `--requests` sequential requests over one keep-alive
connection, and prints p50/p95/p99 (target: p95 < 20 ms). Each call also writes its audit entry.
Without --person-id the person with the most notices is taken (synth.py's 200-event person).
One experiment: --analyze benchmarks a copy with SQLite planner statistics.
"""

import argparse
import sqlite3
import statistics
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from benchlib import (
    OUT,
    Server,
    database_url,
    machine_load,
    mint_token,
    ms,
    percentile,
    secret_key,
    server_times,
    write_private,
)

from app.models.token import Role
from app.settings import sqlite_path

TARGET_P95_S = 0.020


def history_person(url: str) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT person_id FROM notice GROUP BY person_id ORDER BY count(*) DESC LIMIT 1")
        ).first()
    engine.dispose()
    if row is None:
        raise SystemExit("the database has no notices: run bench/synth.py first")
    return str(row[0])


def analyzed_copy(url: str, key: str) -> str:
    """A copy of the SQLite database with planner statistics (ANALYZE): without them SQLite may answer
    `WHERE org_id = ? AND person_id = ?` through the org_id index, scanning the whole organisation."""
    source = sqlite_path(url)
    if source is None:
        raise SystemExit("--analyze works on SQLite files only")
    target = OUT / "history_analyzed.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
        copy.execute("ANALYZE")
    write_private(Path(f"{target}.key"), key)
    return f"sqlite:///{target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default="bench/out/synth.db", help="SQLite path or URL")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--person-id", default=None)
    parser.add_argument("--secret-key", default=None)
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="experiment (SQLite): benchmark a copy of the database with ANALYZE statistics",
    )
    args = parser.parse_args()

    url = database_url(args.database)
    key = secret_key(url, args.secret_key)
    if args.analyze:
        url = analyzed_copy(url, key)
    person_id = args.person_id or history_person(url)
    token = mint_token(url, key, org="bench", role=Role.viewer)
    load = machine_load()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/persons/{person_id}/history"

    with (
        Server(url, key, log=OUT / "history_p95.server.log") as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=30) as client,
    ):
        first = client.get(path)
        first.raise_for_status()
        events = len(first.json()["events"])
        for _ in range(args.warmup):
            client.get(path).raise_for_status()
        server_times(client)
        latencies: list[float] = []
        failures = 0
        began = time.perf_counter()
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - t0)
            failures += response.status_code != 200
        wall = time.perf_counter() - began
        on_server = server_times(client)
        size = len(first.content)

    p95 = percentile(latencies, 95)
    print(f"database     {url}")
    print(f"person       {person_id}: {events} history events, {size:,} bytes per answer")
    print(f"server       uvicorn, 1 worker; ready {server.startup_s:.1f} s after start")
    print(f"machine      {load} before the run")
    print(f"requests     {args.requests} sequential after {args.warmup} warm-up, {failures} not 200")
    print(
        f"latency      p50 {ms(percentile(latencies, 50))}  p95 {ms(p95)}  p99 {ms(percentile(latencies, 99))}"
        f"  max {ms(max(latencies))}  mean {ms(statistics.fmean(latencies))}"
    )
    print(
        f"on server    p50 {ms(percentile(on_server, 50))}  p95 {ms(percentile(on_server, 95))}"
        "  (first ASGI event to last body byte; the rest is the client and the loopback)"
    )
    print(f"throughput   {args.requests / wall:.0f} requests/s (one client)")
    verdict = "PASS" if p95 < TARGET_P95_S and failures == 0 else "FAIL"
    print(f"target       p95 < {ms(TARGET_P95_S)}: {verdict}")


if __name__ == "__main__":
    main()
