"""Deadline reminders: webhooks `deadline.approaching` (at each of `reminder_days` before a deadline) and
`deadline.overdue` (the day after it passes), each queued once per deadline, due date and stage.

`send_due` looks at every organisation's deadlines (deadline.py) and queues what is due through the
webhook outbox (webhook.py: signed, retried, at least once). A reminder is due at the nearest stage
the deadline has reached: a deadline first seen 2 days ahead gets the 3-day reminder only, not a late
14-day one. An overdue reminder goes out only for deadlines passed within `OVERDUE_WINDOW_DAYS`, so the
first run on a database with years of history does not send its whole past. Each stage is one row of
`deadline_reminder` under a unique key, written in a savepoint: when two processes race, one queues the
reminder and the other skips it.

A round reads every deadline of the database, so it runs once per interval per deployment, not once per
server process: every process runs `ReminderLoop`, which tries a round a minute after start and then
hourly, and `run_round` claims it first, in the round's own transaction. The time the last round began
is a row of `app_meta` (`LAST_ROUND`); a round claims by writing it, and skips at once if another
process holds the claim (PostgreSQL: a transaction-level advisory lock, tried and never waited for;
SQLite, one process: its one write lock) or if the last round began less than `interval_s` ago. A round that fails rolls its claim back with everything else, and a restart within
the hour finds the recent round and skips. `article3 reminders send` (cron) runs a round whenever asked
and records it as the last one."""

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.base import utcnow
from app.models.flag import AppMeta
from app.models.reminder import DeadlineReminder
from app.services import deadline as deadline_service
from app.services import webhook as webhook_service

log = logging.getLogger("article3.reminders")

OVERDUE = "overdue"
OVERDUE_WINDOW_DAYS = 30
INTERVAL_S = 3600.0
FIRST_ROUND_S = 60.0  # after start-up: a server that restarts often still sends, and start-up stays quick
LAST_ROUND = "reminders.last_round"  # app_meta: when the last round began (UTC, ISO 8601)
ROUND_LOCK = 0x6133726D64  # "a3rmd": PostgreSQL advisory lock, held by the transaction of the round in flight


def _stage(due_on: date, today: date, days_before: Sequence[int]) -> str | None:
    left = (due_on - today).days
    if left < 0:
        return OVERDUE if -left <= OVERDUE_WINDOW_DAYS else None
    reached = [d for d in days_before if left <= d]
    return str(min(reached)) if reached else None


def send_due(session: Session, *, days_before: Sequence[int], today: date | None = None) -> int:
    """Queue every reminder that is due and not yet queued; the number queued."""
    today = today or date.today()
    due = [
        (d, stage)
        for d in deadline_service.collect(session, org_id=None, today=today)
        if (stage := _stage(d.due_on, today, days_before)) is not None
    ]
    if not due:
        return 0
    # What was queued already, in one read: a due reminder's date lies between the first and last due.
    table = DeadlineReminder.__table__  # type: ignore[attr-defined]
    earliest, latest = min(d.due_on for d, _ in due).isoformat(), max(d.due_on for d, _ in due).isoformat()
    query = select(table.c.deadline_key, table.c.due_on, table.c.stage).where(
        table.c.due_on >= earliest, table.c.due_on <= latest
    )
    sent = {tuple(row) for row in session.connection().execute(query)}
    queued = 0
    for d, stage in due:
        due_on = d.due_on.isoformat()
        if (d.key, due_on, stage) in sent:
            continue
        sent.add((d.key, due_on, stage))
        try:
            with session.begin_nested():
                session.add(DeadlineReminder(org_id=d.org_id, deadline_key=d.key, due_on=due_on, stage=stage))
                session.flush()
        except IntegrityError:  # another process queued it first
            continue
        webhook_service.enqueue(
            session,
            org_id=d.org_id,
            event="deadline.overdue" if stage == OVERDUE else "deadline.approaching",
            data={
                "kind": d.kind.value,
                "due_on": due_on,
                "days_left": (d.due_on - today).days,
                "person_id": d.person_id,
                "ref_kind": d.ref_kind,
                "ref_id": d.ref_id,
            },
        )
        queued += 1
    return queued


@dataclass(frozen=True)
class Round:
    """One attempt at a round: `queued` is None when it skipped; `last` is when the latest round began (this
    one if it ran; None if another process holds the claim, or no round ever ran)."""

    queued: int | None
    last: datetime | None


def run_round(
    session: Session,
    *,
    days_before: Sequence[int],
    interval_s: float = INTERVAL_S,
    force: bool = False,
    now: datetime | None = None,
    today: date | None = None,
) -> Round:
    """Claim this interval's round and run it (`send_due`) in the session's transaction, or skip at once.

    `force` (the command line): run even if a round ran within `interval_s`; on PostgreSQL it waits for a
    round in flight to end rather than skip it. Either way the round is recorded as the last one."""
    now = now or utcnow()
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    if dialect is postgresql:
        lock = func.pg_advisory_xact_lock if force else func.pg_try_advisory_xact_lock
        if connection.execute(select(lock(ROUND_LOCK))).scalar_one() is False:
            return Round(queued=None, last=None)  # another process is doing the round
    table = AppMeta.__table__  # type: ignore[attr-defined]
    stored = connection.execute(select(table.c.value).where(table.c.key == LAST_ROUND)).scalar_one_or_none()
    last = _parsed(stored)
    # A last round "in the future" (a clock set back) counts as recent only within one interval, so a
    # clock that jumps back by more than that delays the rounds by one interval at most.
    if not force and last is not None and abs(now - last) < timedelta(seconds=interval_s):
        return Round(queued=None, last=last)
    value = now.isoformat()
    upsert = dialect.insert(table).values(key=LAST_ROUND, value=value)
    connection.execute(upsert.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
    return Round(queued=send_due(session, days_before=days_before, today=today), last=now)


def _parsed(stored: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(stored) if stored else None
    except ValueError:  # not ours: the next round overwrites it
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


class ReminderLoop:
    """Tries a round (`run_round`) from a daemon thread: `first_round_s` after start, then every
    `interval_s`, or when the round another process ran is `interval_s` old if that comes sooner."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        days_before: Sequence[int],
        first_round_s: float = FIRST_ROUND_S,
        interval_s: float = INTERVAL_S,
    ) -> None:
        self.engine, self._keyring = engine, keyring
        self._days_before = tuple(days_before)
        self._first_round_s, self._interval_s = first_round_s, interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.attempts = 0  # rounds tried, run or skipped (for tests)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="article3-reminders", daemon=True)
        self._thread.start()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        wait = self._first_round_s
        while not self._stopping.wait(wait):
            wait = self._interval_s
            try:
                with unit_of_work(self.engine, self._keyring) as session:
                    done = run_round(session, days_before=self._days_before, interval_s=self._interval_s)
                if done.queued:
                    log.info("queued %d deadline reminders", done.queued)
                elif done.queued is None and done.last is not None:  # skipped: due when that round is old
                    due_in = (done.last - utcnow()).total_seconds() + self._interval_s
                    wait = min(self._interval_s, max(due_in, 0.0) + 1.0)
            except (OperationalError, IntegrityError) as exc:  # a busy or restarting database: next round
                log.warning("deadline reminders failed this round: %s", type(exc).__name__)
            self.attempts += 1
