"""What counting and logging each request costs: app.middleware.Observed, on and off.

Usage: .venv/bin/python bench/metrics_overhead.py [--requests 3000] [--rounds 5]

(a) The work Observed adds to one request, alone: the route's template, the counter, the histogram and
    the JSON line (written to /dev/null), in microseconds per request.
(b) End to end, in process (no network): GET /healthz and GET /api/v1/persons/{person_id} through
    TestClient, on an app with Observed and on the same app without it, alternating rounds; the
    median round's time per request of each.
The database is bench/out/metrics_overhead.db, made afresh each run.
"""

import argparse
import contextlib
import os
import statistics
import time

from benchlib import OUT, fresh_sqlite, machine_load, mint_token
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import logs, metrics
from app.main import create_app
from app.middleware import Observed
from app.models.token import Role
from app.settings import Settings

KEY = "bench-secret-key-for-metrics-overhead-0123456789"


def observed_work_us(requests: int) -> float:
    """(a): Observed's own work for one request, on a scope as routing leaves it."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/persons/0b1c2d3e-0000-4000-8000-000000000000",
        "path_params": {"person_id": "0b1c2d3e-0000-4000-8000-000000000000"},
        "route": type("Route", (), {"path_format": "/persons/{person_id}"})(),
    }
    started = time.perf_counter()
    for _ in range(requests):
        began = time.perf_counter()
        route, method = logs.route_template(scope), logs.method_name(scope)
        metrics.REQUESTS.labels(method=method, route=route, status="200").inc()
        metrics.REQUEST_SECONDS.labels(method=method, route=route).observe(time.perf_counter() - began)
        logs.request_line(
            request_id=logs.new_request_id(), method=method, route=route, status=200, duration_s=0.001
        )
    return (time.perf_counter() - started) / requests * 1e6


def without_observed(app: FastAPI) -> FastAPI:
    app.user_middleware = [m for m in app.user_middleware if getattr(m, "cls", None) is not Observed]
    return app


def per_request_ms(client: TestClient, path: str, headers: dict[str, str], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        client.get(path, headers=headers)
    return (time.perf_counter() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load before: {machine_load()}")

    url = fresh_sqlite(OUT / "metrics_overhead.db", KEY)
    token = mint_token(url, KEY, org="bench", role=Role.admin, create_org=True)
    headers = {"Authorization": f"Bearer {token}"}
    settings = Settings(
        _env_file=None, database_url=url, secret_key=KEY, rate_limit_per_minute=10**9, daily_read_quota=10**9
    )

    logs.install()
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):  # the request lines go there
        work_us = observed_work_us(args.requests * 10)
        results = end_to_end(settings, headers, args.requests, args.rounds)
    print(f"(a) Observed's own work: {work_us:.1f} µs per request")
    for line in results:
        print(line)
    print(f"load after: {machine_load()}")


def end_to_end(settings: Settings, headers: dict[str, str], requests: int, rounds: int) -> list[str]:
    results = []
    with TestClient(create_app(settings)) as on, TestClient(without_observed(create_app(settings))) as off:
        person = on.post("/api/v1/persons", json={"name": "Bench Person"}, headers=headers).json()["id"]
        paths = {
            "GET /healthz": ("/healthz", {}),
            "GET /api/v1/persons/{person_id}": (f"/api/v1/persons/{person}", headers),
        }
        for label, (path, with_headers) in paths.items():
            times: dict[str, list[float]] = {"on": [], "off": []}
            clients: dict[str, TestClient] = {"on": on, "off": off}
            for which in ("on", "off"):  # warm both
                per_request_ms(clients[which], path, with_headers, requests // 10)
            for _ in range(rounds):
                for which in ("on", "off"):
                    times[which].append(per_request_ms(clients[which], path, with_headers, requests))
            on_ms, off_ms = statistics.median(times["on"]), statistics.median(times["off"])
            results.append(
                f"(b) {label}: {on_ms:.3f} ms with Observed, {off_ms:.3f} ms without "
                f"({(on_ms - off_ms) * 1000:+.0f} µs, {100 * (on_ms - off_ms) / off_ms:+.1f} %)"
            )
    return results


if __name__ == "__main__":
    main()
