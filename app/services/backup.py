"""Backups of the SQLite database: an online copy that never holds writers up, verified before it counts,
and a restore that checks the copy, brings it to the current schema and swaps it in atomically.

Why one backup step rather than many small ones: SQLite restarts a paged backup from the first page
whenever another connection writes, so under a steady write load a paged copy never finishes (in our
trial, 1024-page steps with 5 ms pauses had not finished after 58 s of 280 writes a second). The app
keeps the database in WAL mode, where a reader never blocks a writer: a single step copies one
consistent snapshot while every write goes on (the same trial: 1.0 s, and 282 writes landed meanwhile).
A database not in WAL mode is copied in small steps with a pause between them instead, so a writer can
get in; the app switches every database it opens to WAL, so that case is one nobody is serving.

On PostgreSQL these functions refuse and say what to run instead (`PG_BACKUP_HELP`).
"""

import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, func, select

import app.models  # noqa: F401 - every table in the metadata
from app import migrate
from app.db import make_engine, unit_of_work
from app.errors import Conflict
from app.keyring import Keyring
from app.models.audit import AuditEntry
from app.models.person import Person
from app.private_file import open_private
from app.services import audit
from app.services import flag as flag_service
from app.settings import sqlite_path

AUDIT_ENTRY: sa.Table = SQLModel.metadata.tables["audit_entry"]
AUDIT_HEAD: sa.Table = SQLModel.metadata.tables["audit_head"]
PERSON: sa.Table = SQLModel.metadata.tables["person"]
PAGES_PER_STEP = 1024  # only for a database not in WAL mode (see the module docstring)
PAUSE_S = 0.005
LOCK_TIMEOUT_S = 2.0
COPY_CHUNK = 4 * 2**20
MANIFEST_FORMAT = "article3.backup/1"
SIDE_FILES = ("-wal", "-journal")  # hold committed or rolled-back pages: moved aside, never deleted

PG_BACKUP_HELP = (
    "article3 backup and restore work on an SQLite database only. On PostgreSQL use its own tools "
    "(with a plain postgresql:// URL, without +psycopg):\n"
    '  backup:  pg_dump --format=custom --file=article3.dump "$URL"   (one consistent snapshot, safe under load)\n'
    '  restore: createdb article3_restored && pg_restore --no-owner --dbname="$RESTORED_URL" article3.dump\n'
    "then point ARTICLE3_DATABASE_URL at the restored database, run `article3 migrate` and `article3 audit verify`."
)


class BackupRefused(Conflict):
    """A backup or restore that would not be safe, or a copy that fails verification; nothing was replaced."""


@dataclass(frozen=True)
class Verified:
    persons: int
    audit_entries: int


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    persons: int
    audit_entries: int
    elapsed_s: float


@dataclass(frozen=True)
class RestoreReport:
    """`previous`: the replaced database, kept (a hard link, no extra space) until the operator removes it.
    `unsigned`: why the backup's signed manifest did not vouch for it, when it was restored anyway
    (`unsigned=True`); None when the manifest verified."""

    persons: int
    audit_entries: int
    elapsed_s: float
    previous: Path | None
    unsigned: str | None


UNCHECKED = (
    "Checked: SQLite's integrity, the foreign keys and the audit chain. NOT checked: everything the audit "
    "chain does not cover, which may have been edited in the file: the API tokens and their roles, the "
    "organisations, and the current values of every record."
)


