"""count daily reads

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 00:00:00

The daily read quota read a token's answers of the day by counting its audit entries: a count that
grows with every read, on every read. `daily_read_count` keeps that count as one row per actor and day,
in the transaction of every entry it counts. Today's and yesterday's counts are filled from the trail
(no earlier day is ever read).
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

from app.services.daily_read_count import COUNTED

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counts = op.create_table(
        "daily_read_count",
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("actor", "day", name=op.f("pk_daily_read_count")),
    )
    entries = sa.table(
        "audit_entry",
        sa.column("actor", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("action", sa.String()),
    )
    since = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(0), tzinfo=UTC)
    rows = op.get_bind().execute(
        sa.select(entries.c.actor, entries.c.at).where(
            entries.c.at >= since, entries.c.action.in_(sorted(COUNTED))
        )
    )
    tally: Counter[tuple[str, str]] = Counter()
    for actor, at in rows:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        tally[(actor, moment.date().isoformat())] += 1
    if tally:
        op.bulk_insert(counts, [{"actor": a, "day": d, "used": n} for (a, d), n in tally.items()])


def downgrade() -> None:
    op.drop_table("daily_read_count")
