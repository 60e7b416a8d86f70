"""The problem+json answers every API route may give, for the OpenAPI document."""

from typing import Any

PROBLEM: dict[str, Any] = {
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "loc": {
                                    "type": "array",
                                    "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                                },
                                "msg": {"type": "string"},
                                "type": {"type": "string"},
                            },
                        },
                    },
                },
            }
        }
    }
}
_DESCRIPTIONS = {
    401: "Missing, malformed, unknown, expired or revoked token (one identical body).",
    403: "The token's role does not allow this.",
    404: "No such record in the caller's organisation (another organisation's ids answer the same).",
    409: "The record's current state forbids this action.",
    412: "If-Match names an older version.",
    413: "The request body is larger than 1 MiB.",
    422: "A value is invalid; `errors` says which.",
    428: "If-Match is required.",
    429: "Rate limit or daily read quota reached; see Retry-After.",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, **PROBLEM} for code, text in _DESCRIPTIONS.items()
}
