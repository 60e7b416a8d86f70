"""The daily quota of reads of persons' data per token: a wall against an infiltrated account scraping.

Reads are counted from the audit trail itself (every read of a person's data, every search and match
call writes an entry), so the count is the same in every process and needs no table of its own.
A refused attempt is recorded in the audit trail too.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.audit import AuditEntry
from app.models.token import Principal
from app.services import audit

READ_ACTIONS = frozenset(
    {
        "person.read",
        "person.listed",
        "person.searched",
        "person.matched",
        "person.history_read",
        "person.flags_read",
        "person.dossier_read",
        "protection.listed",
        "notice.read",
        "notice.listed",
        "detention.read",
        "detention.listed",
        "extradition.read",
        "extradition.listed",
        "incident.read",
        "incident.listed",
        "challenge.read",
        "challenge.listed",
        "interpol.checks_listed",
    }
)
EXCEEDED = "quota.exceeded"


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def reads_today(session: Session, *, token_id: str, now: datetime) -> int:
    start, _ = day_bounds(now)
    query = (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.actor == token_id,
            col(AuditEntry.at) >= start,
            col(AuditEntry.action).in_(READ_ACTIONS),
        )
    )
    return int(session.exec(query).one())


def record_refusal(session: Session, *, by: Principal) -> None:
    audit.record(session, by=by, action=EXCEEDED, kind="token", object_id=by.token_id)


def seconds_to_midnight(now: datetime) -> int:
    _, end = day_bounds(now)
    return max(1, int((end - now).total_seconds()))
