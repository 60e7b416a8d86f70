"""Webhooks: register endpoints, write each event to an outbox with the change it reports, and send it signed.

Delivery. `enqueue` adds one `webhook_delivery` row per matching webhook, in the caller's transaction:
an event is sent if and only if its change commits, and it survives a restart. `deliver_due` (the
`DeliveryWorker` thread, or `article3 webhooks deliver`) claims due rows in one short transaction,
sends them with no transaction open, and records each outcome in a transaction of its own, so a slow
receiver never holds a database lock or an API request. Delivery is at least once: a worker that dies
mid-send leaves its rows to be sent again when their lease ends, so receivers deduplicate on
`X-Article3-Delivery`. Order is not guaranteed; `occurred_at` in the body says when the change happened.

Each POST carries `X-Article3-Event`, `X-Article3-Delivery` (the body's `id`), `X-Article3-Timestamp`
(Unix seconds, at sending) and `X-Article3-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
A 2xx answer is delivered; anything else (a timeout, a refused connection, a redirect, a 500) is tried
again after 30 s, 2 min, 10 min, 1 h and 6 h (each ±20 %), and after the 6th attempt it is `failed`.

SSRF. A webhook's host is resolved when it is registered and again at every connection; every address
must be public (not loopback, private, link-local, CGNAT, multicast, reserved or a cloud metadata
address, nor one of these inside an IPv6 form), and the connection goes to the address that was
checked, while the Host header and the TLS certificate check keep the URL's host name. Redirects are
never followed. `allow_private` (ARTICLE3_WEBHOOK_ALLOW_PRIVATE) admits plain http, loopback and private
networks for a receiver on the operator's own network; link-local and metadata addresses stay refused.

Secrets. A webhook's secret is HMAC(the keyring's webhook key, webhook id): nothing secret is stored, and
changing ARTICLE3_SECRET_KEY changes every webhook's secret.

How a receiver checks a delivery (Python, standard library only; `body` is the raw request body)::

    import hashlib, hmac, time

    def verify(secret: str, headers: dict[str, str], body: bytes, max_age_s: int = 300) -> bool:
        # True for a delivery signed with `secret` in the last 5 minutes (header names as sent).
        timestamp = headers.get("X-Article3-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > max_age_s:
            return False  # stale or replayed
        signed = timestamp.encode() + b"." + body
        expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("X-Article3-Signature", ""))
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpcore
import httpx
from sqlalchemy import Engine, func, update
from sqlalchemy import event as orm_events
from sqlmodel import Session, col, select

from app import metrics
from app.db import unit_of_work
from app.errors import Conflict, Unprocessable
from app.keyring import Keyring, keyring_of
from app.models.base import new_id, utcnow
from app.models.token import Principal
from app.models.webhook import (
    EVENT_NAMES,
    MAX_URL_LENGTH,
    DeliveryStatus,
    Webhook,
    WebhookCreate,
    WebhookDelivery,
)
from app.services import audit
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned

log = logging.getLogger("article3.webhooks")

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
USER_AGENT = "article3-webhooks/1"
MAX_ATTEMPTS = 6
BACKOFF_S = (30, 120, 600, 3600, 6 * 3600)
LEASE = timedelta(minutes=5)  # a claimed row is due again after this, should its worker die mid-send
BATCH = 20
MAX_DATA_TEXT = 64  # ids, enum values and dates fit; names, notes and summaries do not

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
EMBEDDING_IPV4 = (  # the last 32 bits are an IPv4 address the packet goes on to
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # SIIT
)
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # embeds IPv4 around a gap; never public
MAX_ACTIVE_WEBHOOKS = (
    20  # per organisation: each event is one outbox row per webhook, in the caller's transaction
)


class RefusedAddress(Exception):
    """A webhook host that resolves to no address, or to one webhooks may not reach."""


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_due` call did: rows claimed, and how each attempt ended."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Job:
    delivery_id: str
    webhook_id: str
    url: str
    event: str
    body: str


# --- Addresses and URLs ---------------------------------------------------------------------------


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a webhook may not connect to `address` (e.g. "a loopback address"), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_refusal(address.ipv4_mapped, allow_private=allow_private)
        for embedded in _embedded_ipv4(address):
            if (reason := address_refusal(embedded, allow_private=allow_private)) is not None:
                return reason
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_loopback:
        return None if allow_private else "a loopback address"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in CGNAT):
        return None if allow_private else "a private address"
    if address.is_reserved or not address.is_global or address in LOCAL_NAT64:
        return "a reserved address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address routes to: 6to4, Teredo, NAT64, SIIT."""
    found = [a for a in (address.sixtofour, *(address.teredo or ())) if a is not None]
    if any(address in network for network in EMBEDDING_IPV4):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, after checking each one; one refused address refuses them all."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedAddress("does not resolve") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise RefusedAddress("does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # without an IPv6 zone id
        if (reason := address_refusal(address, allow_private=allow_private)) is not None:
            raise RefusedAddress(f"resolves to {reason}")
    return addresses


