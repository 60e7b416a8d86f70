"""Pooled figures the state pages draw beyond the API's: a state's notices per year.

Like `app/services/pattern.py`, this counts across organisations and returns figures only, never a
record or an identity.
"""

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.models.notice import Notice


def pooled_notices_by_year(session: Session, state: str) -> tuple[dict[int, int], int]:
    """({year: notices}, undated notices) on `state`'s request, pooled; a notice counts in the year it
    was requested, else issued (a fuzzy date's first four characters are its year)."""
    year = func.substr(func.coalesce(col(Notice.requested_on), col(Notice.issued_on)), 1, 4)
    query = sa_select(year, func.count()).where(col(Notice.requesting_state) == state).group_by(year)
    by_year: dict[int, int] = {}
    undated = 0
    for value, count in session.connection().execute(query):
        if value:
            by_year[int(value)] = int(count)
        else:
            undated += int(count)
    return by_year, undated
