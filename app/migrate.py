"""Alembic from code: where the migrations are, and bringing a database to the newest schema.

Their source is the `alembic/` folder at the top of the repository (where `alembic revision` writes,
through alembic.ini). A wheel ships the same files inside the package, as `app/migrations/`
(pyproject.toml maps the one onto the other), so an installed `article3 migrate` needs no checkout
and works from any directory.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config

import app
from app.keyring import Keyring

_PACKAGE = Path(app.__file__).resolve().parent


def script_location() -> Path:
    """`app/migrations` when installed from a wheel; `alembic/` beside the package in a checkout (and
    an editable install, which runs the checkout's code)."""
    shipped = _PACKAGE / "migrations"
    return shipped if (shipped / "env.py").is_file() else _PACKAGE.parent / "alembic"


def alembic_config(url: str, keyring: Keyring | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.attributes["url"] = url
    config.attributes["keyring"] = keyring
    return config


def upgrade(url: str, revision: str = "head", *, keyring: Keyring | None = None) -> None:
    command.upgrade(alembic_config(url, keyring), revision)


def downgrade(url: str, revision: str, *, keyring: Keyring | None = None) -> None:
    command.downgrade(alembic_config(url, keyring), revision)
