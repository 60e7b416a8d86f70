"""What counting one request against the rate limit costs, per backend: memory, PostgreSQL, Redis.

Usage: .venv/bin/python bench/rate_limit_backends.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/DB
       [--redis redis://127.0.0.1:6379/0] [--checks 2000]

Each backend counts `--checks` requests, spread over 50 keys (so none reaches the limit), one thread;
then 8 threads on one key with a limit they never reach, for the cost under contention; and, for
scale, a PostgreSQL transaction of one `SELECT 1`. The PostgreSQL database must be migrated (`article3 migrate`); its rate_limit_window rows are left to expire.
"""

import argparse
import threading
import time
import uuid

import sqlalchemy as sa
from benchlib import machine_load

from app.services.rate_limit import DatabaseWindow, RateLimiter, RedisWindow, SlidingWindow

LIMIT = 10**9


def per_check_us(limiter: RateLimiter, checks: int) -> float:
    keys = [f"token:{uuid.uuid4()}" for _ in range(50)]
    started = time.perf_counter()
    for i in range(checks):
        limiter.wait_s(keys[i % len(keys)])
    return (time.perf_counter() - started) / checks * 1e6


def contended_us(limiter: RateLimiter, checks: int, threads: int = 8) -> float:
    key = f"token:{uuid.uuid4()}"
    each = checks // threads

    def run() -> None:
        for _ in range(each):
            limiter.wait_s(key)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - started) / (each * threads) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgresql", required=True)
    parser.add_argument("--redis")
    parser.add_argument("--checks", type=int, default=2000)
    args = parser.parse_args()
    print(f"load before: {machine_load()}")
    engine = sa.create_engine(args.postgresql, pool_size=10)
    limiters: dict[str, RateLimiter] = {
        "memory": SlidingWindow(LIMIT),
        "postgresql": DatabaseWindow(engine, LIMIT),
    }
    if args.redis:
        limiters["redis"] = RedisWindow(args.redis, LIMIT)
    for name, limiter in limiters.items():
        alone = per_check_us(limiter, args.checks)
        # One key's window holds every hit of the last minute: keep the contended run short.
        shared = contended_us(limiter, min(args.checks, 800))
        print(
            f"{name:>10}: {alone:8.1f} µs per request (50 keys, 1 thread); {shared:8.1f} µs (1 key, 8 threads)"
        )
    started = time.perf_counter()
    for _ in range(args.checks):
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
    reference_us = (time.perf_counter() - started) / args.checks * 1e6
    print(f"reference: {reference_us:8.1f} µs per PostgreSQL transaction of one SELECT 1")
    engine.dispose()
    print(f"load after: {machine_load()}")


if __name__ == "__main__":
    main()
