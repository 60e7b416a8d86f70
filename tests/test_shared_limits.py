"""The rate limit and the daily quota hold for the sum of every process serving one database: counted in
PostgreSQL, or in Redis when ARTICLE3_REDIS_URL is set; in memory only on embedded SQLite.

Two real servers (uvicorn, each its own process) share a database; one token's requests alternate
between them. Counted per process, each would let through its own allowance: twice the limit.
"""

import hashlib
import json
import socket
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.keyring import Keyring
from app.main import create_app
from app.services import rate_limit
from app.services.rate_limit import DatabaseWindow, LimiterUnavailable, RedisWindow, SlidingWindow
from app.settings import Settings
from tests.conftest import OrgTokens, serving

REDIS_URL = "redis://127.0.0.1:6379/0"
PER_MINUTE = 6
QUOTA = 3


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def on_postgresql(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("counts in PostgreSQL: run with ARTICLE3_TEST_DATABASE_URL (as CI's PostgreSQL run does)")
    return database_url


@pytest.fixture
def redis_url() -> str:
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture
def two_servers(database_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    env = {"ARTICLE3_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE), "ARTICLE3_DAILY_READ_QUOTA": str(QUOTA)}
    env |= getattr(request, "param", {})
    with (
        serving(database_url, output=None, **env) as first,
        serving(database_url, output=None, **env) as second,
    ):
        yield first, second


def _alternating(servers: tuple[str, str], path: str, headers: dict[str, str], count: int) -> list[int]:
    with httpx.Client(base_url=servers[0]) as one, httpx.Client(base_url=servers[1]) as other:
        return [(one, other)[i % 2].get(path, headers=headers).status_code for i in range(count)]


def _holds_for_the_sum(servers: tuple[str, str], org: OrgTokens) -> None:
    # /states is no read of persons' data: the rate limit alone.
    states = _alternating(servers, "/api/v1/states", org.analyst, PER_MINUTE + 4)
    assert states == [200] * PER_MINUTE + [429] * 4, states
    # /persons is: the daily quota refuses first (the rate limit's allowance is larger).
    persons = _alternating(servers, "/api/v1/persons", org.viewer, QUOTA + 2)
    assert persons == [200] * QUOTA + [429] * 2, persons


def test_two_processes_on_postgresql_share_the_limits(
    on_postgresql: str, two_servers: tuple[str, str], org_a: OrgTokens
) -> None:
    _holds_for_the_sum(two_servers, org_a)


@pytest.mark.parametrize("two_servers", [{"ARTICLE3_REDIS_URL": REDIS_URL}], indirect=True)
def test_two_processes_with_redis_share_the_limits(
    redis_url: str, two_servers: tuple[str, str], org_a: OrgTokens
) -> None:
    _holds_for_the_sum(two_servers, org_a)


def test_the_database_window_gives_the_last_request_to_one_thread_only(
    on_postgresql: str, keyring: Keyring
) -> None:
    engine = sa.create_engine(on_postgresql, pool_size=12)
    window = DatabaseWindow(engine, per_minute=20)
    key = f"token:{uuid.uuid4()}"
    start = threading.Barrier(10)
    waits: list[float] = []

    def hammer() -> None:
        start.wait()
        waits.extend(window.wait_s(key) for _ in range(5))

    threads = [threading.Thread(target=hammer) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len(waits) == 50
    assert waits.count(0.0) == 20
    assert all(0 < wait <= 60 for wait in waits if wait)


def _row_of(engine: sa.Engine, key: str) -> list[list[float]]:
    digest = hashlib.sha256(key.encode()).hexdigest()
    with engine.connect() as connection:
        hits = connection.execute(
            sa.text("SELECT hits FROM rate_limit_window WHERE key = :key"), {"key": digest}
        ).scalar_one()
    row = json.loads(hits)
    assert isinstance(row, list)
    return row


def test_the_database_window_keeps_a_count_per_second_not_a_moment_per_request(on_postgresql: str) -> None:
    engine = sa.create_engine(on_postgresql)
    window = DatabaseWindow(engine, per_minute=1000)
    key = f"token:{uuid.uuid4()}"
    assert all(window.wait_s(key) == 0.0 for _ in range(150))
    row = _row_of(engine, key)
    engine.dispose()
    assert len(row) <= 61, "the row grows with the seconds of a window, not with its requests"
    assert sum(requests for _, requests in row) == 150
    seconds = [int(moment) for moment, _ in row]
    assert seconds == sorted(set(seconds)), "one pair per second, in order"


def test_a_row_of_moments_written_before_the_counts_per_second_still_counts(on_postgresql: str) -> None:
    engine = sa.create_engine(on_postgresql)
    key = f"token:{uuid.uuid4()}"
    with engine.begin() as connection:
        now = float(connection.execute(sa.text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar_one())
        connection.execute(
            sa.text("INSERT INTO rate_limit_window (key, hits, expires_at) VALUES (:key, :hits, :expires)"),
            {
                "key": hashlib.sha256(key.encode()).hexdigest(),
                "hits": json.dumps([now - 90.0, now - 20.5, now - 20.4, now - 3.0]),  # one outside the window
                "expires": now - 3.0 + 60,
            },
        )
    window = DatabaseWindow(engine, per_minute=5)
    assert [window.wait_s(key) for _ in range(2)] == [0.0, 0.0]
    assert 0 < window.wait_s(key) <= 60  # three moments and two new requests fill the allowance of five
    assert sum(requests for _, requests in _row_of(engine, key)) == 5
    engine.dispose()


def test_the_database_windows_commit_does_not_wait_for_the_disk(on_postgresql: str) -> None:
    """`rate_limit_hit` turns `synchronous_commit` off for its own transaction only."""
    engine = sa.create_engine(on_postgresql)
    call = {"caller": hashlib.sha256(b"token:sync").hexdigest(), "per_minute": 5, "prune": False}
    with engine.begin() as connection:
        assert connection.execute(rate_limit.HIT, call).scalar_one() == 0.0
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    engine.dispose()


def test_a_count_now_and_then_deletes_the_rows_of_idle_callers(
    on_postgresql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of callers idle a whole window go (now and then, PRUNE_CHANCE); a row another call holds is
    skipped, not waited for; the caller's own row and rows still counting stay."""
    engine = sa.create_engine(on_postgresql)
    idle, held, recent = (hashlib.sha256(f"address:{uuid.uuid4()}".encode()).hexdigest() for _ in range(3))
    with engine.begin() as connection:
        now = float(connection.execute(sa.text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar_one())
        for key, last in ((idle, now - 120), (held, now - 120), (recent, now - 10)):
            connection.execute(
                sa.text(
                    "INSERT INTO rate_limit_window (key, hits, expires_at) VALUES (:key, :hits, :expires)"
                ),
                {"key": key, "hits": json.dumps([[last, 1]]), "expires": last + 60},
            )
    window = DatabaseWindow(engine, per_minute=5)
    key = f"token:{uuid.uuid4()}"
    monkeypatch.setattr(rate_limit, "PRUNE_CHANCE", 0.0)
    assert window.wait_s(key) == 0.0
    with engine.connect() as connection:
        left = set(connection.execute(sa.text("SELECT key FROM rate_limit_window")).scalars())
    assert {idle, held, recent} <= left, "no prune without its chance"
    monkeypatch.setattr(rate_limit, "PRUNE_CHANCE", 1.0)
    with engine.begin() as holder:
        holder.execute(sa.text("SELECT 1 FROM rate_limit_window WHERE key = :key FOR UPDATE"), {"key": held})
        assert window.wait_s(key) == 0.0  # while `held` is locked: skipped, not waited for
    with engine.connect() as connection:
        left = set(connection.execute(sa.text("SELECT key FROM rate_limit_window")).scalars())
    engine.dispose()
    assert idle not in left
    assert {held, recent, hashlib.sha256(key.encode()).hexdigest()} <= left


def test_redis_window_counts_per_key(redis_url: str) -> None:
    window = RedisWindow(redis_url, per_minute=3)
    key = f"token:{uuid.uuid4()}"
    assert [window.wait_s(key) for _ in range(3)] == [0.0] * 3
    assert 0 < window.wait_s(key) <= 60
    assert window.wait_s(f"token:{uuid.uuid4()}") == 0.0


def test_each_deployment_counts_where_its_processes_meet(database_url: str, keyring: Keyring) -> None:
    engine = sa.create_engine(database_url)
    picked = rate_limit.for_deployment(per_minute=5, redis_url=None, engine=engine)
    expected = DatabaseWindow if database_url.startswith("postgresql") else SlidingWindow
    assert type(picked) is expected
    if _redis_answers():
        picked = rate_limit.for_deployment(per_minute=5, redis_url=REDIS_URL, engine=engine)
        assert type(picked) is RedisWindow
    engine.dispose()


def test_a_redis_that_does_not_answer_stops_the_start(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"redis_url": SecretStr("redis://127.0.0.1:9/0")}))
    with pytest.raises(LimiterUnavailable), TestClient(app):
        pass


def test_database_window_counts_on_the_requests_connection_only_outside_a_transaction(
    on_postgresql: str,
) -> None:
    """A request's read session on PostgreSQL has no transaction: the count rides on its connection and
    is committed at once. A connection inside a transaction is not used: its rollback would undo the count."""
    engine = sa.create_engine(on_postgresql)
    window = DatabaseWindow(engine, per_minute=100)
    key = f"token:{uuid.uuid4()}"

    def counted() -> int:
        with engine.connect() as other:
            hits = other.execute(
                sa.text("SELECT hits FROM rate_limit_window WHERE key = :key"),
                {"key": hashlib.sha256(key.encode()).hexdigest()},
            ).scalar_one_or_none()
        return sum(n for _, n in (json.loads(hits) if isinstance(hits, str) else hits or []))

    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as request_connection:
            backend = request_connection.connection.dbapi_connection
            assert window.wait_s(key, connection=request_connection) == 0.0
            assert counted() == 1, "committed at once, seen by another connection"
            assert request_connection.connection.dbapi_connection is backend
        with engine.connect() as in_transaction:
            in_transaction.execute(sa.text("SELECT 1"))
            assert window.wait_s(key, connection=in_transaction) == 0.0
            in_transaction.rollback()
        assert counted() == 2, "counted on the window's own connection: the rollback undid nothing"
    finally:
        engine.dispose()
