"""Opaque cursors: keyset pagination newest first by (created_at, id), or a position (an offset, a sequence
number).

A cursor is base64 of a JSON list of the values the server put in it. Decoding checks every value for
the shape the server issues (an aware ISO timestamp, an id as `ID_PATTERN`, a whole number in range), so a
cursor that is not one of ours is a 422 before any value reaches a query.
"""

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_

from app.errors import Unprocessable
from app.models.base import ID_PATTERN

MAX_POSITION = 2**63 - 1  # fits a BIGINT on PostgreSQL and an INTEGER on SQLite
_RECORD_ID = re.compile(ID_PATTERN)


class _NotIssued(ValueError):
    """A cursor value this service would never have put there."""


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise _NotIssued
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise _NotIssued
    return when.astimezone(UTC)  # OverflowError at the ends of the calendar


def _record_id(value: object) -> str:
    if not isinstance(value, str) or not _RECORD_ID.match(value):
        raise _NotIssued
    return value


def _position(value: object) -> int:
    if type(value) is not int or not 0 <= value <= MAX_POSITION:  # not a bool, a float or a string
        raise _NotIssued
    return value


def _decode(cursor: str, *shape: Callable[[object], Any]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(shape):
            raise _NotIssued
        return [check(value) for check, value in zip(shape, values, strict=True)]
    except (ValueError, OverflowError, RecursionError):  # base64, Unicode and JSON errors are ValueErrors
        raise Unprocessable("The cursor is not one this service issued.", loc=("query", "cursor")) from None


def decode_position(cursor: str) -> int:
    """The offset or sequence number in a cursor made by `encode_cursor(position)`."""
    (position,) = _decode(cursor, _position)
    return int(position)


def newest_first(query: Any, model: Any, *, cursor: str | None, limit: int) -> Any:
    """Order by (created_at, id) descending, start after the cursor, fetch one extra row to know if more follow."""
    if cursor:
        created, last_id = _decode(cursor, _timestamp, _record_id)
        query = query.where(
            or_(model.created_at < created, and_(model.created_at == created, model.id < last_id))
        )
    return query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)


def page(rows: list[Any], *, limit: int) -> tuple[list[Any], str | None]:
    """The page and the cursor of the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)
