"""PATCH bodies: a field sent as null goes back to its default; a required field cannot be null; a PATCH
that changes nothing still answers with the record, so it is audited as a read of it."""

from collections.abc import Mapping
from typing import Any, Protocol

from sqlmodel import Session

from app.errors import PreconditionFailed, Unprocessable
from app.models.token import Principal
from app.services import audit


class _Versioned(Protocol):
    version: int


def check_version(record: _Versioned, expected: int | None, *, what: str) -> None:
    """412 when the caller's If-Match names another version (None: no If-Match, for a DELETE)."""
    if expected is not None and record.version != expected:
        raise PreconditionFailed(f"The {what} has changed: it is at version {record.version}.")


def changes(
    data: Mapping[str, Any], *, required: tuple[str, ...], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The fields to change, with nulls replaced by the field's default (a 422 for a required field)."""
    result = dict(data)
    for name, value in data.items():
        if value is not None:
            continue
        if name in required:
            raise Unprocessable(f"{name} cannot be null.", loc=("body", name))
        if name in defaults:
            default = defaults[name]
            result[name] = list(default) if isinstance(default, list) else default
    return result


def unchanged(session: Session, *, kind: str, record_id: str, by: Principal) -> None:
    """Nothing to change (`{}`): no new version, but the answer shows the record as it stands, so it is
    audited (and counted in the daily quota) exactly like reading it."""
    audit.record(session, by=by, action=f"{kind}.read", kind=kind, object_id=record_id)
