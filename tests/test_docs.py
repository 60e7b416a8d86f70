"""The README and docs/ stay true: every route, setting, command and link they name exists, docs/
covers every route, setting, command and indicator the service has, and nothing points a reader to a
document only the project's developers have."""

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from fastapi.testclient import TestClient
from typer.core import TyperCommand, TyperGroup

from app import cli
from app.main import create_app
from app.models.flag import SEVERITY, FlagCode
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
PATHS = create_app(Settings(_env_file=None)).openapi()["paths"]
ROUTES = sorted((method.upper(), path) for path, ops in PATHS.items() for method in ops)
COMMANDS = typer.main.get_command(cli.app)
assert isinstance(COMMANDS, TyperGroup)

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
NAMED_ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w{}/.-]*)")
API_PATH = re.compile(r"/api/v1(?:/[\w{}-]+)*")
SETTING = re.compile(r"\bARTICLE3_[A-Z0-9_]+")
INVOCATION = re.compile(r"(?<![\w./-])article3((?: +[^\s|;&]+)+)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INTERNAL = re.compile(
    r"\.\./shared|\bshared/(?:docs|fixtures)|api-v1\.md|\bissue #?\d+|\(sections? \d+|contract sections?",
    re.I,
)


def _code(text: str) -> list[str]:
    """The code in a Markdown text: each line of a fenced block, and each inline code span."""
    fenced = [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]
    return fenced + CODE_SPAN.findall(FENCE.sub("", text))


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")


def _routes_at(path: str) -> set[str]:
    """The methods of the route at `path`, written as a template (any parameter names) or a concrete
    path, in full or relative to `/api/v1` as the README's tables write them."""
    return {
        method
        for method, route in ROUTES
        if any(_template(route).match(candidate) for candidate in (path, "/api/v1" + path))
    }


def _pages() -> Iterator[tuple[str, str]]:
    for page in PAGES:
        yield page.relative_to(ROOT).as_posix(), page.read_text(encoding="utf-8")


def _invocations(text: str) -> Iterator[list[str]]:
    """The words after `article3` in each command shown, from the first subcommand on."""
    for code in _code(text):
        for match in INVOCATION.finditer(code):
            words = match[1].split()
            if re.fullmatch(r"[a-z][\w-]*", words[0]):
                yield words


def _command(words: list[str]) -> tuple[list[str], TyperCommand | None]:
    """The command path the words name (e.g. ['tokens', 'create']) and the command itself."""
    command: object = COMMANDS
    path: list[str] = []
    for word in words:
        if not isinstance(command, TyperGroup) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path, command if isinstance(command, TyperCommand) else None


