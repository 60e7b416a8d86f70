"""Affiliations as keys: a keyed digest (blind index) of each normalised group name, for exact comparisons.

A group name is compared after the name normaliser: each word read in Latin letters (its usual
romanisation, so Cyrillic "Гурӯҳи" and Latin "Guruhi" meet), lower-cased, accents and punctuation
dropped, numbers kept. A parenthesised part names the same group another way (a translation, an acronym):
"Group 24 (Гурӯҳи 24)" has the keys of "Group 24" and of "Гурӯҳи 24", so it is one group with either.
"""

import functools
import re
from collections.abc import Iterable

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from app.keyring import keyring_of
from app.models.person import Person, PersonAffiliation
from app.services.transliteration import normalise_apostrophes, romanise

_PARENTHESISED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_WORDS = re.compile(r"\d+|[^\W\d_]+")


@functools.lru_cache(maxsize=65_536)
def normalised(name: str) -> str:
    """The name as the comparison sees it: Latin letters in lower case and digits, one space between words.

    Cached: a rebuild of the derived tables asks for every person's affiliations, a million of them at a
    million persons, spelled a few thousand ways (romanising each word again took a fifth of it)."""
    words = []
    for word in _WORDS.findall(normalise_apostrophes(name).replace("'", "")):
        if word.isdigit():
            words.append(str(int(word)) if word.isascii() else word)
            continue
        readings = romanise(word)
        words.append(readings[0] if readings else word.casefold())
    return " ".join(words)


def alternatives(name: str) -> list[str]:
    """The names one affiliation goes by: the name outside parentheses, then each parenthesised part."""
    inside = [part for part in _PARENTHESISED.findall(name) if part.strip()]
    outside = _PARENTHESISED.sub(" ", name)
    found = [normalised(text) for text in (outside, *inside)]
    return [text for text in dict.fromkeys(found) if text]


def affiliation_key(session: Session, name: str) -> str:
    """The key of the affiliation's main name (outside parentheses): how the indicators name the group."""
    keys = affiliation_keys(session, name)
    return keys[0] if keys else _key(session, " ".join(name.casefold().split()))


def affiliation_keys(session: Session, name: str) -> list[str]:
    """Every key the affiliation matches under: its main name and each parenthesised alternative."""
    return [_key(session, text) for text in alternatives(name)]


def keys_of(session: Session, names: Iterable[str]) -> list[str]:
    """The keys of a person's affiliations, each once, in a stable order."""
    return sorted({key for name in names for key in affiliation_keys(session, name)})


def _key(session: Session, text: str) -> str:
    return keyring_of(session).blind_index("affiliation:" + text)


def rekey_all(session: Session) -> None:
    """Write every person's affiliation keys again under the rules above (when the rules change)."""
    session.exec(delete(PersonAffiliation))
    rows = [
        {"person_id": person_id, "key": key, "org_id": org_id}
        for person_id, org_id, names in session.exec(select(Person.id, Person.org_id, Person.affiliations))
        for key in keys_of(session, names)
    ]
    for start in range(0, len(rows), 1000):
        session.exec(insert(PersonAffiliation).values(rows[start : start + 1000]))
