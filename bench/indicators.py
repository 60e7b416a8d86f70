"""Latency of the indicator routes on the synthetic database: per-person flags and the pooled states.

Usage:
    .venv/bin/python bench/synth.py bench/out/synth.db --force      # once: 100,000 persons, 1,000,000 records
    .venv/bin/python bench/indicators.py bench/out/synth.db [--persons 500] [--requests 1000]
        [--warmup 100] [--states-runs 5] [--seed 7] [--secret-key KEY]

Starts uvicorn (one worker) on the database, mints a viewer token for the organisation `bench`, then:

- `GET /api/v1/persons/{id}/flags` for `--persons` persons of `bench` drawn at random (fixed seed),
  `--requests` sequential calls round-robin over them after `--warmup` (target: p95 < 20 ms);
- the same for the members of the largest affiliation groups, the heaviest case: their flags read the
  notices of every member of their groups, pooled across organisations;
- `GET /api/v1/states` `--states-runs` times, and `GET /api/v1/states/{state}` for the busiest state
  (target for /states: under 2 s).

Every call is a real HTTP request through the whole app: token check, daily-quota count, audit entry.
"""

import argparse
import random
import statistics
import time
from collections.abc import Sequence

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
)

from app.models.token import Role

TARGET_FLAGS_P95_S = 0.020
TARGET_STATES_S = 2.0


def bench_persons(url: str, count: int, seed: int) -> tuple[list[str], list[str]]:
    """(a seeded random sample of the `bench` organisation's persons, its members of the largest groups)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ids = sorted(
            conn.execute(
                sa.text("SELECT p.id FROM person p JOIN org o ON o.id = p.org_id WHERE o.name = 'bench'")
            ).scalars()
        )
        heavy = list(
            conn.execute(
                sa.text(
                    "SELECT a.person_id FROM person_affiliation a JOIN person p ON p.id = a.person_id "
                    "JOIN org o ON o.id = p.org_id AND o.name = 'bench' "
                    "JOIN (SELECT key, count(*) AS members FROM person_affiliation GROUP BY key) g "
                    "ON g.key = a.key GROUP BY a.person_id ORDER BY sum(g.members) DESC, a.person_id LIMIT 50"
                )
            ).scalars()
        )
    engine.dispose()
    if not ids:
        raise SystemExit("the organisation `bench` has no persons: run bench/synth.py first")
    return random.Random(seed).sample(ids, min(count, len(ids))), heavy


def timed_gets(
    client: httpx.Client, paths: Sequence[str], requests: int, warmup: int
) -> tuple[list[float], list[float], int]:
    """(latencies seen by the client, times spent in the server, calls not answered 200)."""
    for i in range(warmup):
        client.get(paths[i % len(paths)]).raise_for_status()
    server_times(client)
    latencies: list[float] = []
    failures = 0
    for i in range(requests):
        t0 = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        latencies.append(time.perf_counter() - t0)
        failures += response.status_code != 200
    return latencies, server_times(client), failures


def report(label: str, latencies: list[float], on_server: list[float], failures: int) -> str:
    return (
        f"{label:<13}{len(latencies)} calls, {failures} not 200: p50 {ms(percentile(latencies, 50))}  "
        f"p95 {ms(percentile(latencies, 95))}  p99 {ms(percentile(latencies, 99))}  max {ms(max(latencies))}\n"
        f"{'':<13}on the server: p50 {ms(percentile(on_server, 50))}  p95 {ms(percentile(on_server, 95))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default="bench/out/synth.db", help="SQLite path or URL")
    parser.add_argument("--persons", type=int, default=500)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--states-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--secret-key", default=None)
    args = parser.parse_args()

    url = database_url(args.database)
    key = secret_key(url, args.secret_key)
    sample, heavy = bench_persons(url, args.persons, args.seed)
    token = mint_token(url, key, org="bench", role=Role.viewer)
    load = machine_load()

    with (
        Server(url, key, log=OUT / "indicators.server.log") as server,
        httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client,
    ):
        flags, flags_server, flag_failures = timed_gets(
            client, [f"/api/v1/persons/{p}/flags" for p in sample], args.requests, args.warmup
        )
        heavy_flags, heavy_server, heavy_failures = timed_gets(
            client, [f"/api/v1/persons/{p}/flags" for p in heavy], max(len(heavy) * 4, 1), len(heavy)
        )
        states: list[float] = []
        for _ in range(args.states_runs):
            t0 = time.perf_counter()
            answer = client.get("/api/v1/states")
            states.append(time.perf_counter() - t0)
            answer.raise_for_status()
        ranked = answer.json()["items"]
        busiest = max(ranked, key=lambda s: s["persons"])["state"] if ranked else "TJ"
        detail: list[float] = []
        for _ in range(args.states_runs):
            t0 = time.perf_counter()
            client.get(f"/api/v1/states/{busiest}").raise_for_status()
            detail.append(time.perf_counter() - t0)
        errors = server.errors_logged()

    flags_p95 = percentile(flags, 95)
    print(f"database     {url}")
    print("server       uvicorn, 1 worker")
    print(f"machine      {load} before the run")
    print(f"persons      {len(sample)} random of `bench`; heavy: its {len(heavy)} in the largest groups")
    print(report("flags", flags, flags_server, flag_failures))
    print(report("flags heavy", heavy_flags, heavy_server, heavy_failures))
    print(
        f"/states      {len(ranked)} states: median {ms(statistics.median(states))}, max {ms(max(states))}"
        f" over {len(states)} calls"
    )
    print(f"/states/{busiest}  median {ms(statistics.median(detail))}, max {ms(max(detail))}")
    print(f"server       {errors} tracebacks logged")
    ok_flags = flags_p95 < TARGET_FLAGS_P95_S and flag_failures == 0
    ok_states = max(states) < TARGET_STATES_S
    print(f"target       flags p95 < {ms(TARGET_FLAGS_P95_S)}: {'PASS' if ok_flags else 'FAIL'}")
    print(f"target       /states < {TARGET_STATES_S:.0f} s: {'PASS' if ok_states else 'FAIL'}")


if __name__ == "__main__":
    main()
