"""What the benchmark scripts share: a uvicorn server in a subprocess, tokens, secret keys, percentiles.

Not a benchmark itself. Imported by the scripts beside it (`python bench/x.py` puts bench/ on sys.path).
"""

import ctypes
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.db import make_engine, unit_of_work  # noqa: E402
from app.keyring import Keyring  # noqa: E402
from app.models.token import Role, TokenCreate  # noqa: E402
from app.services import org as org_service  # noqa: E402
from app.services import token as token_service  # noqa: E402
from app.settings import sqlite_path  # noqa: E402


def database_url(target: str) -> str:
    """A SQLite file path or any SQLAlchemy URL."""
    return target if "://" in target else f"sqlite:///{Path(target).resolve()}"


def secret_key(url: str, given: str | None = None) -> str:
    """--secret-key, else $ARTICLE3_SECRET_KEY, else the SQLite key file, else bench/out/secret_key.txt."""
    if given:
        return given
    if os.environ.get("ARTICLE3_SECRET_KEY"):
        return os.environ["ARTICLE3_SECRET_KEY"]
    db_file = sqlite_path(url)
    if db_file is not None and db_file.with_name(db_file.name + ".key").exists():
        return db_file.with_name(db_file.name + ".key").read_text().strip()
    saved = OUT / "secret_key.txt"
    if saved.exists():
        return saved.read_text().strip()
    sys.exit("no secret key: pass --secret-key or set ARTICLE3_SECRET_KEY")


def write_private(path: Path, text: str) -> None:
    """A file only its owner can read (a secret key, a token), created with those rights from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")


def fresh_sqlite(path: Path, key: str) -> str:
    """An empty SQLite database at `path` migrated with `key`, which is also written beside it as the
    app's `<file>.key` (any older database, its WAL files and key removed first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    write_private(Path(f"{path}.key"), key)
    url = f"sqlite:///{path.resolve()}"
    migrate.upgrade(url, keyring=Keyring(key.encode()))
    return url


