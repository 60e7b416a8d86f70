"""The daily quota of answers that show persons' data, per token: a wall against an infiltrated account
scraping, whatever route or method it scrapes with.

Every answer that shows a person's data writes an audit entry (a read, a search, a match, a write that
answers with the record, an empty PATCH, a replayed answer), and the quota counts those entries: the
count is the same in every process and needs no table of its own. A refused attempt is recorded in the
audit trail too. Erasures and deletions answer with nothing, and are not counted.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.kinds import KINDS
from app.models.audit import AuditEntry
from app.models.token import Principal
from app.services import audit
from app.services.idempotency import REPLAYED

# Reads of a person, of their records of every kind (each kind declares its own), and replays.
READ_ACTIONS = frozenset(
    {
        "person.read",
        "person.listed",
        "person.searched",
        "person.matched",
        "person.history_read",
        "person.flags_read",
        "person.dossier_read",
        "interpol.searched",
        "import.spreadsheet",  # a spreadsheet checked against the persons, like one /match call
        "screening.ran",  # a dataset's notices matched against the persons, like one /match call
        REPLAYED,
        *(action for kind in KINDS for action in kind.reads),
    }
)
# Writes whose answer is the record written, with every field it holds.
ANSWERING_WRITES = frozenset(
    {"person.created", "person.updated", *(action for kind in KINDS for action in kind.writes)}
)
COUNTED = READ_ACTIONS | ANSWERING_WRITES
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
