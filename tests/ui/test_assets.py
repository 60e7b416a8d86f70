"""The interface's files: nothing from another host, no inline script or style, enough contrast,
and translations that match the templates."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import app

APP = Path(app.__file__).parent
REPO = APP.parent
SERVED = [
    *sorted((APP / "templates").rglob("*")),
    *sorted((APP / "static").rglob("*")),
    APP / "ui" / "charts.py",  # draws SVG into pages
]
XML_NAMESPACES = {"http://www.w3.org/2000/svg"}  # names, never fetched
URL = re.compile(r"""(?:[a-z][a-z0-9+.-]*:)?//[^\s"'<>)]*""", re.IGNORECASE)


def _texts() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in SERVED if p.is_file() and p.suffix != ".mo"]


def test_there_are_files_to_check() -> None:
    names = {p.name for p, _ in _texts()}
    assert {"base.html", "person.html", "ui.css", "icons.svg", "charts.py"} <= names


def test_no_template_or_static_file_names_another_host() -> None:
    found = [
        (path.relative_to(REPO).as_posix(), match.group(0))
        for path, text in _texts()
        for match in URL.finditer(text)
        if match.group(0) not in XML_NAMESPACES
    ]
    assert found == []


def test_no_inline_script_style_or_handler() -> None:
    patterns = {
        "script element": re.compile(r"<script", re.IGNORECASE),
        "style element": re.compile(r"<style", re.IGNORECASE),
        "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
        "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
        "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
        "CSS import": re.compile(r"@import|@font-face", re.IGNORECASE),
    }
    found = [
        (path.name, what)
        for path, text in _texts()
        for what, pattern in patterns.items()
        if path.suffix in (".html", ".svg", ".css") and pattern.search(text)
    ]
    assert found == []


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


CSS = (APP / "static" / "ui.css").read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))
WHITE = "#ffffff"
# (text, background) pairs the stylesheet puts together.
PAIRS = [
    ("ink", "paper"),
    ("muted", "paper"),
    ("muted", "wash"),
    ("ink", "wash"),
    ("link", "paper"),
    ("link", "wash"),
    ("link-visited", "paper"),
    ("danger", "paper"),
    ("danger", "target"),
    ("muted", "target"),
    ("link", "target"),
    ("ink", "warn-bg"),
    ("ink", "low-bg"),
    ("ink", "target"),
    ("ink", "focus"),
    (WHITE, "brand"),
    (WHITE, "danger"),
    (WHITE, "link"),
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_contrast_is_at_least_4_5_to_1(text: str, background: str) -> None:
    colours = [VARIABLES.get(name, name) for name in (text, background)]
    assert _contrast(*colours) >= 4.5, (text, background, round(_contrast(*colours), 2))


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def test_the_russian_catalog_translates_every_message_and_is_compiled() -> None:
    template = _catalog(APP / "locale" / "messages.pot")
    russian = _catalog(APP / "locale" / "ru" / "LC_MESSAGES" / "messages.po", locale="ru")
    wanted = {m.id for m in template if m.id}
    translated = {
        m.id for m in russian if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    assert wanted - translated == set()
    assert not [m.id for m in russian if m.id and m.fuzzy]
    with (APP / "locale" / "ru" / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in russian:
        if message.id and isinstance(message.id, str):
            found = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else compiled.gettext(message.id)
            )
            assert found == message.string, message.id


def test_the_message_template_matches_the_sources() -> None:
    with (REPO / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")  # type: ignore[no-untyped-call]
    extracted = {message for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map)}
    template = {m.id for m in _catalog(APP / "locale" / "messages.pot") if m.id}
    assert extracted == template, "run the pybabel commands in babel.cfg"
