"""Deadline reminders: webhooks `deadline.approaching` (at each of `reminder_days` before a deadline) and
`deadline.overdue` (the day after it passes), each queued once per deadline, due date and stage.

`send_due` looks at every organisation's deadlines (deadline.py) and queues what is due through the
webhook outbox (webhook.py: signed, retried, at least once). A reminder is due at the nearest stage
the deadline has reached: a deadline first seen 2 days ahead gets the 3-day reminder only, not a late
14-day one. An overdue reminder goes out only for deadlines passed within `OVERDUE_WINDOW_DAYS`, so the
first run on a database with years of history does not send its whole past. Each stage is one row of
`deadline_reminder` under a unique key, written in a savepoint: when two processes race, one queues the
reminder and the other skips it. The server runs `ReminderLoop` (a minute after start, then hourly); `article3 reminders send`
does one round, for cron.
"""

import logging
import threading
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.reminder import DeadlineReminder
from app.services import deadline as deadline_service
from app.services import webhook as webhook_service

log = logging.getLogger("article3.reminders")

OVERDUE = "overdue"
OVERDUE_WINDOW_DAYS = 30
INTERVAL_S = 3600.0
FIRST_ROUND_S = 60.0  # after start-up: a server that restarts often still sends, and start-up stays quick


def _stage(due_on: date, today: date, days_before: Sequence[int]) -> str | None:
    left = (due_on - today).days
    if left < 0:
        return OVERDUE if -left <= OVERDUE_WINDOW_DAYS else None
    reached = [d for d in days_before if left <= d]
    return str(min(reached)) if reached else None


def send_due(session: Session, *, days_before: Sequence[int], today: date | None = None) -> int:
    """Queue every reminder that is due and not yet queued; the number queued."""
    today = today or date.today()
    queued = 0
    for d in deadline_service.collect(session, org_id=None, today=today):
        stage = _stage(d.due_on, today, days_before)
        if stage is None:
            continue
        due_on = d.due_on.isoformat()
        sent = session.exec(
            select(DeadlineReminder.id).where(
                DeadlineReminder.deadline_key == d.key,
                DeadlineReminder.due_on == due_on,
                DeadlineReminder.stage == stage,
            )
        ).first()
        if sent is not None:
            continue
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


class ReminderLoop:
    """Runs `send_due` from a daemon thread: `first_round_s` after start, then every `interval_s`."""

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
        self._stopping.wait(self._first_round_s)
        while not self._stopping.is_set():
            try:
                with unit_of_work(self.engine, self._keyring) as session:
                    queued = send_due(session, days_before=self._days_before)
                if queued:
                    log.info("queued %d deadline reminders", queued)
            except (OperationalError, IntegrityError) as exc:  # a busy or restarting database: next round
                log.warning("deadline reminders failed this round: %s", type(exc).__name__)
            self._stopping.wait(self._interval_s)
