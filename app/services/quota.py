"""The daily quota of answers that show persons' data, per token: a wall against an infiltrated account
scraping, whatever route or method it scrapes with.

Every answer that shows a person's data writes an audit entry (a read, a search, a match, a write that
answers with the record, an empty PATCH, a replayed answer), and the quota counts those entries, as
kept per actor and day in `daily_read_count` (the same in every process). A refused attempt is
recorded in the audit trail too. Erasures and deletions answer with nothing, and are not counted.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.audit import AuditEntry
from app.models.token import Principal
from app.services import audit, daily_read_count
from app.services.daily_read_count import ANSWERING_WRITES, COUNTED, READ_ACTIONS

EXCEEDED = "quota.exceeded"


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def reads_today(session: Session, *, token_id: str, now: datetime) -> int:
    """The actor's counted answers of `now`'s day (UTC), from its row in `daily_read_count`."""
    return daily_read_count.used(session, actor=token_id, day=now.astimezone(UTC).date().isoformat())


def counted_in_trail(session: Session, *, token_id: str, now: datetime) -> int:
    """The same count from the audit trail itself (what the row must always equal)."""
    start, _ = day_bounds(now)
    query = (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.actor == token_id,
            col(AuditEntry.at) >= start,
            col(AuditEntry.action).in_(COUNTED),
        )
    )
    return int(session.exec(query).one())


def record_refusal(session: Session, *, by: Principal) -> None:
    kind = "user" if by.user_id is not None else "token"
    audit.record(session, by=by, action=EXCEEDED, kind=kind, object_id=by.token_id)


def seconds_to_midnight(now: datetime) -> int:
    _, end = day_bounds(now)
    return max(1, int((end - now).total_seconds()))


__all__ = ["ANSWERING_WRITES", "COUNTED", "EXCEEDED", "READ_ACTIONS"]
