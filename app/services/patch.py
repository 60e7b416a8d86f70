"""PATCH bodies: a field sent as null goes back to its default; a required field cannot be null."""

from collections.abc import Mapping
from typing import Any

from app.errors import Unprocessable


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
