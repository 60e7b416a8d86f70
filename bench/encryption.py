"""Field encryption: µs per encrypt/decrypt, write and read throughput with encryption on and off, and
the start-up time of the name index (which decrypts every name) at N persons.

    .venv/bin/python bench/encryption.py [--persons 100000] [--ops 2000]
"""

import argparse
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from app import migrate
from app.db import make_engine, unit_of_work
from app.keyring import FieldKeys, Keyring
from app.models.base import new_id, utcnow
from app.models.person import Person, PersonCreate
from app.models.token import Principal, Role
from app.services import flag_upkeep
from app.services import org as org_service
from app.services import person as person_service
from app.services.name_index import LiveNameIndex

GIVEN = [
    "Umarali",
    "Sulaimon",
    "Muhiddin",
    "Mukhtar",
    "Dilshod",
    "Farzin",
    "Zarina",
    "Behruz",
    "Rustam",
    "Gulnora",
]
FAMILY = [
    "Kuvvatov",
    "Davlatov",
    "Kabiri",
    "Ablyazov",
    "Namunov",
    "Misolova",
    "Sinovzoda",
    "Rahimov",
    "Karimova",
]


class PlainKeys(FieldKeys):
    """Encryption off, for comparison only: values pass through with the prefix the readers expect."""

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        return "a3e:1:" + plaintext

    def decrypt(self, stored: str, *, aad: str) -> str:
        return stored.split(":", 2)[2]


class PlainKeyring(Keyring):
    @property
    def fields(self) -> FieldKeys:  # type: ignore[override]
        return _PLAIN


_PLAIN = PlainKeys(b"x" * 32)


def name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def per_field_us(keys: FieldKeys, rounds: int = 100_000) -> tuple[float, float]:
    value = "Умаралӣ Қувватов (Quvvatov Umarali)"
    started = time.perf_counter()
    stored = ""
    for _ in range(rounds):
        stored = keys.encrypt(value, aad="person.name")
    encrypt_us = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(rounds):
        keys.decrypt(stored, aad="person.name")
    return encrypt_us, (time.perf_counter() - started) / rounds * 1e6


def throughput(keyring: Keyring, folder: Path, ops: int) -> tuple[float, float]:
    url = f"sqlite:///{folder / f'{type(keyring).__name__}.db'}"
    migrate.upgrade(url, keyring=keyring)
    engine = make_engine(url, writer=True, keyring=keyring)
    with unit_of_work(engine, keyring) as session:
        org = org_service.create(session, name="bench")
    by = Principal(token_id="bench", org_id=org.id, role=Role.admin)
    rng = random.Random(1)
    ids = []
    started = time.perf_counter()
    for _ in range(ops):
        with unit_of_work(engine, keyring) as session:
            data = PersonCreate(
                name=name(rng), aliases=[name(rng)], birth_date="1970", notes="a note", sources=["a source"]
            )
            ids.append(person_service.create(session, data=data, by=by).id)
    writes = ops / (time.perf_counter() - started)
    started = time.perf_counter()
    for person_id in ids:
        with unit_of_work(engine, keyring) as session:
            person_service.public(session, person_service.get(session, person_id, by=by))
    reads = ops / (time.perf_counter() - started)
    engine.dispose()
    return writes, reads


def index_start(keyring: Keyring, folder: Path, persons: int) -> tuple[float, float]:
    url = f"sqlite:///{folder / 'index.db'}"
    migrate.upgrade(url, keyring=keyring)
    engine = make_engine(url, writer=True, keyring=keyring)
    with unit_of_work(engine, keyring) as session:
        org = org_service.create(session, name="bench")
    rng = random.Random(2)
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "org_id": org.id,
            "name": name(rng),
            "aliases": [name(rng)],
            "birth_date": None,
            "sex": "unknown",
            "nationalities": ["TJ"],
            "categories": [],
            "affiliations": [],
            "notes": None,
            "sources": [],
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(persons)
    ]
    with unit_of_work(engine, keyring) as session:
        for start in range(0, persons, 10_000):
            session.connection().execute(insert(Person), rows[start : start + 10_000])
    reader = make_engine(url, writer=False, keyring=keyring)
    tracemalloc.start()
    started = time.perf_counter()
    with Session(reader) as session:
        LiveNameIndex().load(session)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    reader.dispose()
    return elapsed, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()
    flag_upkeep.install()  # as the app's entry points do: its units of work keep the derived tables
    keyring = Keyring(b"bench-secret-key-0123456789-abcdefghijklmnop")
    encrypt_us, decrypt_us = per_field_us(keyring.fields)
    print(f"one field (36 characters): encrypt {encrypt_us:.2f} µs, decrypt {decrypt_us:.2f} µs")
    with tempfile.TemporaryDirectory() as folder:
        on = throughput(keyring, Path(folder), args.ops)
        off = throughput(
            PlainKeyring(b"bench-secret-key-0123456789-abcdefghijklmnop"), Path(folder), args.ops
        )
        print(f"person writes/s: {on[0]:.0f} encrypted, {off[0]:.0f} plain ({on[0] / off[0]:.0%})")
        print(f"person reads/s:  {on[1]:.0f} encrypted, {off[1]:.0f} plain ({on[1] / off[1]:.0%})")
        seconds, peak_mib = index_start(keyring, Path(folder), args.persons)
        print(
            f"name index start-up at {args.persons:,} persons: {seconds:.1f} s (peak traced memory {peak_mib:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