def _url_problem(url: str, *, allow_private: bool) -> str | None:
    """What is wrong with the URL itself, before any lookup."""
    if len(url) > MAX_URL_LENGTH:
        return f"url must be at most {MAX_URL_LENGTH} characters."
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "url is not a valid URL."
    schemes = ("https", "http") if allow_private else ("https",)
    if parsed.scheme not in schemes:
        return "url must use https."
    if not parsed.host:
        return "url must name a host."
    if parsed.userinfo:
        return "url must not contain a user name or password."
    return None


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse (422) a URL webhooks may not call. Resolves its host: call it before opening a write transaction."""
    if (problem := _url_problem(url, allow_private=allow_private)) is not None:
        raise Unprocessable(problem, loc=("body", "url"))
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        resolve_checked(parsed.host, port, allow_private=allow_private)
    except RefusedAddress as exc:
        raise Unprocessable(
            f"url's host {exc}; webhooks are sent to public addresses only.", loc=("body", "url")
        ) from None


# --- Secrets and signatures -----------------------------------------------------------------------


def webhook_secret(keyring: Keyring, webhook_id: str) -> str:
    mac = hmac.new(keyring.webhook_key, webhook_id.encode(), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: str) -> str:
    return "v1=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


# --- Registering webhooks (API) -------------------------------------------------------------------


def create(
    session: Session, *, data: WebhookCreate, allow_private: bool, by: Principal
) -> tuple[Webhook, str]:
    """A new webhook of the caller's organisation, and its secret (returned this once)."""
    check_url(data.url, allow_private=allow_private)  # DNS first: a lookup must not hold the write lock
    active = session.exec(
        select(func.count())
        .select_from(Webhook)
        .where(Webhook.org_id == by.org_id, col(Webhook.active).is_(True))
    ).one()
    if active >= MAX_ACTIVE_WEBHOOKS:
        raise Conflict(
            f"An organisation can have at most {MAX_ACTIVE_WEBHOOKS} active webhooks; delete one first."
        )
    webhook = Webhook(org_id=by.org_id, url=data.url, events=list(data.events), description=data.description)
    session.add(webhook)
    session.flush()
    audit.record(session, by=by, action="webhook.created", kind="webhook", object_id=webhook.id)
    return webhook, webhook_secret(keyring_of(session), webhook.id)


def list_webhooks(
    session: Session, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[Webhook], str | None]:
    """The caller's organisation's webhooks, deleted ones included (`active` false), newest first."""
    query = newest_first(owned(Webhook, by.org_id), Webhook, cursor=cursor, limit=limit)
    return page(list(session.exec(query)), limit=limit)


def list_deliveries(
    session: Session, webhook_id: str, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    """A webhook's deliveries, newest first."""
    webhook = get_owned(session, Webhook, webhook_id, org_id=by.org_id)
    query = owned(WebhookDelivery, by.org_id).where(WebhookDelivery.webhook_id == webhook.id)
    return page(
        list(session.exec(newest_first(query, WebhookDelivery, cursor=cursor, limit=limit))), limit=limit
    )


def delete(session: Session, webhook_id: str, *, by: Principal) -> None:
    """Stop a webhook: it gets no new deliveries and its pending ones are cancelled."""
    webhook = get_owned(session, Webhook, webhook_id, org_id=by.org_id, for_update=True)
    if webhook.active:
        webhook.active, webhook.version, webhook.updated_at = False, webhook.version + 1, utcnow()
        session.add(webhook)
        session.exec(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.webhook_id) == webhook.id,
                col(WebhookDelivery.status) == DeliveryStatus.pending,
            )
            .values(status=DeliveryStatus.cancelled, next_attempt_at=None)
        )
        session.flush()
    audit.record(session, by=by, action="webhook.deleted", kind="webhook", object_id=webhook.id)


# --- The outbox -----------------------------------------------------------------------------------


def subscribed(filters: Iterable[str], event_name: str) -> bool:
    wanted = set(filters)
    return bool(wanted & {"*", event_name, event_name.split(".", 1)[0] + ".*"})


