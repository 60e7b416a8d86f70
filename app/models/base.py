"""What every table and request shape shares: the constraint naming convention, UTC timestamps, org ownership."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict, field_validator, model_validator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

# Named constraints keep every later migration writable, on SQLite's batch mode as on PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Every id this service issues is a UUID in its canonical form (lower-case hex, hyphenated): the shape
# any id a client sends back in a query string or a cursor must have.
ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware, so responses end in `Z`."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONList(sa.TypeDecorator[list[Any]]):
    """A JSON list kept as text: the same on SQLite and PostgreSQL, and searchable with LIKE for codes."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, _dialect: Dialect) -> str:
        return json.dumps(list(value or []), ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, _dialect: Dialect) -> list[Any]:
        return list(json.loads(value)) if value else []


def timestamp_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ShownOnce:
    """A response that shows a secret this once (a new token, a webhook's signing secret): an
    Idempotency-Key replay of it is a 409, and the secret is never stored."""


class OrgOwned(SQLModel):
    """Columns of every tenant record: an opaque id and the owning organisation, set only by services."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")


class Versioned(SQLModel):
    """Mutable records: `version` feeds ETag / If-Match; timestamps are UTC."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


def _nullable_optionals(schema: dict[str, Any], _model: Any) -> None:
    """In the published schema, every optional field may also be null (contract section 1)."""
    required = set(schema.get("required", []))
    for name, prop in list(schema.get("properties", {}).items()):
        variants = prop.get("anyOf", [prop])
        if name in required or any(v.get("type") == "null" for v in variants):
            continue
        extras = {key: prop.pop(key) for key in ("title", "description", "default") if key in prop}
        schema["properties"][name] = {"anyOf": [prop, {"type": "null"}], **extras}


class StrictInput(SQLModel):
    """Request bodies: unknown fields are a 422, strings are trimmed and hold no NUL character (PostgreSQL
    refuses one in text, and no name or note needs it), and an optional field sent as null means the
    same as leaving it out (its default)."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_nullable_optionals
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            key: value
            for key, value in data.items()
            if not (
                value is None
                and key in fields
                and not fields[key].is_required()
                and fields[key].default is not None
            )
        }

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


def enum_column(enum: Any, *, length: int = 32) -> Any:
    """Enums are stored as VARCHAR, so adding a value needs no migration on PostgreSQL."""
    return sa.Enum(enum, native_enum=False, length=length, validate_strings=True, values_callable=_values)


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]
