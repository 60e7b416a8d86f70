"""The repository stands alone: what it runs (app, tests, benchmarks, CI, build files) reads no path
outside it, so a fresh clone in an empty directory works.

Only files that can read a path are scanned: Python, shell scripts, build files and configuration.
Data, documents, templates and the vendored browser assets read nothing."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED_DIRS = ("app", "tests", "bench", ".ci", "alembic")
SCANNED_FILES = ("Makefile", "Dockerfile", "pyproject.toml", "alembic.ini", "babel.cfg", ".env.example")
CODE_SUFFIXES = {"", ".py", ".sh", ".toml", ".ini", ".cfg", ".mako"}  # "": the scripts in .ci/

UP_A_LEVEL = re.compile(r"\.\.[/\\]|\bos\.pardir\b")
ELSEWHERE = re.compile(r"\bshared/(?:docs|fixtures)\b|/work/")  # the project's own documents, this machine
FILE_PARENTS = re.compile(
    r"Path\((?P<module>[\w.]*?)\.?__file__\)(?:\.resolve\(\))?(?:\.parents\[(?P<index>\d+)\]|(?P<chain>(?:\.parent)+))"
)
# `..` that is not a file path: a URL a test sends to prove the server refuses to climb out of a
# folder, and a notice id a test sends to prove the client refuses it.
NOT_A_PATH = {
    ("tests/ui/test_pages.py", '"/ui/static/../routers/ui.py"'),
    ("tests/clients/test_interpol.py", '"../2017-40211"'),
    ("tests/test_api_docs.py", '"../settings.py"'),
}


def scanned_files() -> list[Path]:
    files = [ROOT / name for name in SCANNED_FILES if (ROOT / name).exists()]
    for folder in SCANNED_DIRS:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES]
    return sorted(p for p in files if p != Path(__file__).resolve())  # its examples would match


def _imported_as(alias: str, text: str) -> str:
    """The module that `import <module> as <alias>` names in `text`, else `alias` itself."""
    found = re.search(rf"^\s*import ([\w.]+) as {re.escape(alias)}\b", text, re.MULTILINE)
    return found[1] if found else alias


def _climbs_out(match: re.Match[str], path: Path, text: str = "") -> bool:
    """Whether `Path(<module>.__file__)` followed by its parents leaves the repository (the module
    may be named by an alias the file imports it as)."""
    source = path
    if match["module"]:
        spec = importlib.util.find_spec(_imported_as(match["module"], text))
        assert spec is not None, match["module"]
        assert spec.origin is not None, match["module"]
        source = Path(spec.origin).resolve()
    up = int(match["index"]) + 1 if match["index"] is not None else match["chain"].count(".parent")
    return not source.parents[min(up - 1, len(source.parents) - 1)].is_relative_to(ROOT)


def outside_reads(path: Path, text: str) -> list[str]:
    """Lines of `text` (the file at `path`) that reach for a path outside the repository."""
    rel = path.relative_to(ROOT).as_posix()
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        climbs = UP_A_LEVEL.search(line) and not any(rel == f and s in line for f, s in NOT_A_PATH)
        if (
            climbs
            or ELSEWHERE.search(line)
            or any(_climbs_out(m, path, text) for m in FILE_PARENTS.finditer(line))
        ):
            found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_nothing_reads_a_path_outside_the_repository() -> None:
    files = scanned_files()
    assert len(files) > 100, "the scan found almost nothing: it would pass vacuously"
    found = [line for path in files for line in outside_reads(path, path.read_text(encoding="utf-8"))]
    assert not found, "copy what these need into the repository:\n" + "\n".join(found)


# The folder beside the repository that users do not have, spelled in pieces so that this file, the
# one file the scan skips, never names it in a way a search for reads of it would find.
SIBLING = "sha" + "red"


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("tests/fake_interpol.py", f'FIXTURES = Path(__file__).resolve().parents[2] / "{SIBLING}"'),
        ("tests/services/test_x.py", "DATA = Path(__file__).parent.parent.parent.parent / 'data'"),
        ("app/migrate.py", "_REPO = Path(app.__file__).resolve().parents[2]"),
        ("bench/x.py", f"open('../{SIBLING}/fixtures/a.json')"),
        ("Makefile", f"\tcp /work/{SIBLING}/docs/api-v1.md docs/"),
        ("tests/x.py", "os.path.join(here, os.pardir, os.pardir)"),
    ],
)
def test_the_scan_catches_a_path_outside(where: str, line: str) -> None:
    assert outside_reads(ROOT / where, line)


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("tests/fake_interpol.py", 'FIXTURES = Path(__file__).resolve().parent / "data" / "interpol"'),
        ("tests/services/test_charge.py", 'Path(__file__).parents[1] / "data" / "charge_texts.csv"'),
        ("app/migrate.py", "_REPO = Path(app.__file__).resolve().parent.parent"),
        ("bench/synth.py", "ROOT = Path(__file__).resolve().parents[1]"),
    ],
)
def test_the_scan_lets_paths_inside_pass(where: str, line: str) -> None:
    assert not outside_reads(ROOT / where, line)


def test_a_module_imported_under_another_name_is_followed() -> None:
    inside = "import app as app_package\nDATA = Path(app_package.__file__).parent.parent / 'tests'\n"
    outside = "import app as app_package\nDATA = Path(app_package.__file__).parents[2] / 'data'\n"
    assert not outside_reads(ROOT / "tests/test_x.py", inside)
    assert outside_reads(ROOT / "tests/test_x.py", outside)