def enqueue(session: Session, *, org_id: str, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook of `org_id` that wants it, in the caller's transaction.

    `data` is flat: ids, enum values and dates only (never names or free text; longer strings are
    refused). Returns the number of deliveries queued. Nothing is sent here: the worker is woken when
    the transaction commits, and a rollback leaves no trace.
    """
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown webhook event {event!r}")
    _check_data(data)
    webhooks = session.exec(owned(Webhook, org_id).where(col(Webhook.active).is_(True))).all()
    targets = [w for w in webhooks if subscribed(w.events, event)]
    if not targets:
        return 0
    occurred_at = utcnow()
    stamp = occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for webhook in targets:
        delivery_id = new_id()
        body = {"id": delivery_id, "event": event, "occurred_at": stamp, "data": data}
        session.add(
            WebhookDelivery(
                id=delivery_id,
                org_id=org_id,
                webhook_id=webhook.id,
                event=event,
                body=json.dumps(body, separators=(",", ":")),  # ASCII: the signed text is the sent bytes
                next_attempt_at=occurred_at,
            )
        )
    session.flush()
    if not orm_events.contains(session, "after_commit", _wake_workers):
        orm_events.listen(session, "after_commit", _wake_workers)
    return len(targets)


def _check_data(data: dict[str, Any]) -> None:
    for key, value in data.items():
        scalar = value is None or isinstance(value, bool | int | float)
        short_text = isinstance(value, str) and len(value) <= MAX_DATA_TEXT
        if not isinstance(key, str) or not (scalar or short_text):
            raise ValueError(f"webhook data {key!r}: ids, enum values and dates only")


# --- Sending --------------------------------------------------------------------------------------


class _CheckedBackend(httpcore.SyncBackend):
    """Resolve, check every address, then connect to a checked one: no second lookup for DNS to rebind."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_checked(host, port, allow_private=self._allow_private)
        for address in addresses[:-1]:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return super().connect_tcp(addresses[-1], port, timeout, local_address, socket_options)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on the checked backend. httpcore still gets the URL's host, so the Host header,
    TLS SNI and the certificate check all use the name while the socket goes to the checked address."""

    def __init__(self, *, allow_private: bool, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify)
        # httpx.HTTPTransport takes no network backend, so its pool is rebuilt with ours
        # (tests/test_webhooks.py checks this against a local TLS server).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            network_backend=_CheckedBackend(allow_private=allow_private),
        )


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _send(
    job: _Job, *, sender: httpx.BaseTransport, secret: str, timeout_s: float, allow_private: bool
) -> tuple[int | None, str | None]:
    """(status code, error): the receiver's answer, or why there was none. Errors never quote the URL."""
    if (problem := _url_problem(job.url, allow_private=allow_private)) is not None:
        return None, problem  # registered while the rules were looser (e.g. http with allow_private)
    timestamp = int(time.time())
    request = httpx.Request(
        "POST",
        job.url,
        content=job.body.encode(),
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Article3-Event": job.event,
            "X-Article3-Delivery": job.delivery_id,
            "X-Article3-Timestamp": str(timestamp),
            "X-Article3-Signature": signature(secret, timestamp, job.body),
        },
        extensions={"timeout": httpx.Timeout(timeout_s).as_dict()},
    )
    try:
        # The transport itself, not a Client: no redirects, no proxies from the environment, and no
        # "HTTP Request: POST <url>" log line (webhook URLs often carry a token in their path).
        response = sender.handle_request(request)
    except RefusedAddress as exc:
        return None, f"host {exc}"
    except httpx.TimeoutException:
        return None, "timed out"
    except httpx.ConnectError as exc:
        return None, "TLS handshake failed" if _caused_by(exc, ssl.SSLError) else "connection failed"
    except httpx.TransportError as exc:
        return None, f"transport error ({type(exc).__name__})"
    response.close()  # the body is never read: a receiver cannot make us download anything
    code = response.status_code
    if 200 <= code < 300:
        return code, None
    if 300 <= code < 400:
        return code, f"HTTP {code}: redirects are not followed"
    return code, f"HTTP {code}"


def backoff(attempts: int) -> timedelta:
    """The pause after `attempts` failed attempts; the jitter spreads retries to a receiver back from an outage."""
    base = BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1]
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret


def _claim(engine: Engine, keyring: Keyring, *, at: datetime, limit: int) -> list[_Job]:
    """Take up to `limit` due rows: count the attempt and lease them, in one short transaction."""
    with unit_of_work(engine, keyring) as session:
        rows = session.exec(
            select(WebhookDelivery, Webhook.url)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(
                col(WebhookDelivery.status) == DeliveryStatus.pending,
                col(WebhookDelivery.next_attempt_at) <= at,
            )
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(limit)
            .with_for_update(
                skip_locked=True, of=WebhookDelivery
            )  # PostgreSQL; SQLite's write lock is global
        ).all()
        jobs = []
        for delivery, url in rows:
            if delivery.attempts >= MAX_ATTEMPTS:  # its worker died during the last attempt
                delivery.status, delivery.next_attempt_at = DeliveryStatus.failed, None
            else:
                delivery.attempts += 1
                delivery.next_attempt_at = at + LEASE
                jobs.append(_Job(delivery.id, delivery.webhook_id, url, delivery.event, delivery.body))
            session.add(delivery)
        session.flush()
    return jobs


