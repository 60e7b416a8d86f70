"""The migrations and the models agree, and the schema goes down and up again on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import migrate
from app.db import make_engine
from app.models import SQLModel
from tests.conftest import truncate_all


def _diff(url: str) -> list[object]:
    engine = make_engine(url, writer=True, pooled=False)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return list(diff)


def test_models_and_migrations_agree(migrated_url: str) -> None:
    assert _diff(migrated_url) == []


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url)
    assert _diff(database_url) == []
    if database_url.startswith("postgresql"):
        truncate_all(database_url)
