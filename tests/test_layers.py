"""The import-linter layers name every module of the package, so none sits outside the rules."""

import pkgutil
import tomllib
from pathlib import Path

import app

REPO = Path(app.__file__).resolve().parent.parent


def test_every_module_of_the_package_is_in_a_layer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers")
    named = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {f"app.{info.name}" for info in pkgutil.iter_modules(app.__path__)}
    assert modules - named == set(), "put the module in a layer in pyproject.toml"
