"""Watches: a person re-checked against INTERPOL's public red notices on a schedule, and what changed.

A watch is due at `next_check_at` (a new one at once). Running due watches (`run_due`, from the server's
`WatchLoop` or `article3 watch run`):

1. **Claim** a few due watches in one short transaction: `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL
   (SQLite's one write lock serialises the same statement), setting a lease (`lease_holder`,
   `lease_until`). Each due watch is taken by exactly one runner; a runner that dies leaves its lease to
   end, and the watch is due again.
2. **Check** it with no transaction open, with the same search and matcher as a check asked for through
   the API (`interpol_check.find`). Every request goes through one budget shared by all processes
   (`SharedPace`: the `watch_runner` row spaces requests `1 / max_rps` apart, and a 429 or 503 pauses
   every runner for the Retry-After INTERPOL asked for).
3. **Store** the check (an `interpol_check` row, as the API stores one), compare its hits with the
   watch's previous check, and write each change (`interpol_change`) with its webhook
   (`interpol.notice_appeared|disappeared|changed`, through the outbox: signed and retried), in one
   transaction that first checks the runner still holds the lease. The first check of a watch is its
   baseline: nothing appears in it.

A failed check (INTERPOL down, rate-limiting, too slow) writes no check and alerts no one: the watch is
due again after a pause that doubles with each failure (1 minute up to its interval, and never before
the Retry-After INTERPOL asked for).

On SQLite one runner runs at a time: it holds the `watch_runner` row's lease (`holder`, `held_until`)
while it runs, renewed after each watch; another runner finds it held and returns at once.
"""

import logging
import math
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, and_, or_
from sqlalchemy import event as orm_events
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from app.clients.interpol import InterpolClient, InterpolError, open_interpol_http
from app.db import unit_of_work
from app.errors import Conflict, NotFound
from app.keyring import Keyring
from app.models.base import new_id, utcnow
from app.models.interpol_check import CheckSource, InterpolCheck
from app.models.person import Person
from app.models.token import Principal
from app.models.watch import (
    CHANGES_SHOWN,
    ChangedField,
    ChangeKind,
    InterpolChange,
    Watch,
    WatchChange,
    WatchCreate,
    WatchPublic,
    WatchRunner,
)
from app.services import audit
from app.services import interpol_check as check_service
from app.services import webhook as webhook_service
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned

log = logging.getLogger("article3.watches")

RUNNER = "interpol"
LEASE = timedelta(minutes=5)  # longer than a check may take (27 s) many times over
RUNNER_LEASE = timedelta(minutes=2)  # SQLite: renewed after every watch
BATCH = 1  # claimed one at a time, so several runners share the due watches evenly
FIRST_RETRY_S = 60.0
JITTER = 0.1  # each next check is spread by up to a tenth of the interval either way
WEBHOOK_EVENT = {
    ChangeKind.appeared: "interpol.notice_appeared",
    ChangeKind.disappeared: "interpol.notice_disappeared",
    ChangeKind.changed: "interpol.notice_changed",
}
NOT_WATCHED = "This person is not watched."


# --- The API --------------------------------------------------------------------------------------


def create(
    session: Session, person_id: str, *, data: WatchCreate, default_interval_hours: int, by: Principal
) -> Watch:
    """Watch the person (of the caller's organisation); due at once. 409 when already watched."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    if _of_person(session, person.id, org_id=by.org_id) is not None:
        raise Conflict("This person is watched already.")
    now = utcnow()
    watch = Watch(
        org_id=by.org_id,
        person_id=person.id,
        interval_hours=data.interval_hours or default_interval_hours,
        created_at=now,
        next_check_at=now,
    )
    try:
        with session.begin_nested():
            session.add(watch)
            session.flush()
    except IntegrityError:  # a concurrent request watched them first
        raise Conflict("This person is watched already.") from None
    audit.record(session, by=by, action="watch.created", kind="person", object_id=person.id)
    if not orm_events.contains(session, "after_commit", _wake_loops):
        orm_events.listen(session, "after_commit", _wake_loops)  # due at once: the server's loop looks now
    return watch


def get(session: Session, person_id: str, *, by: Principal) -> Watch:
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    watch = _of_person(session, person.id, org_id=by.org_id)
    if watch is None:
        raise NotFound(NOT_WATCHED)
    return watch


def delete(session: Session, person_id: str, *, by: Principal) -> None:
    """Stop watching; the checks it stored and the changes they found stay in the person's history."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    watch = _of_person(session, person.id, org_id=by.org_id, for_update=True)
    if watch is None:
        raise NotFound(NOT_WATCHED)
    session.delete(watch)
    session.flush()
    audit.record(session, by=by, action="watch.deleted", kind="person", object_id=person.id)


