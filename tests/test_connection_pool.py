"""Pooled PostgreSQL connections: pinged before use only after lying idle (app.db._ping_when_idle)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPIConnection

from app import db


@pytest.fixture
def on_postgresql(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL pool: run with ARTICLE3_TEST_DATABASE_URL (as CI's PostgreSQL run does)")
    return database_url


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    killer = db.make_engine(url, writer=True, pooled=False)
    with killer.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def _pings(engine: sa.Engine) -> list[int]:
    """Counts the pings on this engine's connections (a ping is the dialect's `do_ping`)."""
    sent: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: DBAPIConnection) -> bool:
        sent.append(1)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return sent


def test_a_connection_closed_while_idle_is_replaced_before_the_request_uses_it(
    on_postgresql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.make_engine(on_postgresql, writer=False)
    try:
        first = _backend(engine)
        _terminate(on_postgresql, first)  # a database restart, or an idle timeout, as far as the pool knows
        monkeypatch.setattr(db, "IDLE_PING_S", 0.0)  # the connection has lain idle long enough
        sent = _pings(engine)
        second = _backend(engine)  # no error: the failed ping made the pool open another connection
        assert second != first
        assert len(sent) == 1
    finally:
        engine.dispose()


def test_a_connection_given_back_moments_ago_is_used_without_a_ping(on_postgresql: str) -> None:
    engine = db.make_engine(on_postgresql, writer=False)
    try:
        sent = _pings(engine)
        backends = {_backend(engine) for _ in range(5)}
        assert len(backends) == 1  # the same pooled connection each time
        assert sent == []  # one round trip fewer for each
    finally:
        engine.dispose()
