"""The name index's start-up load (issue 19, ten times the data): it reads the person columns as stored
and decrypts them itself, faster than through the columns' types. What it indexes must be exactly
what the types read, whatever key a value is under (a rotation half-way, plaintext from before
encryption), and every search must answer as an index built person by person does."""

import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import make_engine, reading, unit_of_work
from app.keyring import Keyring
from app.models.fuzzy_date import FuzzyDate
from app.models.person import Person
from app.services.matching import Candidate, Match, NameIndex
from app.services.name_index import LiveNameIndex
from tests.conftest import make_org

NAMES = [
    ("Farrukh Namunov", [], "1980-04-02", ["TJ"]),
    ("Фаррух Намунов", ["Farrukh Namunov", "F. Namunov"], "1980", ["TJ", "RU"]),
    ("Kuvvatova Dilnoza Karimovna", ["Qurbonzoda Dilnoza"], None, []),
    ("Khalid bin Saleh al-Harbi", ["خالد الحربي"], "1975-11", ["SA"]),
    ("Abuduwaili Aisha", [], None, ["CN"]),
    ("Umarali Rahimov", ["Umar Ali Rahimzoda"], "1990", ["UZ", "TJ"]),
    ("Ivanova (Petrova) Anna", [], None, ["RU"]),
    ("Rahmonov Bobojon", [], "1969-01-01", ["TJ"]),
]
QUERIES = [
    "Farrukh Namunov",
    "Намунов Фаррух",
    "Dilnoza Kuvvatov",
    "Khalid Salih al-Harbi",
    "Abduweli Aysha",
    "Umar Ali Rahimov",
    "Anna Petrova",
    "Rakhmonov",
    "Nobody Atall",
]


def _fill(database_url: str, keyring: Keyring) -> tuple[str, str, list[str]]:
    """Two organisations' persons; one person's name left as plaintext (a row from before encryption),
    another's values re-sealed under key id 2 (a rotation half-way)."""
    first, second = make_org(database_url, keyring, "Org A"), make_org(database_url, keyring, "Org B")
    engine = make_engine(database_url, writer=True, pooled=False)
    ids = []
    with unit_of_work(engine, keyring) as session:
        for i, (name, aliases, born, nationalities) in enumerate(NAMES * 2):
            person = Person(
                org_id=first.id if i < len(NAMES) else second.id,
                name=name,
                aliases=aliases,
                birth_date=FuzzyDate(born) if born else None,
                nationalities=nationalities,
            )
            session.add(person)
            session.flush()
            ids.append(person.id)
    table = Person.__table__  # type: ignore[attr-defined]
    keys = keyring.fields
    with engine.begin() as conn:
        conn.execute(
            sa.update(table).where(table.c.id == ids[0]).values(name=sa.literal("Farrukh Namunov", sa.Text))
        )
        conn.execute(
            sa.update(table)
            .where(table.c.id == ids[1])
            .values(
                name=sa.literal(keys.encrypt("Фаррух Намунов", aad="person.name", kid=2), sa.Text),
                aliases=sa.literal(
                    keys.encrypt('["Farrukh Namunov","F. Namunov"]', aad="person.aliases", kid=2), sa.Text
                ),
                birth_date=sa.literal(keys.encrypt("1980", aad="person.birth_date", kid=2), sa.Text),
            )
        )
    engine.dispose()
    return first.id, second.id, ids


def _one_by_one(database_url: str, keyring: Keyring) -> NameIndex:
    """The index as the person-by-person path builds it: ORM rows through the columns' types."""
    index = NameIndex()
    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with Session(engine, info={"keyring": keyring}) as session:
        for person in session.exec(select(Person)):
            index.upsert(
                Candidate(
                    person_id=person.id,
                    org_id=person.org_id,
                    names=(person.name, *person.aliases),
                    birth_date=person.birth_date,
                    nationalities=tuple(person.nationalities),
                )
            )
    engine.dispose()
    return index


def _loaded(database_url: str, keyring: Keyring) -> LiveNameIndex:
    live = LiveNameIndex()
    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        assert live.load(session) == len(NAMES) * 2
    engine.dispose()
    return live


def _candidates(index: NameIndex) -> dict[str, Candidate]:
    return {pid: entry.candidate for shard in index._shards.values() for pid, entry in shard.entries.items()}


def _search(index: NameIndex, org_id: str) -> list[list[Match]]:
    return [
        index.search(org_id, query, birth_date=born, nationality=nationality, threshold=threshold)
        for query in QUERIES
        for born, nationality in ((None, None), ("1980", "TJ"))
        for threshold in (0.0, 0.5)
    ]


def test_the_load_indexes_what_the_columns_read(database_url: str, keyring: Keyring) -> None:
    _fill(database_url, keyring)
    expected = _candidates(_one_by_one(database_url, keyring))
    live = _loaded(database_url, keyring)
    assert _candidates(live.index) == expected
    assert live.names == {pid: candidate.names[0] for pid, candidate in expected.items()}
    assert live.nationalities == {pid: candidate.nationalities for pid, candidate in expected.items()}


def test_searches_answer_as_an_index_built_person_by_person(database_url: str, keyring: Keyring) -> None:
    first, second, _ = _fill(database_url, keyring)
    expected = _one_by_one(database_url, keyring)
    live = _loaded(database_url, keyring)
    for org_id in (first, second):
        found = _search(live.index, org_id)
        assert found == _search(expected, org_id)
        assert any(found), "the queries find someone"


def test_posting_keys_shared_by_parts_are_the_same_sets(database_url: str, keyring: Keyring) -> None:
    """The posting lists the load builds (keys worked out once per name part) are those the person-by-person
    path builds, and removing every person leaves none behind."""
    _, _, ids = _fill(database_url, keyring)
    expected = _one_by_one(database_url, keyring)
    live = _loaded(database_url, keyring)
    for org_id, shard in live.index._shards.items():
        other = expected._shards[org_id]
        assert shard.skeleton_postings == other.skeleton_postings
        assert shard.other_postings == other.other_postings
    for person_id in ids:
        live.index.remove(person_id)
    assert all(
        not shard.entries and not shard.skeleton_postings and not shard.other_postings
        for shard in live.index._shards.values()
    )