def list_page(
    session: Session, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[Watch], str | None]:
    """The organisation's watches, newest first."""
    query = newest_first(owned(Watch, by.org_id), Watch, cursor=cursor, limit=limit)
    return page(list(session.exec(query)), limit=limit)


def public(session: Session, watches: Sequence[Watch]) -> list[WatchPublic]:
    """The watches as the API shows them, each with its newest changes."""
    by_watch: dict[str, list[WatchChange]] = {w.id: [] for w in watches}
    if watches:
        rows = session.exec(
            select(InterpolChange)
            .where(col(InterpolChange.watch_id).in_(list(by_watch)))
            .order_by(col(InterpolChange.at).desc(), col(InterpolChange.position).desc())
        ).all()
        for row in rows:
            shown = by_watch[row.watch_id]
            if len(shown) < CHANGES_SHOWN:
                shown.append(
                    WatchChange(at=row.at, change=row.change, entity_id=row.entity_id, check_id=row.check_id)
                )
    return [
        WatchPublic(
            person_id=w.person_id,
            interval_hours=w.interval_hours,
            created_at=w.created_at,
            last_checked_at=w.last_checked_at,
            next_check_at=w.next_check_at,
            changes=by_watch[w.id],
        )
        for w in watches
    ]


def of_person(session: Session, person_id: str, *, org_id: str) -> Watch | None:
    """The person's watch, if any (for the person's page)."""
    return _of_person(session, person_id, org_id=org_id)


