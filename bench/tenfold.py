"""The read paths on a big database, served by several uvicorn workers: start-up, memory and p95s.

Usage:
    nice -n 10 .venv/bin/python bench/synth.py postgresql+psycopg://postgres@127.0.0.1:5432/a3_tenfold \\
        --scale 10                                  # once: 1,000,000 persons, 10,000,000 records
    .venv/bin/python bench/tenfold.py postgresql+psycopg://postgres@127.0.0.1:5432/a3_tenfold
        [--workers 2] [--requests 500] [--warmup 50] [--name-queries 300] [--states-runs 5]
        [--index-alone] [--seed 7] [--secret-key KEY]

Made for issue 19's "ten times the data", and works on any database synth.py filled (SQLite too):

- start-up: `uvicorn --workers N` until every worker has built its name index and answered (the
  workers build theirs at the same time, on the same cores), then each worker's resident memory;
- `--index-alone`: the name index built once more in this process, on its own: seconds, and the
  resident memory it added, per person (what one worker pays, without the rest of the app);
- `GET /api/v1/persons/{id}/history` of synth's 200-event person (target: p95 < 20 ms);
- `GET /api/v1/persons/{id}/flags` round-robin over 500 random `bench` persons (target: p95 < 20 ms);
- `GET /api/v1/persons?q=…`, the name search (up to 1,000 matches at score ≥ 0.5, first page of 50),
  for names of random `bench` persons as recorded, in Cyrillic, with the parts reversed, in capitals,
  and for names nobody may have (target: p95 < 50 ms);
- `GET /api/v1/states` `--states-runs` times (target: < 2 s).

Every call is a real, audited HTTP request, sent one after another over one keep-alive connection;
uvicorn's supervisor spreads the connections, so one client talks to one worker at a time.
"""

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import names
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
)

from app.db import make_engine, reading
from app.keyring import Keyring
from app.models import Person
from app.models.token import Role
from app.services.name_index import LiveNameIndex

