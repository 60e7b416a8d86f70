"""Webhooks: URL rules and SSRF, the outbox written with the change, signed delivery with retries, the worker.

The unit tests run the service on its own tables (`webhook_db`). Tests with `api` in their name go
through the app and need the wiring: the router, `webhook_allow_private`, the migration, the worker
in the lifespan, and `enqueue` in the notice service.
"""

import http.server
import json
import socket
import ssl
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine, unit_of_work
from app.errors import Conflict, NotFound, Unprocessable
from app.keyring import Keyring
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.token import Principal, Role
from app.models.webhook import DeliveryStatus, WebhookCreate, WebhookDelivery
from app.services import org as org_service
from app.services import webhook as webhook_service
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_notice, make_person

PUBLIC_IP = "93.184.215.14"


# --- A receiver: a real HTTP(S) server on 127.0.0.1 -----------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: Message
    body: bytes


class Receiver:
    """Counts deliveries and answers with `status` (and `location`); while `hold` is clear, answers wait."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.status = 200
        self.location: str | None = None
        self.hold = threading.Event()
        self.hold.set()
        self.requests: list[Received] = []
        self.sni: list[str | None] = []
        self._arrived = threading.Condition()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}/hook"

    def wait_for(self, count: int, timeout_s: float) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout_s)

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._arrived:
                    receiver.requests.append(Received(self.path, self.headers, body))
                    receiver._arrived.notify_all()
                receiver.hold.wait(10)
                try:
                    self.send_response(receiver.status)
                    if receiver.location:
                        self.send_header("Location", receiver.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def receiver_verify() -> Callable[[str, Message, bytes], bool]:
    """The receiver's check, taken from the service's docstring: the README's snippet cannot rot."""
    doc = webhook_service.__doc__ or ""
    code = textwrap.dedent(doc.split("::\n", 1)[1])
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - our own docstring
    verify: Callable[[str, Message, bytes], bool] = namespace["verify"]
    return verify


# --- The service on its own tables ----------------------------------------------------------------


@dataclass
class WebhookDb:
    url: str
    engine: sa.Engine
    keyring: Keyring
    admin: Principal
    other_admin: Principal


def _org_admin(engine: sa.Engine, keyring: Keyring, name: str) -> Principal:
    with unit_of_work(engine, keyring) as session:
        org = org_service.create(session, name=name)
    return Principal(token_id=str(uuid.uuid4()), org_id=org.id, role=Role.admin)


@pytest.fixture
def webhook_db(database_url: str) -> Iterator[WebhookDb]:
    """The test's migrated database, driven through the webhook service alone."""
    url = database_url
    keyring = Keyring(SECRET.encode())
    engine = make_engine(url, writer=True, keyring=keyring)
    yield WebhookDb(
        url=url,
        engine=engine,
        keyring=keyring,
        admin=_org_admin(engine, keyring, "Org A"),
        other_admin=_org_admin(engine, keyring, "Org B"),
    )
    engine.dispose()


def register(
    db: WebhookDb,
    url: str,
    *,
    events: tuple[str, ...] = ("*",),
    allow_private: bool = True,
    by: Principal | None = None,
) -> tuple[str, str]:
    data = WebhookCreate.model_validate({"url": url, "events": list(events)})
    with unit_of_work(db.engine, db.keyring) as session:
        webhook, secret = webhook_service.create(
            session, data=data, allow_private=allow_private, by=by or db.admin
        )
    return webhook.id, secret


def enqueue(
    db: WebhookDb, event: str = "notice.status_changed", *, org_id: str | None = None, **data: Any
) -> int:
    with unit_of_work(db.engine, db.keyring) as session:
        return webhook_service.enqueue(
            session, org_id=org_id or db.admin.org_id, event=event, data=data or {"notice_id": "n-1"}
        )


def deliveries(db: WebhookDb) -> list[WebhookDelivery]:
    with Session(db.engine, expire_on_commit=False) as session:
        return list(session.exec(select(WebhookDelivery).order_by(sa.text("created_at"))))


