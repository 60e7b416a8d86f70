"""Which audit actions the daily read quota counts, and their count per actor and day kept as a row.

Every answer that shows a person's data writes an audit entry (a read, a search, a match, a write that
answers with the record, an empty PATCH, a replayed answer). `app.services.audit` adds each such entry
to its actor's row of the day (UTC) in the entry's own transaction, so the row always equals the count
of those entries, in every process, and the quota reads one row instead of counting the trail (a count
that grew with every read, on every read).
"""

import functools
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Connection, ScalarSelect, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.kinds import KINDS
from app.models.daily_read_count import DailyReadCount

REPLAYED = "request.replayed"  # the audit action of an Idempotency-Key's stored answer sent again

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
TABLE = DailyReadCount.__table__  # type: ignore[attr-defined]


def day_of(moment: date) -> str:
    return moment.isoformat()


def add(target: Session | Connection, counts: Mapping[tuple[str, str], int]) -> None:
    """Add `counts` ((actor, ISO day) → how many) to the rows, creating those missing: one statement for
    all on PostgreSQL, one executemany on SQLite."""
    if not counts:
        return
    bind = target.connection() if isinstance(target, Session) else target
    if bind.dialect.name == "postgresql":
        bind.execute(upsert_postgres(), upsert_parameters(counts))
    else:
        bind.execute(upsert_sqlite(), [{"actor": a, "day": d, "used": n} for (a, d), n in counts.items()])


COUNT_COLUMNS = ("actor", "day", "used")


@functools.cache
def upsert_postgres() -> Any:
    """PostgreSQL: one statement adding counts to their rows, creating those missing, the counts given as
    three arrays (`upsert_parameters`) unnested into rows. Made once, and compiled once: SQLAlchemy caches
    no statement with a multi-row VALUES, which it compiled anew for every audited read (0.3 ms)."""
    rows = select(
        *(
            func.unnest(bindparam(f"counted_{name}", type_=postgresql.ARRAY(TABLE.c[name].type))).label(name)
            for name in COUNT_COLUMNS
        )
    )
    statement = postgresql.insert(TABLE).from_select(COUNT_COLUMNS, rows)
    return statement.on_conflict_do_update(
        index_elements=["actor", "day"], set_={"used": TABLE.c.used + statement.excluded.used}
    )


def upsert_parameters(counts: Mapping[tuple[str, str], int]) -> dict[str, list[Any]]:
    """The parameters of `upsert_postgres` for `counts` (non-empty; each (actor, day) once)."""
    return {
        "counted_actor": [actor for actor, _ in counts],
        "counted_day": [day for _, day in counts],
        "counted_used": list(counts.values()),
    }


@functools.cache
def upsert_sqlite() -> Any:
    """SQLite: a statement adding one count to its row, creating it when missing, sent once per count
    (an executemany, in the caller's transaction) and compiled once."""
    statement = sqlite.insert(TABLE)
    return statement.on_conflict_do_update(
        index_elements=["actor", "day"], set_={"used": TABLE.c.used + statement.excluded.used}
    )


def used(target: Session | Connection, *, actor: str, day: str) -> int:
    bind = target.connection() if isinstance(target, Session) else target
    return int(bind.execute(_USED, {"actor": actor, "day": day}).scalar_one_or_none() or 0)


# Made once: building the statement for every read cost more than sending it.
_USED = select(TABLE.c.used).where(TABLE.c.actor == bindparam("actor"), TABLE.c.day == bindparam("day"))


def used_by(target: Session | Connection, *, actors: Collection[str], day: str) -> dict[str, int]:
    """`used` of several actors at once (0 for those without a row)."""
    if not actors:
        return {}
    bind = target.connection() if isinstance(target, Session) else target
    rows = bind.execute(
        select(TABLE.c.actor, TABLE.c.used).where(TABLE.c.day == day, TABLE.c.actor.in_(actors))
    )
    found = {actor: int(n) for actor, n in rows}
    return {actor: found.get(actor, 0) for actor in actors}


def used_json(
    *, actors: Collection[str] | BindParameter[Any], day: str | BindParameter[Any]
) -> ScalarSelect[Any]:
    """PostgreSQL: a scalar subquery answering `{actor: used}` of these actors (NULL when none has a row),
    to ride along in another statement; the actors and the day as values, or as bound parameters (the
    actors' expanding) for a statement made once."""
    return (
        select(func.json_object_agg(TABLE.c.actor, TABLE.c.used))
        .where(TABLE.c.day == day, TABLE.c.actor.in_(actors))
        .scalar_subquery()
    )
