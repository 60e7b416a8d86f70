"""Settings: the secret key is generated once on SQLite and required elsewhere."""

import stat
from pathlib import Path

import pytest

from app.settings import MissingSecretKey, Settings, resolve_secret_key


def test_sqlite_generates_a_private_key_file_once(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    first = resolve_secret_key(settings)
    key_file = tmp_path / "a.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert resolve_secret_key(settings) == first


def test_other_databases_refuse_to_start_without_a_key() -> None:
    settings = Settings(_env_file=None, database_url="postgresql://postgres@127.0.0.1/x")
    assert settings.database_url.startswith("postgresql+psycopg://")
    with pytest.raises(MissingSecretKey, match="ARTICLE3_SECRET_KEY is required"):
        resolve_secret_key(settings)


def test_short_keys_are_refused() -> None:
    settings = Settings(_env_file=None, secret_key="short")
    with pytest.raises(MissingSecretKey):
        resolve_secret_key(settings)


def test_every_setting_is_documented_in_the_readme_and_env_example() -> None:
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    example = (root / ".env.example").read_text()
    missing = [
        n
        for n in Settings.model_fields
        if f"ARTICLE3_{n.upper()}" not in readme or f"ARTICLE3_{n.upper()}" not in example
    ]
    assert not missing
