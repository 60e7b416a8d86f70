"""What the service counts for Prometheus (`GET /metrics`): figures only, never a name, an id or a query.

Every label takes its values from a small fixed set that the code names (a route's template such as
`/api/v1/persons/{person_id}`, a status code, an audit action, an outcome), never from what a request
carried: a path that reaches no route is counted as `unmatched`, not by its text.

The metrics live in prometheus_client's default registry, once per process. `article3 serve` runs one
process. When uvicorn runs several workers (`--workers N`), set `PROMETHEUS_MULTIPROC_DIR` to an empty
directory, the same for every worker and emptied before each start: each worker then writes its figures
there, and `/metrics` on any of them answers the sum of all.
"""

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

REQUESTS = Counter(
    "article3_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "article3_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
AUDIT_APPENDS = Counter(
    "article3_audit_appends",
    "Audit entries committed, by action (person.read, notice.created, …).",
    ["action"],
)
WEBHOOK_DELIVERIES = Counter(
    "article3_webhook_deliveries",
    "Webhook delivery attempts, by what became of the delivery: delivered, retrying, failed (its last "
    "attempt failed) or cancelled.",
    ["outcome"],
)
INTERPOL_REQUESTS = Counter(
    "article3_interpol_requests",
    "Requests sent to INTERPOL's public API (cached answers are not requests), by endpoint "
    "(search, notice) and outcome (2xx, 4xx, 5xx, timeout, unreachable).",
    ["endpoint", "outcome"],
)
INTERPOL_FAILURES = Counter(
    "article3_interpol_failures",
    "Calls to INTERPOL that failed after any retries (the caller got a 502 or 503), by endpoint.",
    ["endpoint"],
)
LIMIT_REFUSALS = Counter(
    "article3_limit_refusals",
    "Requests refused with 429, by limit: rate (requests per minute) or quota (daily reads of persons' data).",
    ["limit"],
)


def status_class(code: int) -> str:
    return f"{code // 100}xx"


def count_audit_appends(actions: Iterable[str]) -> None:
    """Count the audit entries of a transaction that has just committed."""
    for action in actions:
        AUDIT_APPENDS.labels(action=action).inc()


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes and its content type: this process's figures, or every worker's."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
