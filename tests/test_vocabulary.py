"""One vocabulary: every code the API speaks has its words, in every language, and prose uses them."""

import inspect
import pkgutil
from enum import Enum
from importlib import import_module
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import app.models
from app import vocabulary
from tests.conftest import OrgTokens
from tests.factories import make_notice, make_person

LOCALE = Path(app.__file__).resolve().parent / "locale"


def _enums() -> set[type[Enum]]:
    found: set[type[Enum]] = set()
    for info in pkgutil.iter_modules(app.models.__path__):
        module = import_module(f"app.models.{info.name}")
        found |= {
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Enum) and obj.__module__ == module.__name__
        }
    return found


def test_every_enum_has_a_group() -> None:
    assert _enums() - set(vocabulary.ENUMS.values()) == set()


def test_every_enum_value_has_words_in_english_and_russian() -> None:
    with (LOCALE / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        russian = {m.id: m.string for m in read_po(po, locale="ru") if m.id}
    missing: list[str] = []
    for group, enum in vocabulary.ENUMS.items():
        for member in enum:
            english = vocabulary.GROUPS[group].get(str(member.value))
            if not english:
                missing.append(f"{group}.{member.value}: no English words")
            elif not russian.get(english):
                missing.append(f"{group}.{member.value}: no Russian words for {english!r}")
    assert missing == []


def test_a_channel_reads_the_same_in_the_history_and_the_flags(client: TestClient, org_a: OrgTokens) -> None:
    pid = make_person(client, org_a.editor)["id"]
    make_notice(client, org_a.editor, pid, channel="cis_wanted_list", requested_on="2019-02")
    history = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    assert [e["summary"] for e in history] == ["Tajikistan requested a CIS wanted-list entry"]
    assert "cis wanted list" not in " ".join(e["summary"] for e in history).lower()