def _every_command(group: TyperGroup = COMMANDS, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _every_command(command, f"{prefix}{name} ")
        else:
            yield prefix + name


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower().replace("`", "")
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    return {_slug(line.lstrip("#")) for line in FENCE.sub("", text).splitlines() if line.startswith("#")}


def test_the_pages_exist_and_name_things() -> None:
    names = [p.name for p in PAGES]
    assert {"README.md", "api.md", "data-model.md", "indicators.md", "operating.md"} <= set(names)
    assert ROUTES, "no routes found: the route tests would pass vacuously"
    everything = "".join(text for _, text in _pages())
    assert NAMED_ROUTE.search(everything)
    assert SETTING.search(everything)
    assert any(_invocations(everything))


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_every_route_named_exists(page: str, text: str) -> None:
    code = " ".join(_code(text))
    named = {(method, path.rstrip(".")) for method, path in NAMED_ROUTE.findall(code)}
    missing = sorted((method, path) for method, path in named if method not in _routes_at(path))
    unknown = sorted({p for p in API_PATH.findall(code) if p != "/api/v1" and not _routes_at(p)})
    assert not missing, f"{page} names routes the service does not have: {missing}"
    assert not unknown, f"{page} names paths the service does not have: {unknown}"


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_every_other_address_named_answers(page: str, text: str, client: TestClient) -> None:
    """`/docs`, `/ui/` and the like: not in the OpenAPI document, so they are asked."""
    spans = {c.split("?")[0] for c in CODE_SPAN.findall(FENCE.sub("", text)) if re.fullmatch(r"/[\w./-]*", c)}
    others = sorted(s for s in spans if s != "/api/v1" and not _routes_at(s))
    dead = [s for s in others if client.get(s, follow_redirects=False).status_code == 404]
    assert not dead, f"{page} names addresses that answer 404: {dead}"


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_every_setting_named_exists(page: str, text: str) -> None:
    # The test suite's own variable, read by tests/conftest.py, not a setting of the service.
    read_by_tests = set(SETTING.findall((ROOT / "tests" / "conftest.py").read_text()))
    settings = {f"ARTICLE3_{name.upper()}" for name in Settings.model_fields}
    unknown = sorted(set(SETTING.findall(text)) - settings - read_by_tests)
    assert not unknown, f"{page} names settings the service does not have: {unknown}"


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_every_command_named_exists(page: str, text: str) -> None:
    wrong = []
    for words in _invocations(text):
        path, command = _command(words)
        if command is None:
            wrong.append(f"article3 {' '.join(words)}: no such command")
            continue
        options = {opt for param in command.params for opt in param.opts}
        named = {w.strip("[]").split("=")[0] for w in words[len(path) :] if w.strip("[").startswith("--")}
        wrong += [f"article3 {' '.join(path)}: no option {o}" for o in sorted(named - options - {"--help"})]
    assert not wrong, f"{page} names commands the service does not have:\n" + "\n".join(wrong)


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_every_relative_link_points_to_a_file_in_the_repository(page: str, text: str) -> None:
    broken = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"[a-z]+:", target):
            continue  # http(s) and mailto: the web, not the repository
        path, _, anchor = target.partition("#")
        file = (ROOT / page).parent / path if path else ROOT / page
        if not file.resolve().is_relative_to(ROOT) or not file.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading '{anchor}' in {file.relative_to(ROOT)}")
    assert not broken, f"{page} has broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize(("page", "text"), list(_pages()), ids=[p.name for p in PAGES])
def test_nothing_points_to_the_developers_documents(page: str, text: str) -> None:
    found = [m.group(0) for m in INTERNAL.finditer(text)]
    assert not found, f"{page} refers readers to what the repository does not ship: {found}"


def test_the_api_guide_lists_every_route() -> None:
    guide = " ".join(_code((DOCS / "api.md").read_text(encoding="utf-8")))
    missing = [f"{m} {p}" for m, p in ROUTES if f"{m} {p}" not in guide]
    assert not missing, f"docs/api.md: add these to its endpoint tables: {missing}"


def test_the_operating_guide_lists_every_setting_and_command() -> None:
    text = (DOCS / "operating.md").read_text(encoding="utf-8")
    settings = [
        f"ARTICLE3_{n.upper()}" for n in Settings.model_fields if f"`ARTICLE3_{n.upper()}`" not in text
    ]
    shown = {" ".join(_command(words)[0]) for words in _invocations(text)}
    commands = [c for c in _every_command() if c not in shown]
    assert len(shown) > 10, "no commands found in docs/operating.md: this test would pass vacuously"
    assert not settings, f"docs/operating.md: add these to its settings table: {settings}"
    assert not commands, f"docs/operating.md: show these commands: {commands}"


def test_the_indicators_page_explains_every_indicator_at_its_severity() -> None:
    text = (DOCS / "indicators.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    wrong = [
        code.value
        for code in FlagCode
        if f"**Severity** {SEVERITY[code].value}." not in sections.get(code.value, "")
        or f"| [`{code.value}`](#{code.value}) | {SEVERITY[code].value} |" not in text
    ]
    assert not wrong, f"docs/indicators.md: give these a section and a summary row at their severity: {wrong}"
