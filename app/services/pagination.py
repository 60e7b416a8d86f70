"""Opaque cursors for keyset pagination: newest first, by (created_at, id)."""

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_

from app.errors import Unprocessable


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong arity")
        return values
    except (ValueError, UnicodeDecodeError, TypeError):
        raise Unprocessable("The cursor is not one this service issued.", loc=("query", "cursor")) from None


def newest_first(query: Any, model: Any, *, cursor: str | None, limit: int) -> Any:
    """Order by (created_at, id) descending, start after the cursor, fetch one extra row to know if more follow."""
    if cursor:
        created_raw, last_id = decode_cursor(cursor, arity=2)
        try:
            created = datetime.fromisoformat(created_raw)
        except (TypeError, ValueError):
            raise Unprocessable(
                "The cursor is not one this service issued.", loc=("query", "cursor")
            ) from None
        query = query.where(
            or_(model.created_at < created, and_(model.created_at == created, model.id < str(last_id)))
        )
    return query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)


def page(rows: list[Any], *, limit: int) -> tuple[list[Any], str | None]:
    """The page and the cursor of the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)