def _record(
    session: Session, job: _Job, *, code: int | None, error: str | None, at: datetime
) -> DeliveryStatus:
    row = session.exec(
        select(WebhookDelivery).where(WebhookDelivery.id == job.delivery_id).with_for_update()
    ).first()
    if row is None:  # the organisation was erased meanwhile
        return DeliveryStatus.cancelled
    row.last_status_code, row.last_error = code, error
    if row.status == DeliveryStatus.pending:  # not cancelled while in flight
        if error is None:
            row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.delivered, at, None
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = DeliveryStatus.failed, None
        else:
            row.next_attempt_at = at + backoff(row.attempts)
    session.add(row)
    session.flush()
    return DeliveryStatus(row.status)


def deliver_due(
    engine: Engine,
    keyring: Keyring,
    *,
    allow_private: bool,
    now: datetime | None = None,
    timeout_s: float = 5.0,
    transport: httpx.BaseTransport | None = None,
    max_deliveries: int | None = None,
    concurrency: int = 4,
) -> DeliveryReport:
    """Send what is due at `now` (default: the current time) and record each outcome.

    `transport` replaces the checked one (tests); the caller keeps ownership of it. `max_deliveries`
    bounds one call (the worker's rounds); without it, everything due is sent.
    """

    def clock() -> datetime:
        return now or utcnow()

    def claim(done: int) -> list[_Job]:
        room = BATCH if max_deliveries is None else min(BATCH, max_deliveries - done)
        return _claim(engine, keyring, at=clock(), limit=room) if room > 0 else []

    jobs = claim(0)
    if not jobs:
        return DeliveryReport()
    sender = transport or GuardedTransport(allow_private=allow_private)

    def attempt(job: _Job) -> DeliveryStatus:
        secret = webhook_secret(keyring, job.webhook_id)
        code, error = _send(
            job, sender=sender, secret=secret, timeout_s=timeout_s, allow_private=allow_private
        )
        with unit_of_work(engine, keyring) as session:
            status = _record(session, job, code=code, error=error, at=clock())
        outcome = "retrying" if status == DeliveryStatus.pending else status.value
        metrics.WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
        return status

    outcomes: list[DeliveryStatus] = []
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="article3-webhook") as pool:
            while jobs:
                outcomes.extend(pool.map(attempt, jobs))
                jobs = claim(len(outcomes))
    finally:
        if transport is None:
            sender.close()
    return DeliveryReport(
        claimed=len(outcomes),
        delivered=outcomes.count(DeliveryStatus.delivered),
        retrying=outcomes.count(DeliveryStatus.pending),
        failed=outcomes.count(DeliveryStatus.failed),
    )


# --- The worker -----------------------------------------------------------------------------------

_running: "weakref.WeakSet[DeliveryWorker]" = weakref.WeakSet()
_running_lock = threading.Lock()


def _wake_workers(session: Session) -> None:
    """After a commit that enqueued deliveries: wake the workers of that database."""
    url = session.get_bind().engine.url
    with _running_lock:
        workers = list(_running)
    for worker in workers:
        if worker.engine.url == url:
            worker.wake()


class DeliveryWorker:
    """Sends due deliveries from a daemon thread: at start (rows left from before a restart), every
    `interval_s`, and as soon as a transaction that enqueued deliveries commits."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        allow_private: bool,
        interval_s: float = 2.0,
        timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self._keyring = keyring
        self._allow_private = allow_private
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._transport = transport
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name="article3-webhooks", daemon=True)
        self._thread.start()
        with _running_lock:
            _running.add(self)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Finish the round in progress (up to `timeout_s`); rows it could not finish are sent after their lease."""
        with _running_lock:
            _running.discard(self)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                report = deliver_due(
                    self.engine,
                    self._keyring,
                    allow_private=self._allow_private,
                    timeout_s=self._timeout_s,
                    transport=self._transport,
                    max_deliveries=BATCH,
                )
            except (
                Exception
            ) as exc:  # the next round tries again; the error text may quote data, so only its kind
                log.error("webhook delivery round failed (%s)", type(exc).__name__)
                continue
            if report.claimed >= BATCH:
                self._wake.set()  # more may be due: go on without waiting