def _of_person(session: Session, person_id: str, *, org_id: str, for_update: bool = False) -> Watch | None:
    query: Any = owned(Watch, org_id).where(Watch.person_id == person_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Unseen:
    """A watched person's changes found since their timeline, which shows them, was last read."""

    person_id: str
    changes: list[WatchChange]  # newest first
    since: datetime | None  # when the timeline was last read (None: never)


UNSEEN_PERSONS = 50  # the home page lists at most this many persons, the most recently changed first


def unseen_changes(session: Session, *, by: Principal) -> list[Unseen]:
    """The organisation's watched persons with changes found since the person's timeline was last read in
    the organisation (the person's page or `GET /persons/{id}/history`, audited as `person.history_read`),
    the most recent change first. Reading the timeline is what marks a change seen: it lists them."""
    rows = session.exec(
        owned(InterpolChange, by.org_id).order_by(
            col(InterpolChange.at).desc(), col(InterpolChange.position).desc()
        )
    ).all()
    if not rows:
        return []
    watches = session.exec(
        owned(Watch, by.org_id).where(col(Watch.id).in_(sorted({r.watch_id for r in rows})))
    ).all()
    person_of = {w.id: w.person_id for w in watches}
    read_at = audit.last_at(
        session,
        org_id=by.org_id,
        action="person.history_read",
        kind="person",
        object_ids=person_of.values(),
    )
    found: dict[str, Unseen] = {}
    for row in rows:
        person_id = person_of.get(row.watch_id)
        since = read_at.get(person_id) if person_id else None
        if person_id is None or (since is not None and row.at <= since):
            continue
        if person_id not in found:
            if len(found) == UNSEEN_PERSONS:
                continue
            found[person_id] = Unseen(person_id=person_id, changes=[], since=since)
        found[person_id].changes.append(
            WatchChange(at=row.at, change=row.change, entity_id=row.entity_id, check_id=row.check_id)
        )
    return list(found.values())


# --- What changed ---------------------------------------------------------------------------------


def _fields(hit: dict[str, Any]) -> dict[ChangedField, Any]:
    return {
        ChangedField.name: (hit.get("name"), hit.get("forename")),
        ChangedField.birth_date: hit.get("birth_date"),
        ChangedField.nationalities: sorted(hit.get("nationalities") or []),
        ChangedField.requesting_states: sorted(hit.get("requesting_states") or []),
    }


def compare(
    previous: Iterable[dict[str, Any]], current: Iterable[dict[str, Any]]
) -> list[tuple[ChangeKind, str, list[str]]]:
    """(change, entity id, fields changed) for each notice that appeared, disappeared or changed.

    Requesting states are compared only when both checks know them (a check reads them for its best
    hits only, and a detail INTERPOL would not give leaves them unknown)."""
    before = {str(h["entity_id"]): h for h in previous}
    now = {str(h["entity_id"]): h for h in current}
    found: list[tuple[ChangeKind, str, list[str]]] = []
    for entity_id in sorted(now.keys() - before.keys()):
        found.append((ChangeKind.appeared, entity_id, []))
    for entity_id in sorted(before.keys() - now.keys()):
        found.append((ChangeKind.disappeared, entity_id, []))
    for entity_id in sorted(now.keys() & before.keys()):
        old, new = _fields(before[entity_id]), _fields(now[entity_id])
        changed = [
            f.value
            for f in ChangedField
            if old[f] != new[f] and not (f == ChangedField.requesting_states and not (old[f] and new[f]))
        ]
        if changed:
            found.append((ChangeKind.changed, entity_id, changed))
    return found


# --- Pacing: one budget towards INTERPOL for every process ----------------------------------------


def _runner_row(session: Session) -> WatchRunner:
    """The shared row, locked for this transaction (made on first use)."""
    query = select(WatchRunner).where(WatchRunner.name == RUNNER).with_for_update()
    row = session.exec(query).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(WatchRunner(name=RUNNER, next_request_at=utcnow()))
                session.flush()
        except IntegrityError:  # another process made it first
            pass
        row = session.exec(query).one()
    return row


class SharedPace:
    """Requests to INTERPOL spaced `1 / max_rps` apart across every process on the database, and paused
    together after a 429 or 503. The slot is reserved in the `watch_runner` row, then waited for."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        max_rps: float,
        stopping: threading.Event | None = None,
    ) -> None:
        self._engine, self._keyring = engine, keyring
        self._gap = timedelta(seconds=1.0 / max_rps)
        self._stopping = stopping or threading.Event()

    def wait(self, remaining_s: float) -> None:
        with unit_of_work(self._engine, self._keyring) as session:
            row = _runner_row(session)
            now = utcnow()
            slot = max(now, row.next_request_at, row.paused_until or now)
            wait_s = (slot - now).total_seconds()
            if wait_s >= remaining_s:
                raise InterpolError("INTERPOL's request budget is spent for now", retry_after_s=wait_s)
            row.next_request_at = slot + self._gap
            session.add(row)
        if wait_s > 0 and self._stopping.wait(wait_s):
            raise InterpolError("the watch runner is stopping", retry_after_s=FIRST_RETRY_S)

    def pause(self, seconds: float) -> None:
        """Every runner waits `seconds` before its next request (INTERPOL asked us to back off)."""
        with unit_of_work(self._engine, self._keyring) as session:
            row = _runner_row(session)
            until = utcnow() + timedelta(seconds=seconds)
            if row.paused_until is None or row.paused_until < until:
                row.paused_until = until
                session.add(row)


def paced_client(
    http: httpx.Client, pace: SharedPace, *, sleep: Callable[[float], None] = time.sleep
) -> InterpolClient:
    """A client for watches: every request paced, no retries of its own (a failed check is retried
    later), and answers cached for a minute only, so a re-check sees INTERPOL's list as it is."""
    return InterpolClient(
        http,
        list_ttl_s=60,
        detail_ttl_s=60,
        pauses_s=(),
        pace=pace.wait,
        on_refused=pace.pause,
        sleep=sleep,
    )


# --- Running due watches --------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one `run_due` did: watches checked, checks that failed, changes found; `busy` when another
    runner held the SQLite lease."""

    checked: int = 0
    failed: int = 0
    changes: int = 0
    busy: bool = False
    found: dict[str, int] = field(default_factory=dict)


def _take_runner(engine: Engine, keyring: Keyring, holder: str) -> bool:
    with unit_of_work(engine, keyring) as session:
        row = _runner_row(session)
        now = utcnow()
        if row.holder not in (None, holder) and row.held_until is not None and row.held_until > now:
            return False
        row.holder, row.held_until = holder, now + RUNNER_LEASE
        session.add(row)
    return True


def _release_runner(engine: Engine, keyring: Keyring, holder: str) -> None:
    with unit_of_work(engine, keyring) as session:
        row = _runner_row(session)
        if row.holder == holder:
            row.holder, row.held_until = None, None
            session.add(row)


def _claim(
    engine: Engine, keyring: Keyring, holder: str, *, everything: bool, started: datetime, limit: int
) -> list[str]:
    now = utcnow()
    free = or_(col(Watch.lease_until).is_(None), col(Watch.lease_until) < now)
    if everything:  # every watch not yet taken since this run began
        due = or_(col(Watch.claimed_at).is_(None), col(Watch.claimed_at) < started)
    else:
        due = col(Watch.next_check_at) <= now
    with unit_of_work(engine, keyring) as session:
        rows = session.exec(
            select(Watch)
            .where(and_(free, due))
            .order_by(col(Watch.next_check_at), col(Watch.id))
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's write lock is global
        ).all()
        for watch in rows:
            watch.lease_holder, watch.lease_until, watch.claimed_at = holder, now + LEASE, now
            session.add(watch)
        return [w.id for w in rows]


def _leased(session: Session, watch_id: str, holder: str) -> Watch | None:
    """The watch, locked, if this runner still holds its lease (it may have been deleted, or re-taken
    by another runner after the lease ended)."""
    watch = session.exec(select(Watch).where(Watch.id == watch_id).with_for_update()).first()
    if watch is None or watch.lease_holder != holder:
        return None
    return watch


def retry_delay_s(failures: int, *, interval_hours: int, retry_after_s: float | None) -> float:
    """The pause after `failures` failed checks in a row: doubling from a minute, at most the interval,
    never shorter than INTERPOL's Retry-After, stretched by up to a fifth (spread the retries out)."""
    base = min(FIRST_RETRY_S * float(2 ** min(failures - 1, 12)), interval_hours * 3600.0)
    base = max(base, retry_after_s or 0.0)
    return base * random.uniform(1.0, 1.2)  # noqa: S311 - jitter, not a secret


def next_check(at: datetime, interval_hours: int) -> datetime:
    spread = random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - jitter, not a secret
    return at + timedelta(seconds=interval_hours * 3600 * spread)


def check_one(
    engine: Engine, keyring: Keyring, client: InterpolClient, watch_id: str, *, holder: str
) -> list[InterpolChange] | None:
    """Check one claimed watch; the changes stored, or None when the check failed (or the lease was lost)."""
    with unit_of_work(engine, keyring) as session:
        watch = _leased(session, watch_id, holder)
        if watch is None:
            return None
        person = session.exec(select(Person).where(Person.id == watch.person_id)).one()
        names, nationalities = [person.name, *person.aliases], list(person.nationalities)
        birth_date = person.birth_date
    try:
        found = check_service.find(client, names=names, nationalities=nationalities, birth_date=birth_date)
    except InterpolError as exc:
        with unit_of_work(engine, keyring) as session:
            watch = _leased(session, watch_id, holder)
            if watch is None:
                return None
            watch.failures += 1
            delay = retry_delay_s(
                watch.failures, interval_hours=watch.interval_hours, retry_after_s=exc.retry_after_s
            )
            watch.next_check_at = utcnow() + timedelta(seconds=delay)
            watch.lease_holder, watch.lease_until = None, None
            session.add(watch)
        # The reason is our own sentence (never the name searched for); no alert, no check stored.
        log.warning("a watch's check failed, retried in about %d s: %s", math.ceil(delay), exc.reason)
        return None
    with unit_of_work(engine, keyring) as session:
        watch = _leased(session, watch_id, holder)
        if watch is None:
            return None
        return _store(session, watch, found)


def _store(session: Session, watch: Watch, found: check_service.Found) -> list[InterpolChange]:
    hits = [h.model_dump(mode="json") for h in found.hits]
    previous_any = session.exec(
        select(InterpolCheck)
        .where(InterpolCheck.person_id == watch.person_id)
        .where(InterpolCheck.source == CheckSource.interpol.value)  # not a screening's FtM entity ids
        .order_by(col(InterpolCheck.checked_at).desc())
    ).first()
    checked_at = utcnow()
    now_public = {h.entity_id for h in found.hits}
    check = InterpolCheck(
        org_id=watch.org_id,
        person_id=watch.person_id,
        checked_at=checked_at,
        query=found.query,
        hits=hits,
        no_longer_public=sorted({str(h["entity_id"]) for h in previous_any.hits} - now_public)
        if previous_any
        else [],
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        by=None,
        action="interpol.checked",
        kind="person",
        object_id=watch.person_id,
        org_id=watch.org_id,
    )
    changes: list[InterpolChange] = []
    baseline = watch.last_check_id is None
    previous = None if baseline else session.get(InterpolCheck, watch.last_check_id)
    if previous is not None:
        for position, (change, entity_id, fields) in enumerate(compare(previous.hits, hits)):
            row = InterpolChange(
                org_id=watch.org_id,
                check_id=check.id,
                watch_id=watch.id,
                position=position,
                change=change,
                entity_id=entity_id,
                fields=fields,
                at=checked_at,
            )
            session.add(row)
            changes.append(row)
            webhook_service.enqueue(
                session,
                org_id=watch.org_id,
                event=WEBHOOK_EVENT[change],
                data={
                    "person_id": watch.person_id,
                    "entity_id": entity_id,
                    "change": change.value,
                    "fields": ",".join(fields) or None,
                    "check_id": check.id,
                    "change_id": row.id,
                },
            )
    watch.last_checked_at, watch.last_check_id, watch.failures = checked_at, check.id, 0
    watch.next_check_at = next_check(checked_at, watch.interval_hours)
    watch.lease_holder, watch.lease_until = None, None
    session.add(watch)
    session.flush()
    return changes


def run_due(
    engine: Engine,
    keyring: Keyring,
    client: InterpolClient,
    *,
    everything: bool = False,
    stopping: threading.Event | None = None,
) -> RunReport:
    """Check every due watch (`everything`: every watch, due or not) once; stops early when `stopping`
    is set (a claimed watch it did not reach is due again when its lease ends)."""
    stopping = stopping or threading.Event()
    holder, started = new_id(), utcnow()
    report = RunReport()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and not _take_runner(engine, keyring, holder):
        report.busy = True
        return report
    try:
        while not stopping.is_set():
            claimed = _claim(engine, keyring, holder, everything=everything, started=started, limit=BATCH)
            if not claimed:
                break
            for watch_id in claimed:
                if stopping.is_set():
                    break
                changes = check_one(engine, keyring, client, watch_id, holder=holder)
                if changes is None:
                    report.failed += 1
                else:
                    report.checked += 1
                    report.changes += len(changes)
                    for c in changes:
                        report.found[c.change.value] = report.found.get(c.change.value, 0) + 1
                if sqlite:
                    _take_runner(engine, keyring, holder)
    finally:
        if sqlite:
            _release_runner(engine, keyring, holder)
    return report


_loops: "weakref.WeakSet[WatchLoop]" = weakref.WeakSet()
_loops_lock = threading.Lock()


def _wake_loops(session: Session) -> None:
    """After a commit that created a watch: wake the loops of that database."""
    url = session.get_bind().engine.url
    with _loops_lock:
        loops = list(_loops)
    for loop in loops:
        if loop.engine.url == url:
            loop.wake()


class WatchLoop:
    """Runs due watches from a daemon thread: `first_round_s` after start, then every `interval_s`.
    `stop` returns within `stop_timeout_s`: a check in flight is abandoned to its lease."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        interpol_url: str,
        timeout_s: float,
        max_rps: float,
        first_round_s: float = 5.0,
        interval_s: float = 60.0,
    ) -> None:
        self.engine, self._keyring = engine, keyring
        self._interpol_url, self._timeout_s, self._max_rps = interpol_url, timeout_s, max_rps
        self._first_round_s, self._interval_s = first_round_s, interval_s
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="article3-watches", daemon=True)
        self._thread.start()
        with _loops_lock:
            _loops.add(self)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, *, timeout_s: float = 3.0) -> None:
        with _loops_lock:
            _loops.discard(self)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _run(self) -> None:
        http = open_interpol_http(self._interpol_url, timeout_s=self._timeout_s)
        pace = SharedPace(self.engine, self._keyring, max_rps=self._max_rps, stopping=self._stopping)
        client = paced_client(http, pace, sleep=self._sleep)
        try:
            self._wake.wait(self._first_round_s)
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    report = run_due(self.engine, self._keyring, client, stopping=self._stopping)
                    if report.checked or report.failed:
                        log.info(
                            "watches: %d checked, %d failed, %d changes",
                            report.checked,
                            report.failed,
                            report.changes,
                        )
                except (OperationalError, IntegrityError) as exc:  # a busy or restarting database
                    log.warning("watch round failed: %s", type(exc).__name__)
                except Exception as exc:  # the next round tries again; the text may quote data
                    log.error("watch round failed (%s)", type(exc).__name__)
                self._wake.wait(self._interval_s)
        finally:
            http.close()