def backup(database_url: str, target: Path, *, keyring: Keyring) -> BackupReport:
    """Copy the live database to `target` (mode 0600) while it stays in use, then verify the copy.

    The copy is written beside `target` and only takes its name once its integrity, its foreign keys
    and its audit chain check out. A copy that fails is kept as `<target>.unverified` for investigation.
    """
    started = time.perf_counter()
    live = _live_file(database_url)
    if not live.is_file():
        raise BackupRefused(f"There is no database at {live}.")
    for taken in (target, _manifest_path(target)):
        if taken.exists():
            raise BackupRefused(f"{taken} exists: a backup never overwrites a file; choose a new name.")
    if not target.parent.is_dir():
        raise BackupRefused(f"The directory {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        os.chmod(partial, 0o600)  # whatever the umask: a backup holds every person's data
        with closing(sqlite3.connect(_read_only(live), uri=True, timeout=30)) as source:
            wal = str(source.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
            with closing(sqlite3.connect(partial)) as copy:
                source.backup(copy, pages=-1 if wal else PAGES_PER_STEP, progress=_pause)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _fsync(partial)
    except BaseException:
        _remove(partial)
        raise
    try:
        counts = verify(partial, keyring=keyring)
    except BackupRefused as exc:
        kept = target.with_name(target.name + ".unverified")
        os.replace(partial, kept)
        raise BackupRefused(f"{exc.detail} The copy is kept at {kept} for investigation.") from None
    if not _link(partial, target):
        _remove(partial)
        raise BackupRefused(f"{target} appeared while the backup ran; nothing was overwritten.")
    os.unlink(partial)
    _write_manifest(target, keyring=keyring, counts=counts)
    _fsync(target.parent)  # a rename or link is durable only once its directory is synced
    return BackupReport(
        path=target,
        size_bytes=target.stat().st_size,
        persons=counts.persons,
        audit_entries=counts.audit_entries,
        elapsed_s=time.perf_counter() - started,
    )


def verify(path: Path, *, keyring: Keyring) -> Verified:
    """Check a database file without changing it: SQLite integrity, foreign keys, and the audit chain under
    this server's key (a copy made under another key, or with any entry edited, fails here).

    SQLite's checks run in a second thread while this one walks the chain: SQLite lets go of the GIL, so
    the two take about as long as the longer one (each about 20 s for a million audit entries)."""
    uri = _read_only(path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(_sqlite_checks, path, uri)
        try:
            bad, entries, persons = _walk(uri, keyring=keyring)
        except sa.exc.DBAPIError as exc:
            checked.result()  # SQLite's own finding says more, when it has one
            raise _unreadable(path, exc.orig) from None
        checked.result()
    if bad is not None:
        raise BackupRefused(
            f"The audit chain of {path} fails at entry {bad}: an entry was changed or removed, "
            "or the copy was made under another secret key."
        )
    return Verified(persons=persons, audit_entries=entries)


def _sqlite_checks(path: Path, uri: str) -> None:
    try:
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            tables = {
                str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupRefused(
                    f"{path} is damaged: SQLite's integrity check reports {len(problems)} problem(s)."
                )
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise BackupRefused(f"{path} has records whose parent record is missing.")
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None
    if not {"audit_entry", "audit_head", "person", "alembic_version"} <= tables:
        raise BackupRefused(f"{path} is an SQLite database but not an article3 one.")


def _walk(uri: str, *, keyring: Keyring) -> tuple[int | None, int, int]:
    """(first bad audit entry or None, audit entries, persons)."""
    engine = sa.create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=NullPool,
    )
    try:
        with engine.connect() as connection:
            bad, entries = _verify_chain(connection, keyring=keyring)
            persons = int(connection.execute(sa.select(sa.func.count()).select_from(PERSON)).scalar_one())
    finally:
        engine.dispose()
    return bad, entries, persons


def _verify_chain(connection: sa.Connection, *, keyring: Keyring) -> tuple[int | None, int]:
    """`audit.verify` over plain rows: the same walk (`audit.first_bad_seq`) without an ORM object per
    entry, about twice as fast; a trail holds an entry for every write and every read of a person."""
    head = connection.execute(sa.select(AUDIT_HEAD.c.seq).where(AUDIT_HEAD.c.id == 1)).scalar_one_or_none()
    rows = connection.execute(
        sa.select(AUDIT_ENTRY).order_by(AUDIT_ENTRY.c.seq).execution_options(yield_per=5000)
    )
    try:
        entries = cast(Iterable[AuditEntry], rows)  # each row has the entry's attributes
        bad = audit.first_bad_seq(entries, key=keyring.audit_key, head_seq=head)
    finally:
        rows.close()
    count = connection.execute(sa.select(sa.func.count()).select_from(AUDIT_ENTRY)).scalar_one()
    return bad, int(count)


def restore(
    database_url: str, source: Path, *, keyring: Keyring, force: bool = False, unsigned: bool = False
) -> RestoreReport:
    """Replace the live database with a backup that its signed manifest vouches for, brought to the
    current schema.

    The manifest, written by `backup` once the copy had passed every check, carries the copy's size and
    SHA-256 under this server's key (an HMAC): if it verifies, these are the very bytes that passed, and
    nothing in them was changed since, not even a token's role. A backup without such a manifest (none,
    edited, another key's, other bytes) is refused, unless `unsigned`: it then gets the full check of
    `verify` (integrity, foreign keys, audit chain), which cannot see an edit to anything the audit
    chain does not cover, and the restore is recorded as `backup.restored_unsigned`.

    Steps, each of which leaves the live database untouched when it fails: copy `source` beside the
    live file; verify the copy; migrate it to head and record the restore in its audit trail; take the
    live database for ourselves (refused while a server or another command has it open, unless `force`);
    keep the live file as `<db>.pre-restore-<UTC time>`; rename the copy over it.
    """
    started = time.perf_counter()
    live = _live_file(database_url)
    if not source.is_file():
        raise BackupRefused(f"There is no backup at {source}.")
    for suffix in SIDE_FILES:
        if Path(f"{source}{suffix}").exists():
            raise BackupRefused(
                f"{source} has a {suffix} file beside it: it is a database in use or a copy taken without it. "
                "Restore from a file made by `article3 backup`."
            )
    staged = live.with_name(f".{live.name}.{secrets.token_hex(4)}.restore")
    try:
        digest = _copy(source, staged)
        _match_owner(staged, live)
        problem = _manifest_problem(source, keyring=keyring, size=staged.stat().st_size, sha256=digest)
        if problem is not None:
            if not unsigned:
                raise BackupRefused(
                    f"{source} is not restored: {problem}. A backup is restored only as `article3 backup` "
                    "signed it. To restore it anyway, run the restore with --unsigned: it then checks "
                    "SQLite's integrity, the foreign keys and the audit chain only, and cannot tell whether "
                    "API tokens, their roles or any record were edited in the file."
                )
            _self_contained(staged)  # a WAL-mode file opens read-only only once it is out of WAL mode
            verify(staged, keyring=keyring)
        action = "backup.restored" if problem is None else "backup.restored_unsigned"
        counts = _bring_up_to_date(staged, keyring=keyring, action=action)
        _fsync(staged)
        with _taken(live, force=force):
            previous = _keep_previous(live)
            os.replace(staged, live)
            _fsync(live.parent)
    except BaseException:
        for leftover in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm"), Path(f"{staged}-journal")):
            _remove(leftover)
        raise
    return RestoreReport(
        persons=counts.persons,
        audit_entries=counts.audit_entries,
        elapsed_s=time.perf_counter() - started,
        previous=previous,
        unsigned=problem,
    )


def _manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def _manifest_mac(keyring: Keyring, fields: dict[str, object]) -> str:
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(keyring.backup_manifest_key, text.encode(), hashlib.sha256).hexdigest()


def _write_manifest(backup: Path, *, keyring: Keyring, counts: Verified) -> None:
    """What `backup` verified, bound to the file's bytes and to this server's key."""
    fields: dict[str, object] = {
        "format": MANIFEST_FORMAT,
        "file": backup.name,
        "size": backup.stat().st_size,
        "sha256": _sha256(backup),
        "persons": counts.persons,
        "audit_entries": counts.audit_entries,
        "verified_at": datetime.now(UTC).isoformat(),
    }
    path = _manifest_path(backup)
    with open(path, "x", encoding="utf-8", opener=open_private) as out:
        json.dump({**fields, "mac": _manifest_mac(keyring, fields)}, out, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def _manifest_problem(backup: Path, *, keyring: Keyring, size: int, sha256: str) -> str | None:
    """Why the manifest beside `backup` does not vouch for these bytes under this server's key; None if it does."""
    path = _manifest_path(backup)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"it has no signed manifest ({path.name} is missing)"
    except (OSError, ValueError):
        return f"its manifest {path.name} is unreadable"
    if not isinstance(manifest, dict) or not isinstance(mac := manifest.pop("mac", None), str):
        return f"its manifest {path.name} carries no signature"
    if not hmac.compare_digest(mac, _manifest_mac(keyring, manifest)):
        return (
            f"the signature of {path.name} does not verify under this server's key (the manifest was "
            "edited, or the backup was made under another secret key)"
        )
    if manifest.get("format") != MANIFEST_FORMAT:
        return f"{path.name} is not a manifest this version writes"
    if manifest.get("size") != size or manifest.get("sha256") != sha256:
        return "the file is not the one its manifest signed (its bytes changed after the backup was made)"
    return None


def _copy(source: Path, target: Path) -> str:
    """Copy `source` to a new file `target` (mode 0600); the SHA-256 of the bytes copied."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, open(target, "xb", opener=open_private) as writer:
        while chunk := reader.read(COPY_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _bring_up_to_date(path: Path, *, keyring: Keyring, action: str) -> Verified:
    """Migrate the staged copy to head, build derived tables it lacks, and note the restore in its trail."""
    url = f"sqlite:///{path}"
    migrate.upgrade(url, keyring=keyring)  # with the keys: a migration may encrypt older plaintext
    engine = make_engine(url, writer=True, keyring=keyring, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            flag_service.ensure_built(session)
            audit.record(session, by=None, action=action)
        with Session(engine) as session:
            persons = int(session.exec(select(func.count()).select_from(Person)).one())
            entries = int(session.exec(select(func.count()).select_from(AuditEntry)).one())
    finally:
        engine.dispose()
    _self_contained(path)  # folds the -wal the migration left back into the file
    return Verified(persons=persons, audit_entries=entries)


def _self_contained(path: Path) -> None:
    """Take the file out of WAL mode: one file, no -wal beside it."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: BaseException | None) -> BackupRefused:
    return BackupRefused(f"{path} is damaged or not an SQLite database ({exc}).")


@contextmanager
def _taken(live: Path, *, force: bool) -> Iterator[None]:
    """Hold the live database exclusively while it is swapped, or refuse if anyone else has it open.

    Leaving WAL mode needs the only connection to the file, so it fails while a server holds even an
    idle pooled connection; in rollback mode, BEGIN EXCLUSIVE then keeps newcomers out until the swap.
    """
    if force or not live.exists():
        yield
        return
    conn = sqlite3.connect(live, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    try:
        try:
            mode = str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower()
            if mode != "delete":
                raise sqlite3.OperationalError("journal mode unchanged")
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            raise BackupRefused(
                f"{live} is in use (a server or another command has it open). Stop the server and run "
                "the restore again; --force restores anyway, and a running server would keep writing "
                "to the replaced file."
            ) from None
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _keep_previous(live: Path) -> Path | None:
    """Keep the database being replaced, with any -wal/-journal still holding its last writes."""
    if not live.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    previous = live.with_name(f"{live.name}.pre-restore-{stamp}")
    if not _link(live, previous):
        raise BackupRefused(f"{previous} exists; run the restore again.")
    for suffix in SIDE_FILES:
        side = Path(f"{live}{suffix}")
        if side.exists():  # only with --force: a stale log must never be replayed onto the restored file
            os.replace(side, Path(f"{previous}{suffix}"))
    _remove(Path(f"{live}-shm"))  # the WAL index: rebuilt from the -wal, never data
    return previous


def _live_file(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        raise BackupRefused(PG_BACKUP_HELP)
    path = sqlite_path(database_url)
    if path is None:
        raise BackupRefused("An in-memory database has nothing to back up or restore.")
    return path.resolve()


def _read_only(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def _pause(_status: int, _remaining: int, _total: int) -> None:
    time.sleep(PAUSE_S)  # between steps of a paged copy, so a writer can take the lock


def _match_owner(staged: Path, live: Path) -> None:
    """The restored file gets the live file's mode and owner (0600 when there is none), so the server can open it."""
    if not live.exists():
        os.chmod(staged, 0o600)
        return
    stat = live.stat()
    os.chmod(staged, stat.st_mode & 0o777)
    with suppress(PermissionError):
        os.chown(staged, stat.st_uid, stat.st_gid)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link(existing: Path, new: Path) -> bool:
    """Give `existing` the name `new` too, never replacing a file; False if `new` exists.

    Filesystems without hard links (some network mounts) get a copy instead."""
    try:
        os.link(existing, new)
    except FileExistsError:
        return False
    except OSError:
        if new.exists():
            return False
        shutil.copy2(existing, new)
    return True


def _remove(path: Path) -> None:
    with suppress(FileNotFoundError):
        path.unlink()