def deliver(db: WebhookDb, **kwargs: Any) -> webhook_service.DeliveryReport:
    kwargs.setdefault("allow_private", True)
    return webhook_service.deliver_due(db.engine, db.keyring, **kwargs)


class FakeDns:
    """Answers for the host names a test chooses, one per lookup (the last repeats; none: the name does
    not resolve); other names resolve as usual."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: Counter[str] = Counter()
        self._real = socket.getaddrinfo

    def set(self, host: str, *answers: list[str]) -> None:
        self.answers[host] = list(answers)
        self.lookups[host] = 0

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups[host] += 1
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    dns = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


# --- URL rules ------------------------------------------------------------------------------------

REFUSED = [
    f"http://{PUBLIC_IP}/hook",  # not https
    f"ftp://{PUBLIC_IP}/hook",
    f"https://user:pw@{PUBLIC_IP}/hook",
    "https:///hook",
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://[fd12:3456::1]/hook",
    "https://169.254.10.10/hook",
    "https://[fe80::1]/hook",
    "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
    "https://[ff02::1]/hook",
    "https://0.0.0.0/hook",
    "https://[::]/hook",
    "https://240.0.0.1/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[2002:7f00:1::1]/hook",  # 6to4 around 127.0.0.1
    "https://[64:ff9b::a00:1]/hook",  # NAT64 around 10.0.0.1
    "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
    "https://[::ffff:0:a9fe:a9fe]/hook",  # SIIT around 169.254.169.254
    "https://169.254.169.254/latest/meta-data",
    "https://[fd00:ec2::254]/",
    "https://100.100.100.200/",
    f"https://{PUBLIC_IP}/{'x' * 2000}",
]


@pytest.mark.parametrize("url", REFUSED)
def test_url_rules_refuse(url: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        webhook_service.check_url(url, allow_private=False)
    assert refused.value.loc == ("body", "url")


@pytest.mark.parametrize(
    "url", [f"https://{PUBLIC_IP}/hook", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/h"]
)
def test_url_rules_accept_public_https(url: str) -> None:
    webhook_service.check_url(url, allow_private=False)


def test_every_address_of_a_host_must_be_public(fake_dns: FakeDns) -> None:
    fake_dns.set("hooks.example.org", [PUBLIC_IP])
    webhook_service.check_url("https://hooks.example.org/hook", allow_private=False)
    fake_dns.set("hooks.example.org", [PUBLIC_IP, "10.0.0.7"])
    with pytest.raises(Unprocessable, match="private address"):
        webhook_service.check_url("https://hooks.example.org/hook", allow_private=False)
    fake_dns.set("nowhere.test", [])
    with pytest.raises(Unprocessable, match="does not resolve"):
        webhook_service.check_url("https://nowhere.test/hook", allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/",
        "http://10.0.0.1/",
        "https://192.168.0.9/",
    ],
)
def test_allow_private_admits_http_and_private_networks(url: str) -> None:
    webhook_service.check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://169.254.10.10/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://user@127.0.0.1/",
    ],
)
def test_allow_private_never_admits_metadata_or_link_local(url: str) -> None:
    with pytest.raises(Unprocessable):
        webhook_service.check_url(url, allow_private=True)


# --- Registering ----------------------------------------------------------------------------------


def test_create_derives_the_secret_and_stores_nothing_secret(webhook_db: WebhookDb) -> None:
    webhook_id, secret = register(webhook_db, f"https://{PUBLIC_IP}/hook", allow_private=False)
    assert secret.startswith("whsec_")
    assert len(secret) == len("whsec_") + 43
    assert secret == webhook_service.webhook_secret(webhook_db.keyring, webhook_id)
    assert secret != webhook_service.webhook_secret(Keyring(b"another-key" * 4), webhook_id)
    with webhook_db.engine.connect() as conn:
        stored = [str(v) for row in conn.execute(sa.text("SELECT * FROM webhook")) for v in row]
        actions = list(
            conn.execute(sa.text("SELECT action, object_id FROM audit_entry WHERE object_kind = 'webhook'"))
        )
    assert not [v for v in stored if secret[6:] in v or "whsec_" in v]
    assert [tuple(a) for a in actions] == [("webhook.created", webhook_id)]


def test_delete_cancels_pending_deliveries_and_hides_from_other_orgs(webhook_db: WebhookDb) -> None:
    webhook_id, _ = register(webhook_db, "http://127.0.0.1:9/hook")
    assert enqueue(webhook_db) == 1
    with unit_of_work(webhook_db.engine, webhook_db.keyring) as session, pytest.raises(NotFound):
        webhook_service.delete(session, webhook_id, by=webhook_db.other_admin)
    with unit_of_work(webhook_db.engine, webhook_db.keyring) as session:
        webhook_service.delete(session, webhook_id, by=webhook_db.admin)
    assert [d.status for d in deliveries(webhook_db)] == [DeliveryStatus.cancelled]
    assert enqueue(webhook_db) == 0
    assert deliver(webhook_db) == webhook_service.DeliveryReport()
    with Session(webhook_db.engine) as session:
        rows, _ = webhook_service.list_webhooks(session, by=webhook_db.admin, limit=10, cursor=None)
        assert [(w.id, w.active) for w in rows] == [(webhook_id, False)]
        assert webhook_service.list_webhooks(session, by=webhook_db.other_admin, limit=10, cursor=None) == (
            [],
            None,
        )
        with pytest.raises(NotFound):
            webhook_service.list_deliveries(
                session, webhook_id, by=webhook_db.other_admin, limit=10, cursor=None
            )
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.object_id == webhook_id)).all()
    assert list(actions) == ["webhook.created", "webhook.deleted"]


def test_an_org_has_at_most_twenty_active_webhooks(webhook_db: WebhookDb) -> None:
    ids = [register(webhook_db, f"http://127.0.0.1:9/{n}")[0] for n in range(20)]
    with pytest.raises(Conflict, match="at most 20"):
        register(webhook_db, "http://127.0.0.1:9/one-too-many")
    register(webhook_db, "http://127.0.0.1:9/theirs", by=webhook_db.other_admin)
    with unit_of_work(webhook_db.engine, webhook_db.keyring) as session:
        webhook_service.delete(session, ids[0], by=webhook_db.admin)
    register(webhook_db, "http://127.0.0.1:9/replacement")


# --- The outbox -----------------------------------------------------------------------------------


def test_enqueue_matches_event_filters_of_the_org_only(webhook_db: WebhookDb) -> None:
    register(webhook_db, "http://127.0.0.1:9/a", events=("challenge.*",))
    register(webhook_db, "http://127.0.0.1:9/b", events=("notice.status_changed",))
    register(webhook_db, "http://127.0.0.1:9/c", events=("*",))
    register(webhook_db, "http://127.0.0.1:9/d", events=("challenge.decided",))
    register(webhook_db, "http://127.0.0.1:9/e", events=("*",), by=webhook_db.other_admin)
    assert enqueue(webhook_db, "challenge.filed", challenge_id="c-1") == 2
    assert enqueue(webhook_db, "challenge.decided", challenge_id="c-1", outcome="deleted") == 3
    assert enqueue(webhook_db, "notice.status_changed", notice_id="n-1", status="deleted") == 2
    rows = deliveries(webhook_db)
    assert len(rows) == 7
    assert {r.org_id for r in rows} == {webhook_db.admin.org_id}
    body = json.loads(rows[0].body)
    assert set(body) == {"id", "event", "occurred_at", "data"}
    assert body["id"] == rows[0].id
    assert body["event"] == "challenge.filed"
    assert body["data"] == {"challenge_id": "c-1"}
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert body["occurred_at"].endswith("Z")


def test_enqueue_refuses_unknown_events_and_free_text(webhook_db: WebhookDb) -> None:
    register(webhook_db, "http://127.0.0.1:9/hook")
    with pytest.raises(ValueError, match="unknown webhook event"):
        enqueue(webhook_db, "person.created", person_id="p-1")
    with pytest.raises(ValueError, match="'note'"):
        enqueue(
            webhook_db, "notice.status_changed", note="A long free-text note that could name a person " * 2
        )
    with pytest.raises(ValueError, match="'names'"):
        enqueue(webhook_db, "notice.status_changed", names=["A", "B"])
    assert deliveries(webhook_db) == []


def test_a_rollback_leaves_no_outbox_row(webhook_db: WebhookDb) -> None:
    register(webhook_db, "http://127.0.0.1:9/hook")
    queued: list[int] = []

    def change_that_fails() -> None:
        with unit_of_work(webhook_db.engine, webhook_db.keyring) as session:
            org_id = webhook_db.admin.org_id
            queued.append(
                webhook_service.enqueue(session, org_id=org_id, event="notice.status_changed", data={})
            )
            raise RuntimeError("the change failed after its event was queued")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert queued == [1]
    assert deliveries(webhook_db) == []


def test_enqueue_never_touches_the_network(webhook_db: WebhookDb, monkeypatch: pytest.MonkeyPatch) -> None:
    register(webhook_db, "http://127.0.0.1:9/hook")

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("enqueue must not open connections")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert enqueue(webhook_db) == 1


# --- Delivery -------------------------------------------------------------------------------------


def test_delivery_to_a_local_receiver_is_signed(webhook_db: WebhookDb, receiver: Receiver) -> None:
    webhook_id, secret = register(webhook_db, receiver.url())
    enqueue(webhook_db, "notice.status_changed", notice_id="n-1", status="deleted")
    report = deliver(webhook_db)
    assert report == webhook_service.DeliveryReport(claimed=1, delivered=1)
    [got] = receiver.requests
    [row] = deliveries(webhook_db)
    assert got.path == "/hook"
    assert got.body == row.body.encode()
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == "article3-webhooks/1"
    assert got.headers["X-Article3-Event"] == "notice.status_changed"
    assert got.headers["X-Article3-Delivery"] == row.id == json.loads(got.body)["id"]
    assert got.headers["X-Article3-Signature"].startswith("v1=")
    verify = receiver_verify()
    assert verify(secret, got.headers, got.body)
    assert not verify(secret, got.headers, got.body + b" ")
    assert not verify(
        webhook_service.webhook_secret(webhook_db.keyring, str(uuid.uuid4())), got.headers, got.body
    )
    stale = Message()
    stale["X-Article3-Timestamp"] = str(int(time.time()) - 301)
    stale["X-Article3-Signature"] = webhook_service.signature(
        secret, int(stale["X-Article3-Timestamp"]), row.body
    )
    assert not verify(secret, stale, got.body)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        DeliveryStatus.delivered,
        1,
        200,
        None,
    )
    assert row.delivered_at is not None
    assert row.next_attempt_at is None
    assert row.webhook_id == webhook_id
    assert deliver(webhook_db) == webhook_service.DeliveryReport()


def test_a_500_is_retried_with_backoff_then_failed(webhook_db: WebhookDb, receiver: Receiver) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    receiver.status = 500
    at = datetime.now(UTC)
    pauses = []
    for attempt in range(1, 7):
        report = deliver(webhook_db, now=at)
        [row] = deliveries(webhook_db)
        assert (row.attempts, row.last_status_code, row.last_error) == (attempt, 500, "HTTP 500")
        if attempt < 6:
            assert report == webhook_service.DeliveryReport(claimed=1, retrying=1)
            assert row.status == DeliveryStatus.pending
            assert row.next_attempt_at is not None
            assert deliver(webhook_db, now=row.next_attempt_at - timedelta(seconds=1)).claimed == 0
            pauses.append((row.next_attempt_at - at).total_seconds())
            at = row.next_attempt_at
    assert report == webhook_service.DeliveryReport(claimed=1, failed=1)
    assert (row.status, row.next_attempt_at) == (DeliveryStatus.failed, None)
    for pause, base in zip(pauses, webhook_service.BACKOFF_S, strict=True):
        assert 0.8 * base - 1 <= pause <= 1.2 * base + 1
    assert len(receiver.requests) == 6
    assert len({r.body for r in receiver.requests}) == 1  # every retry sends the same bytes
    assert len({r.headers["X-Article3-Delivery"] for r in receiver.requests}) == 1
    assert deliver(webhook_db, now=at + timedelta(days=30)).claimed == 0


def test_a_slow_receiver_times_out_and_is_retried(webhook_db: WebhookDb, receiver: Receiver) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    receiver.hold.clear()
    assert deliver(webhook_db, timeout_s=0.2) == webhook_service.DeliveryReport(claimed=1, retrying=1)
    [row] = deliveries(webhook_db)
    assert (row.status, row.last_error, row.last_status_code) == (DeliveryStatus.pending, "timed out", None)
    receiver.hold.set()
    assert row.next_attempt_at is not None
    assert deliver(webhook_db, now=row.next_attempt_at).delivered == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_redirects_are_not_followed(webhook_db: WebhookDb, receiver: Receiver) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    receiver.status, receiver.location = 307, f"http://127.0.0.1:{receiver.port}/elsewhere"
    assert deliver(webhook_db).retrying == 1
    [row] = deliveries(webhook_db)
    assert (row.last_status_code, row.last_error) == (307, "HTTP 307: redirects are not followed")
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_an_unreachable_receiver_is_retried(webhook_db: WebhookDb) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    register(webhook_db, f"http://127.0.0.1:{port}/hook")
    enqueue(webhook_db)
    assert deliver(webhook_db, timeout_s=1.0).retrying == 1
    assert deliveries(webhook_db)[0].last_error == "connection failed"


def test_deliveries_survive_a_restart(webhook_db: WebhookDb, receiver: Receiver) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    webhook_db.engine.dispose()
    fresh = make_engine(webhook_db.url, writer=True)
    try:
        report = webhook_service.deliver_due(fresh, webhook_db.keyring, allow_private=True)
    finally:
        fresh.dispose()
    assert report.delivered == 1
    assert len(receiver.requests) == 1


class Crash(BaseException):
    """The process dies in the middle of a send."""


def test_a_send_cut_short_is_sent_again_after_its_lease(webhook_db: WebhookDb, receiver: Receiver) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    at = datetime.now(UTC)

    def crash(_request: httpx.Request) -> httpx.Response:
        raise Crash

    with pytest.raises(Crash):
        deliver(webhook_db, now=at, transport=httpx.MockTransport(crash))
    [row] = deliveries(webhook_db)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        DeliveryStatus.pending,
        1,
        at + webhook_service.LEASE,
    )
    assert deliver(webhook_db, now=at + timedelta(minutes=1)).claimed == 0  # leased: no second sender
    assert deliver(webhook_db, now=at + webhook_service.LEASE).delivered == 1
    assert len(receiver.requests) == 1


# --- SSRF at sending time -------------------------------------------------------------------------


def test_a_host_that_rebinds_to_loopback_is_refused_at_sending(
    webhook_db: WebhookDb, receiver: Receiver, fake_dns: FakeDns
) -> None:
    fake_dns.set("hooks.example.org", [PUBLIC_IP])
    register(webhook_db, receiver.url("hooks.example.org", scheme="https"), allow_private=False)
    enqueue(webhook_db)
    fake_dns.set("hooks.example.org", ["127.0.0.1"])
    assert deliver(webhook_db, allow_private=False).retrying == 1
    assert deliveries(webhook_db)[0].last_error == "host resolves to a loopback address"
    assert receiver.requests == []


def test_a_url_registered_under_allow_private_is_refused_without_it(
    webhook_db: WebhookDb, receiver: Receiver
) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)
    assert deliver(webhook_db, allow_private=False).retrying == 1
    assert deliveries(webhook_db)[0].last_error == "url must use https."
    assert receiver.requests == []


def _tls_contexts(tmp_path: Path, hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `hostname`, and a client context trusting its CA only."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "article3 test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


def test_tls_goes_to_the_checked_address_but_checks_the_host_name(
    webhook_db: WebhookDb, tmp_path: Path, fake_dns: FakeDns
) -> None:
    server_tls, client_tls = _tls_contexts(tmp_path, "hooks.test")
    receiver = Receiver(tls=server_tls)
    try:
        fake_dns.set("hooks.test", ["127.0.0.1"])  # only our resolver knows these names
        fake_dns.set("other.test", ["127.0.0.1"])
        fake_dns.set("rebound.test", ["127.0.0.1"])
        _, secret = register(webhook_db, receiver.url("hooks.test", scheme="https"))
        register(webhook_db, receiver.url("other.test", scheme="https"))
        register(webhook_db, receiver.url("rebound.test", scheme="https"))
        fake_dns.set("rebound.test", ["169.254.169.254"])  # rebinding after the check at registration
        # A second lookup of a name would now get an address where nobody listens: the socket must
        # go to the address the one checked lookup gave.
        fake_dns.set("hooks.test", ["127.0.0.1"], ["192.0.2.1"])
        fake_dns.set("other.test", ["127.0.0.1"], ["192.0.2.1"])
        enqueue(webhook_db)
        transport = webhook_service.GuardedTransport(allow_private=True, verify=client_tls)
        with transport:
            report = deliver(webhook_db, transport=transport, timeout_s=2.0)
    finally:
        receiver.close()
    assert report == webhook_service.DeliveryReport(claimed=3, delivered=1, retrying=2)
    assert fake_dns.lookups == {"hooks.test": 1, "other.test": 1, "rebound.test": 1}
    [got] = receiver.requests
    assert got.headers["Host"] == f"hooks.test:{receiver.port}"
    assert "hooks.test" in receiver.sni
    assert receiver_verify()(secret, got.headers, got.body)
    assert {d.last_error for d in deliveries(webhook_db)} == {
        None,
        "TLS handshake failed",  # other.test: the certificate names hooks.test
        "host resolves to a cloud metadata address",
    }


# --- The worker -----------------------------------------------------------------------------------


def test_the_worker_sends_leftovers_at_start_and_new_rows_on_commit(
    webhook_db: WebhookDb, receiver: Receiver
) -> None:
    register(webhook_db, receiver.url())
    enqueue(webhook_db)  # before the worker runs: a restart's leftovers
    worker = webhook_service.DeliveryWorker(
        webhook_db.engine, webhook_db.keyring, allow_private=True, interval_s=3600, timeout_s=2.0
    )
    worker.start()
    try:
        assert receiver.wait_for(1, timeout_s=10)
        enqueue(webhook_db)  # no timer will fire for an hour: only the commit can wake the worker
        assert receiver.wait_for(2, timeout_s=10)
    finally:
        worker.stop()
    assert len(receiver.requests) == 2


# --- Through the app (needs the wiring) -----------------------------------------------------------


@pytest.fixture
def private_client(database_url: str) -> Iterator[TestClient]:
    """The app with ARTICLE3_WEBHOOK_ALLOW_PRIVATE on, so a receiver on 127.0.0.1 is allowed."""
    settings = Settings(
        _env_file=None, database_url=database_url, secret_key=SECRET, webhook_allow_private=True
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _await_delivered(engine: sa.Engine, keyring: Keyring, count: int) -> None:
    """Until `count` deliveries are recorded as delivered. The lifespan worker normally sends at once;
    driving `deliver_due` too keeps the test independent of its timing (a claimed row is skipped)."""
    delivered = select(WebhookDelivery.id).where(WebhookDelivery.status == DeliveryStatus.delivered)
    for _ in range(100):
        with Session(engine) as session:
            if len(session.exec(delivered).all()) >= count:
                return
        webhook_service.deliver_due(engine, keyring, allow_private=True)
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} deliveries recorded as delivered")


def test_api_webhooks_register_list_delete(
    private_client: TestClient, org_a: OrgTokens, org_b: OrgTokens, receiver: Receiver
) -> None:
    body = {
        "url": receiver.url(),
        "events": ["challenge.*", "notice.status_changed"],
        "description": "CCF desk",
    }
    assert private_client.post("/api/v1/webhooks", json=body, headers=org_a.editor).status_code == 403
    extra = private_client.post("/api/v1/webhooks", json={**body, "secret": "mine"}, headers=org_a.admin)
    assert extra.status_code == 422
    bad_event = private_client.post(
        "/api/v1/webhooks", json={**body, "events": ["person.*"]}, headers=org_a.admin
    )
    assert bad_event.status_code == 422
    metadata = private_client.post(
        "/api/v1/webhooks", json={**body, "url": "http://169.254.169.254/latest"}, headers=org_a.admin
    )
    assert metadata.status_code == 422
    assert metadata.json()["errors"][0]["loc"] == ["body", "url"]

    created = private_client.post("/api/v1/webhooks", json=body, headers=org_a.admin)
    assert created.status_code == 201, created.text
    webhook = created.json()
    assert set(webhook) == {"id", "url", "events", "description", "secret", "created_at", "active"}
    assert webhook["secret"].startswith("whsec_")
    assert webhook["active"] is True
    assert webhook["created_at"].endswith("Z")
    assert created.headers["Location"] == f"/api/v1/webhooks/{webhook['id']}"

    listed = private_client.get("/api/v1/webhooks", headers=org_a.admin).json()["items"]
    assert [w["id"] for w in listed] == [webhook["id"]]
    assert "secret" not in listed[0]
    assert private_client.get("/api/v1/webhooks", headers=org_a.viewer).status_code == 403
    assert private_client.get("/api/v1/webhooks", headers=org_b.admin).json()["items"] == []

    unknown = str(uuid.uuid4())
    for method, path in (("DELETE", "/api/v1/webhooks/{}"), ("GET", "/api/v1/webhooks/{}/deliveries")):
        foreign = private_client.request(method, path.format(webhook["id"]), headers=org_b.admin)
        missing = private_client.request(method, path.format(unknown), headers=org_b.admin)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.content == missing.content

    assert private_client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=org_a.admin).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert private_client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=org_a.admin).status_code == 204
    [deleted] = private_client.get("/api/v1/webhooks", headers=org_a.admin).json()["items"]
    assert deleted["active"] is False
    actions = [e["action"] for e in private_client.get("/api/v1/audit", headers=org_a.admin).json()["items"]]
    assert {"webhook.created", "webhook.deleted"} <= set(actions)


def test_api_webhooks_refuse_private_urls_by_default(client: TestClient, org_a: OrgTokens) -> None:
    for url in (
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/",
    ):
        response = client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=org_a.admin)
        assert response.status_code == 422, url
        assert response.headers["content-type"] == "application/problem+json"


def test_api_webhooks_deliver_a_notice_status_change_signed(
    private_client: TestClient, org_a: OrgTokens, receiver: Receiver, db: sa.Engine, keyring: Keyring
) -> None:
    webhook = private_client.post(
        "/api/v1/webhooks", json={"url": receiver.url(), "events": ["notice.*"]}, headers=org_a.admin
    ).json()
    person = make_person(private_client, org_a.editor)
    notice = make_notice(private_client, org_a.editor, person["id"], requested_on="2015-01")
    changed = private_client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "deleted", "on": "2018-03-02", "actor": "ccf", "reason": "article_3"},
        headers=org_a.editor,
    )
    assert changed.status_code == 200, changed.text
    _await_delivered(db, keyring, 1)
    [got] = receiver.requests
    assert receiver_verify()(webhook["secret"], got.headers, got.body)
    payload = json.loads(got.body)
    assert payload["event"] == "notice.status_changed"
    assert payload["data"]["notice_id"] == notice["id"]
    assert person["name"] not in got.body.decode()
    [delivery] = private_client.get(
        f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=org_a.admin
    ).json()["items"]
    assert delivery["id"] == payload["id"]
    assert delivery["status"] == "delivered"
    assert delivery["last_status_code"] == 200
    assert "body" not in delivery