TARGETS = {"history": 0.020, "flags": 0.020, "names": 0.050, "states": 2.0}
RECORD_TABLES = (
    "notice",
    "charge",
    "notice_status_change",
    "detention",
    "extradition",
    "incident",
    "protection",
    "person_relation",
    "person_affiliation",
)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sizes(url: str) -> tuple[int, int]:
    """(persons, records): records are every row about a person but the person row, as synth.py counts."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        persons = conn.execute(sa.text("SELECT count(*) FROM person")).scalar_one()
        records = sum(
            conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one()
            for t in RECORD_TABLES
        )
    engine.dispose()
    return int(persons), int(records)


def subjects(url: str, key: str, count: int, seed: int) -> tuple[str, list[str], list[str]]:
    """(the `bench` person with the most notices, a seeded sample of `bench` persons, their names)."""
    keyring = Keyring(key.encode())
    engine = make_engine(url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        conn = session.connection()
        bench = conn.execute(sa.text("SELECT id FROM org WHERE name = 'bench'")).scalar_one()
        busiest = conn.execute(
            sa.text(
                "SELECT person_id FROM notice WHERE org_id = :org GROUP BY person_id "
                "ORDER BY count(*) DESC, person_id LIMIT 1"
            ),
            {"org": bench},
        ).scalar_one()
        ids = sorted(
            conn.execute(sa.text("SELECT id FROM person WHERE org_id = :org"), {"org": bench}).scalars()
        )
        sample = random.Random(seed).sample(ids, min(count, len(ids)))
        table = Person.__table__  # type: ignore[attr-defined]
        # the name column's own type decrypts
        spelled: dict[str, str] = dict(
            conn.execute(sa.select(table.c.id, table.c.name).where(table.c.id.in_(sample))).all()
        )
    engine.dispose()
    return str(busiest), sample, [spelled[p] for p in sample]


def name_queries(recorded: Sequence[str], count: int, seed: int) -> list[str]:
    """Seven in ten are a recorded name as typed differently; three in ten may match nobody."""
    rng = random.Random(seed)
    queries = []
    for i in range(count):
        if i % 10 < 7:
            name = rng.choice(recorded)
            roll = rng.random()
            if roll < 0.3:
                name = " ".join(names.to_cyrillic(word) for word in name.split())
            elif roll < 0.6:
                name = " ".join(reversed(name.split()))
            elif roll < 0.8:
                name = name.upper()
            queries.append(name)
        else:
            queries.append(names.person_name(rng).name)
    return queries


def worker_pids(server: Server) -> list[int]:
    """The uvicorn worker processes (the supervisor's spawned children), or the one server process."""
    assert server.process is not None
    if server.workers == 1:
        return [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU the processes have used (Linux /proc): a figure the machine's load skews less."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class Run:
    latencies: list[float]  # as the client saw them
    failures: int  # calls not answered 200
    server: list[float]  # the server's own time per call (bench_app), loopback and client left out
    cpu: float  # seconds of the workers' CPU over the timed calls
    sent: dict[str, int]  # SQL statements, commits and rollbacks the worker sent over the timed calls


def timed(client: httpx.Client, paths: Sequence[str], requests: int, warmup: int, pids: Sequence[int]) -> Run:
    """`requests` calls round-robin over `paths` after `warmup`."""
    for i in range(warmup):
        client.get(paths[i % len(paths)]).raise_for_status()
    server_times(client)  # cleared: only the timed calls below
    client.get("/bench/statements")
    latencies: list[float] = []
    failures = 0
    cpu = cpu_seconds(pids)
    for i in range(requests):
        t0 = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        latencies.append(time.perf_counter() - t0)
        failures += response.status_code != 200
    cpu = cpu_seconds(pids) - cpu
    sent = client.get("/bench/statements").json()
    return Run(latencies, failures, server_times(client), cpu, sent)


def line(label: str, run: Run, target: float) -> str:
    latencies = run.latencies
    p95 = percentile(latencies, 95)
    verdict = "PASS" if p95 < target and run.failures == 0 else "FAIL"
    server = (
        f"; in the server p50 {ms(percentile(run.server, 50))} p95 {ms(percentile(run.server, 95))}"
        if run.server
        else ""
    )
    return (
        f"{label:<10}{len(latencies)} calls, {run.failures} not 200: p50 {ms(percentile(latencies, 50))}  "
        f"p95 {ms(p95)}  p99 {ms(percentile(latencies, 99))}  max {ms(max(latencies))}"
        f"   target p95 < {ms(target)}: {verdict}\n{'':<10}workers' CPU {ms(run.cpu / len(latencies))} a call"
        + server
        + "; a call sent "
        + ", ".join(f"{n / len(latencies):.1f} {what}" for what, n in run.sent.items())
    )


def index_alone(url: str, key: str) -> tuple[int, float, float]:
    """(persons indexed, seconds, MiB of resident memory added) for one LiveNameIndex built here."""
    keyring = Keyring(key.encode())
    engine = make_engine(url, writer=False, pooled=False, keyring=keyring)
    gc.collect()
    before = rss_mib()
    began = time.perf_counter()
    live = LiveNameIndex()
    with reading(engine, keyring) as session:
        count = live.load(session)
    seconds = time.perf_counter() - began
    gc.collect()
    added = rss_mib() - before
    engine.dispose()
    del live
    return count, seconds, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="SQLAlchemy URL (or SQLite path) of a synth.py database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=500, help="timed calls per route")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--name-queries", type=int, default=300)
    parser.add_argument("--states-runs", type=int, default=5)
    parser.add_argument("--index-alone", action="store_true", help="also build one name index in-process")
    parser.add_argument(
        "--routes",
        default="history,flags,names,states",
        help="which of history, flags, names, states to time (comma-separated)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--secret-key", default=None)
    args = parser.parse_args()

    url = database_url(args.database)
    key = secret_key(url, args.secret_key)
    persons, records = sizes(url)
    history_id, sample, recorded = subjects(url, key, 500, args.seed)
    queries = name_queries(recorded, args.name_queries, args.seed)
    print(f"database   {sa.make_url(url).render_as_string(hide_password=True)}")
    print(f"data       {persons:,} persons, {records:,} records")
    if args.index_alone:
        print(f"machine    {machine_load()} before the index alone")
        count, seconds, added = index_alone(url, key)
        print(
            f"name index alone: {count:,} persons in {seconds:.1f} s, +{added:,.0f} MiB resident "
            f"({added * 1024 * 1024 / max(count, 1):,.0f} bytes per person)"
        )
    print(f"machine    {machine_load()} before the server")
    token = mint_token(url, key, org="bench", role=Role.viewer)

    with (
        Server(url, key, log=OUT / "tenfold.server.log", workers=args.workers, start_timeout=1800) as server,
        httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client,
    ):
        workers_rss = server.worker_rss_mib()
        print(
            f"start-up   {args.workers} workers ready in {server.startup_s:.1f} s; resident memory per worker "
            + ", ".join(f"{r:,.0f} MiB" for r in workers_rss)
        )
        pids = worker_pids(server)
        runs: list[tuple[str, Callable[[], Run]]] = [
            (
                "history",
                lambda: timed(
                    client, [f"/api/v1/persons/{history_id}/history"], args.requests, args.warmup, pids
                ),
            ),
            (
                "flags",
                lambda: timed(
                    client, [f"/api/v1/persons/{p}/flags" for p in sample], args.requests, args.warmup, pids
                ),
            ),
            (
                "names",
                lambda: timed(
                    client,
                    [str(httpx.URL("/api/v1/persons", params={"q": q})) for q in queries],
                    len(queries),
                    min(args.warmup, len(queries)),
                    pids,
                ),
            ),
        ]
        wanted = set(args.routes.split(","))
        for label, run in runs:
            if label not in wanted:
                continue
            print(f"machine    {machine_load()}")
            print(line(label, run(), TARGETS[label]), flush=True)
        states: list[float] = []
        for _ in range(args.states_runs if "states" in wanted else 0):
            t0 = time.perf_counter()
            client.get("/api/v1/states").raise_for_status()
            states.append(time.perf_counter() - t0)
        if states:
            verdict = "PASS" if max(states) < TARGETS["states"] else "FAIL"
            print(
                f"/states   median {ms(statistics.median(states))}, max {ms(max(states))} over "
                f"{len(states)} calls   target < {TARGETS['states']:.0f} s: {verdict}"
            )
        print(
            "memory     per worker after the run: "
            + ", ".join(f"{r:,.0f} MiB" for r in server.worker_rss_mib())
        )
        print(f"server     {server.errors_logged()} tracebacks logged")
    print(f"machine    {machine_load()} after the run; pid {os.getpid()}")


if __name__ == "__main__":
    main()
