"""Alembic from code: where the migrations live, and bringing a database to the newest schema."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import app
from app.keyring import Keyring

_REPO = Path(app.__file__).resolve().parent.parent


def alembic_config(url: str, keyring: Keyring | None = None) -> Config:
    """A config for `url`; the migrations sit beside the package (repo checkout or the image's workdir)."""
    root = _REPO if (_REPO / "alembic").is_dir() else Path.cwd()
    config = Config(str(root / "alembic.ini")) if (root / "alembic.ini").exists() else Config()
    config.set_main_option("script_location", str(root / "alembic"))
    config.attributes["url"] = url
    config.attributes["keyring"] = keyring
    return config


def upgrade(url: str, revision: str = "head", *, keyring: Keyring | None = None) -> None:
    command.upgrade(alembic_config(url, keyring), revision)


def downgrade(url: str, revision: str, *, keyring: Keyring | None = None) -> None:
    command.downgrade(alembic_config(url, keyring), revision)
