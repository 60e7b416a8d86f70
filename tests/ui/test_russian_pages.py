"""Every page read in Russian shows no catalog message in English: each string the pages say reaches the
reader through the catalog, and the catalog's Russian is what is shown.

The pages are walked as a reader would, in both ways of choosing the language (the browser's
Accept-Language, and the language switch's `?lang=ru`, remembered in a cookie). A message is looked for
as the whole text of an element or attribute (short ones, like "Search", would otherwise match the
demo's English notes), and a longer message's fixed parts (between its placeholders) anywhere.
"""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.factories import make_challenge
from tests.ui.conftest import Demo, csrf_of, sign_in

PO = Path(__file__).resolve().parents[2] / "app" / "locale" / "ru" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
LONG_WORDS = 3  # a fixed part of at least this many words is looked for anywhere in a text


def _catalog() -> Catalog:
    with PO.open("rb") as po:
        return read_po(po, locale="ru")


def _english_messages() -> tuple[frozenset[str], frozenset[str]]:
    """(whole messages, the fixed parts of longer ones) whose Russian differs from their English."""
    whole: set[str] = set()
    parts: set[str] = set()
    for message in _catalog():
        if not message.id:
            continue
        ids: tuple[str, ...] = tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)
        for english in ids:
            if english in strings:
                continue  # the same in both languages ("JSON", "PDF")
            if not PLACEHOLDER.search(english):
                whole.add(english.strip())
            for part in PLACEHOLDER.split(english):
                part = part.strip(" .,:;()“”\"'")
                if len(part.split()) >= LONG_WORDS:
                    parts.add(part)
    return frozenset(whole), frozenset(parts)


class _Texts(HTMLParser):
    """The texts of a page: each element's own text, and the attributes a reader hears or sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(page: str, *, data: frozenset[str] = frozenset()) -> list[str]:
    """The English messages on the page, leaving out the texts that are records' data as entered (`data`:
    a charge's words, a note)."""
    whole, parts = _english_messages()
    parser = _Texts()
    parser.feed(page)
    found = set()
    for text in parser.texts:
        if any(text in entered for entered in data):
            continue
        if text.strip(" .:") in whole:
            found.add(text)
        found.update(part for part in parts if part in text)
    return sorted(found)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield " ".join(value.split())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _entered(client: TestClient, demo: Demo) -> frozenset[str]:
    """Every text of the demo's persons and records as entered, from the API's dossier (not its history,
    flags and figures: the code writes those, and the page must show them in Russian)."""
    found: set[str] = set()
    for person_id in demo.persons.values():
        dossier = client.get(f"/api/v1/persons/{person_id}/dossier", headers=demo.headers(Role.viewer))
        assert dossier.status_code == 200
        written = ("history", "flags", "states")
        found.update(_strings({k: v for k, v in dossier.json().items() if k not in written}))
    return frozenset(found)


def test_the_finder_finds_an_english_message() -> None:
    assert untranslated("<main><h1>Find a person</h1><p>Ivanov</p></main>") == ["Find a person"]
    assert untranslated('<a aria-label="Main">x</a>') == ["Main"]
    assert untranslated("<p>Найти человека</p>") == []
    assert untranslated("<li>terrorism</li>", data=frozenset({"terrorism"})) == []  # a charge as entered


def _due_challenge(client: TestClient, demo: Demo) -> None:
    editor = demo.headers(Role.editor)
    created = make_challenge(client, editor, demo.persons["Umarali Kuvvatov"], reference="CCF/RU")
    admissible = date.today() - timedelta(days=400)
    for type_, on in (("filed", admissible - timedelta(days=30)), ("admissible", admissible)):
        answer = client.post(
            f"/api/v1/challenges/{created['id']}/events",
            json={"type": type_, "on": on.isoformat()},
            headers=editor,
        )
        assert answer.status_code == 200, answer.text


def _walk(client: TestClient, demo: Demo) -> Iterator[tuple[str, str]]:
    """(address, page) for every page a signed-in editor, an analyst and a stranger can reach."""
    refused = client.post(
        "/ui/login", data={"token": "a3_wrong", "csrf": csrf_of(client.get("/ui/login").text)}
    )
    yield "/ui/login (refused)", refused.text
    for path in ("/ui/login", "/ui/login?m=signed_out", "/ui/login?m=ended", "/ui/nowhere"):
        yield path, client.get(path).text
    sign_in(client, demo.tokens[Role.editor])
    paths = [
        "/ui/",
        "/ui/?q=Кувватов",
        "/ui/?q=Nobody+Atall",
        "/ui/?q=" + "x" * 201,
        "/ui/states",
        "/ui/states/TJ",
        "/ui/states/KP",
        "/ui/challenges",
        "/ui/logout",
        "/ui/no-such-page",
        *(f"/ui/persons/{person_id}" for person_id in demo.persons.values()),
    ]
    for path in paths:
        yield path, client.get(path).text
    sign_in(client, demo.tokens[Role.admin])
    for path in ("/ui/users", "/ui/persons/new", f"/ui/persons/{demo.persons['Dolkun Isa']}/notices/new"):
        yield path, client.get(path).text
    sign_in(client, demo.tokens[Role.analyst])
    yield "/ui/persons/… (analyst: forbidden)", client.get(f"/ui/persons/{demo.persons['Dolkun Isa']}").text


@pytest.mark.parametrize("choice", ["accept-language", "switch"])
def test_no_page_shows_an_english_message_in_russian(ui_client: TestClient, demo: Demo, choice: str) -> None:
    _due_challenge(ui_client, demo)
    if choice == "accept-language":
        ui_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    else:
        assert ui_client.get("/ui/login?lang=ru").status_code == 200  # the switch's cookie is kept
    data = _entered(ui_client, demo)
    found = {}
    for path, page in _walk(ui_client, demo):
        assert '<html lang="ru">' in page, path
        if problems := untranslated(page, data=data):
            found[path] = problems
    assert found == {}
