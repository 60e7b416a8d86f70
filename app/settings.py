"""Settings: every knob of the service, read from ARTICLE3_* environment variables or a .env file."""

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.private_file import private_directory

DEFAULT_DATABASE_URL = "sqlite:///./article3.db"


class Settings(BaseSettings):
    """Deployment settings (contract section 14). Tests build their own instance and pass it to create_app."""

    model_config = SettingsConfigDict(env_prefix="ARTICLE3_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: SecretStr | None = None
    interpol_url: str = "https://ws-public.interpol.int"
    interpol_timeout: float = Field(default=10.0, gt=0, le=60)
    interpol_list_ttl_s: float = Field(default=6 * 3600, ge=0)
    interpol_detail_ttl_s: float = Field(default=3 * 86400, ge=0)
    pattern_min_persons: int = Field(default=3, ge=1)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    daily_read_quota: int = Field(default=5000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    docs_enabled: bool = True
    webhook_allow_private: bool = False
    redis_url: SecretStr | None = None  # may hold Redis' password
    reminder_days: list[int] = Field(default_factory=lambda: [14, 3])
    watch_interval_hours: int = Field(default=24, ge=1, le=168)
    interpol_max_rps: float = Field(default=1.0, gt=0, le=50)
    watch_runner: bool = True  # the server runs due watches itself (off: only `article3 watch run` does)
    public_url: str = "http://127.0.0.1:8000"  # how people reach the web interface: invitation links
    invitation_hours: int = Field(default=72, ge=1, le=720)
    session_idle_minutes: int = Field(default=30, ge=1, le=480)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @field_validator("reminder_days")
    @classmethod
    def _reminder_days(cls, days: list[int]) -> list[int]:
        if any(not 1 <= d <= 365 for d in days):
            raise ValueError("each reminder is 1 to 365 days before its deadline")
        return sorted(set(days), reverse=True)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class MissingSecretKey(RuntimeError):
    """Raised at start-up when the database is not SQLite and no ARTICLE3_SECRET_KEY is set."""


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite:/// URL, or None for in-memory or non-SQLite URLs."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
    if not path or path == ":memory:":
        return None
    return Path(path.split("?", 1)[0])


def resolve_secret_key(settings: Settings) -> bytes:
    """The server-side key that token digests, the audit chain and field encryption depend on.

    On SQLite a missing key is generated once into a file readable only by its owner, beside the
    database, so a single-machine install needs no configuration. Anywhere else the operator must set
    it: a key generated on one of several app servers would silently differ from the others'.
    """
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < 32:
            raise MissingSecretKey("ARTICLE3_SECRET_KEY must be at least 32 characters long.")
        return value.encode()
    db_file = sqlite_path(settings.database_url)
    if db_file is None:
        raise MissingSecretKey(
            "ARTICLE3_SECRET_KEY is required when the database is not an SQLite file; set it to a long random value."
        )
    key_file = db_file.with_name(db_file.name + ".key")
    if not key_file.exists():
        private_directory(key_file.parent)
        staging = key_file.with_name(f"{key_file.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(staging, key_file)  # atomic: a concurrent start-up keeps the first key written
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return key_file.read_text().strip().encode()