@dataclass
class PostgresDatabase:
    """A database of our own on a PostgreSQL server: created (it must not exist yet), migrated, dropped."""

    url: str

    def __post_init__(self) -> None:
        target = sa.make_url(self.url)
        self.name = target.database
        self.admin = sa.create_engine(
            target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )

    def create(self, key: str) -> str:
        with self.admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": self.name}
            ).first()
            if exists is not None:
                sys.exit(f"database {self.name!r} exists already; this benchmark creates and drops its own")
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        migrate.upgrade(self.url, keyring=Keyring(key.encode()))
        return self.url

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def mint_token(url: str, key: str, *, org: str, role: Role, create_org: bool = False) -> str:
    """A new token for organisation `org`, made by the app's own services (its audit entry chains)."""
    keyring = Keyring(key.encode())
    engine = make_engine(url, writer=True, pooled=False, keyring=keyring)
    try:
        with unit_of_work(engine, keyring) as session:
            owner = org_service.create(session, name=org) if create_org else org_service.by_name(session, org)
            _, plain = token_service.create(
                session, org_id=owner.id, data=TokenCreate(role=role, label="benchmark"), by=None
            )
    finally:
        engine.dispose()
    return plain


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the benchmark dies, so no server outlives it."""
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """`uvicorn --factory bench_app:create` (one worker unless told, no access log) in a subprocess, ready
    on enter: with several workers, once every worker has finished its start-up (name index and all)."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        log: Path,
        start_timeout: float = 600,
        env: dict[str, str] | None = None,
        cpu: int | None = None,
        workers: int = 1,
    ) -> None:
        """`cpu`: pin the server to that core (`taskset -c`), so the load generator can have the other."""
        self.url, self.key, self.start_timeout, self.log = url, key, start_timeout, log
        self.cpu = cpu
        self.workers = workers
        self.extra_env = env or {}
        self._log_file: IO[bytes] | None = None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    def __enter__(self) -> "Server":
        env = {
            **os.environ,
            "ARTICLE3_DATABASE_URL": self.url,
            "ARTICLE3_SECRET_KEY": self.key,
            **self.extra_env,
        }
        pin = ["taskset", "-c", str(self.cpu)] if self.cpu is not None else []
        command = [
            *pin,
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench_app:create",
            "--app-dir",
            str(BENCH),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            # uvicorn's lifecycle lines ("Application startup complete.") tell when every worker is ready
            "warning" if self.workers == 1 else "info",
            # a worker building a million-person name index may not answer the supervisor's ping in the
            # default 5 s on a busy machine, and is then killed and started again, for ever
            "--timeout-worker-healthcheck",
            "120",
        ]
        began = time.perf_counter()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = began + self.start_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with code {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200 and self._all_started():
                    self.startup_s = time.perf_counter() - began
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("uvicorn did not answer /healthz in time")

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()

    def _all_started(self) -> bool:
        if self.workers == 1:
            return True
        return self.log.read_text(errors="replace").count("Application startup complete") >= self.workers

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each worker process (the children of uvicorn's supervisor; Linux only)."""
        if self.process is None or self.workers == 1:
            pids = [self.process.pid] if self.process is not None else []
        else:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids = [  # the spawned workers, not multiprocessing's resource tracker
                int(pid)
                for pid in children.read_text().split()
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
        sizes = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def errors_logged(self) -> int:
        """Tracebacks the server wrote to its log (its unhandled exceptions: each one a 500)."""
        return self.log.read_text(errors="replace").count("Traceback (most recent call last)")


def server_times(client: httpx.Client) -> list[float]:
    """Seconds the server (bench_app) spent on each request since the last call, and clears them."""
    response = client.get("/bench/server-times")
    response.raise_for_status()
    return [float(s) for s in response.json()]


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least pct% of the values at or below it)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class LoadRun:
    """What a load generator saw: answers in all, wall time, failures, client-side latency."""

    requests: int
    seconds: float
    bad: int  # non-2xx answers and socket errors
    p50: float
    p99: float
    cpu_s: float = 0.0  # the server's own CPU time (user + system) during the run
    output: str = ""  # wrk's own report (and what its Lua script printed)

    @property
    def cpu_ms(self) -> float:
        """Server CPU per answered request: what a busy machine's other work does not change much."""
        return 1000 * self.cpu_s / max(1, self.requests)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk_seconds(text: str) -> float:
    """A duration as wrk prints it (`812.00us`, `3.20ms`, `1.05s`, `2.00m`) in seconds."""
    value = float(re.findall(r"[\d.]+", text)[0])
    if text.endswith("us"):
        return value / 1e6
    if text.endswith("ms"):
        return value / 1e3
    return value * 60 if text.endswith("m") else value


def run_wrk(
    url: str,
    *,
    duration: float,
    connections: int,
    headers: dict[str, str],
    lua: Path | None,
    cpu: int | None = None,
    timeout: float = 30,
    stop_file: Path | None = None,
) -> LoadRun:
    """`wrk` (one thread, `connections` keep-alive connections, `duration` seconds) against `url`,
    pinned to core `cpu` when given (`taskset -c`). With `stop_file`, wrk is stopped (SIGINT: it
    reports what it measured so far, timed to then) as soon as its Lua script creates that file."""
    command = [
        *(["taskset", "-c", str(cpu)] if cpu is not None else []),
        wrk_path() or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{math.ceil(duration)}s",
        "--latency",
        "--timeout",
        f"{math.ceil(timeout)}s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if lua is not None:
        command += ["-s", str(lua)]
    if stop_file is None:
        out = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, timeout=duration + timeout + 30
        ).stdout
    else:
        out = _wrk_until(command + [url], stop_file, duration + timeout + 30)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    assert total is not None, out
    seconds = wrk_seconds(total.group(2) + total.group(3))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    return LoadRun(
        int(total.group(1)), seconds, bad, wrk_seconds(latency["50"]), wrk_seconds(latency["99"]), output=out
    )


def _wrk_until(command: list[str], stop_file: Path, limit: float) -> str:
    stop_file.unlink(missing_ok=True)
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent) as wrk:
        deadline = time.monotonic() + limit
        while wrk.poll() is None and not stop_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        wrk.send_signal(signal.SIGINT)  # taskset has exec'd wrk: the same process
        out, _ = wrk.communicate(timeout=30)
    stop_file.unlink(missing_ok=True)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_load() -> str:
    """The 1-minute load average against the core count: other work on the machine skews every number."""
    one, _, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    note = (
        ""
        if one < cores * 0.75
        else "  (busy: other processes compete for the cores; numbers are pessimistic)"
    )
    return f"load {one:.2f} on {cores} cores{note}"


def wait_until_quiet(max_load: float, timeout: float) -> None:
    """Wait (up to `timeout` seconds) for the 1-minute load average to drop below `max_load`."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)
