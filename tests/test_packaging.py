"""The wheel ships the whole package, the migrations included (as `app.migrations`, from `alembic/`);
`.ci/wheel` installs it into a fresh venv and runs it from an empty directory."""

import tomllib
from pathlib import Path

import app
from app import migrate

REPO = Path(app.__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_folder_of_the_package_and_the_migrations_are_in_the_wheel() -> None:
    folders = {
        ".".join(path.relative_to(REPO).parts)
        for path in [REPO / "app", *(REPO / "app").rglob("*")]
        if path.is_dir() and "__pycache__" not in path.parts
    }
    migrations = {"app.migrations", "app.migrations.versions"}
    assert set(SETUPTOOLS["packages"]) == folders | migrations, "list the new folder in pyproject.toml"
    assert SETUPTOOLS["package-dir"] == {"app.migrations": "alembic"}
    assert "script.py.mako" in SETUPTOOLS["package-data"]["app.migrations"]


def test_the_migrations_never_shadow_the_alembic_library() -> None:
    assert not (REPO / "alembic" / "__init__.py").exists(), "a package named alembic would hide the library"
    assert migrate.script_location() == REPO / "alembic"  # in a checkout: the source itself
    assert (migrate.script_location() / "env.py").is_file()
