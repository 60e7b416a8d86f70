"""Alembic environment: the URL comes from config.attributes (tests, the CLI) or from the settings."""

from typing import Any

import sqlalchemy as sa
from alembic import context

import app.models
from app.db import make_engine
from app.keyring import Keyring
from app.models.base import JSONList, UTCDateTime
from app.models.encrypted import EncryptedText
from app.models.fuzzy_date import FuzzyDateType
from app.settings import MissingSecretKey, Settings, resolve_secret_key

config = context.config
target_metadata = app.models.SQLModel.metadata

# Our column types render as plain SQL types, so no migration ever imports application code.
PLAIN_TYPES: dict[type, str] = {
    EncryptedText: "sa.Text()",
    UTCDateTime: "sa.DateTime(timezone=True)",
    JSONList: "sa.Text()",
    FuzzyDateType: "sa.String(length=10)",
}


def render_item(type_: str, obj: Any, _autogen_context: Any) -> str | bool:
    if type_ == "type":
        for cls, rendered in PLAIN_TYPES.items():
            if isinstance(obj, cls):
                return rendered
        if obj.__class__.__module__ == "sqlmodel.sql.sqltypes" and obj.__class__.__name__ == "AutoString":
            length = getattr(obj, "length", None)
            return f"sa.String(length={length})" if length else "sa.String()"
    return False


def _url() -> str:
    url = config.attributes.get("url")
    return str(url) if url else Settings().database_url


def _keyring() -> Keyring | None:
    """Data migrations that encrypt need the key: given by the caller, or the settings' own."""
    given = config.attributes.get("keyring")
    if isinstance(given, Keyring):
        return given
    try:
        return Keyring(resolve_secret_key(Settings(database_url=_url())))
    except MissingSecretKey:
        return None


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(_url(), writer=True, keyring=_keyring(), pooled=False, foreign_keys=False)
        with engine.connect() as conn:
            _migrate(conn)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        user_module_prefix="sa.",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
