"""Screening an organisation of 100,000 persons against a FollowTheMoney dataset of 7,000 red notices.

Usage: .venv/bin/python bench/screening.py [--persons 100000] [--notices 7000] [--planted 200] [--seed 11]

Builds a fresh SQLite database under bench/out/ with the persons inserted directly (synthetic names from
bench/names.py, encrypted at rest as usual), writes an OpenSanctions-shaped FtM file of notices (a
Person and a Sanction per notice; `--planted` of them are persons of the organisation under another
spelling or order), then times what `POST /api/v1/screenings` does: parse the file with the
followthemoney model, then `screening.screen` (one pass of name-index look-ups, checks stored, audited)
in one unit of work. The name index is loaded first and timed apart: the server holds it from start-up.
Target: parse + screen under 60 s. Prints the load average first, and how many planted persons were hit.
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from benchlib import OUT, fresh_sqlite, machine_load
from names import person_name
from sqlmodel import delete

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.fuzzy_date import FuzzyDate
from app.models.interpol_check import InterpolCheck
from app.models.person import Person
from app.models.token import Principal, Role
from app.services import org as org_service
from app.services import screening
from app.services.name_index import LiveNameIndex

KEY = "bench-screening-secret-key-0123456789-abcdefghijklmnop"
BATCH = 5000


def birth(rng: random.Random) -> str:
    year = rng.randint(1950, 2002)
    roll = rng.random()
    if roll < 0.2:
        return str(year)
    if roll < 0.35:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def notice_lines(
    number: int, first: str, last: str, born: str, nationality: str, states: list[str]
) -> list[str]:
    entity_id = f"interpol-red-2020-{number:05d}"
    person = {
        "id": entity_id,
        "schema": "Person",
        "properties": {
            "name": [f"{first} {last}"],
            "firstName": [first],
            "lastName": [last],
            "birthDate": [born],
            "nationality": [nationality.lower()],
            "topics": ["crime"],
        },
        "datasets": ["interpol_red_notices"],
        "last_seen": "2026-12-03T06:14:51",
        "target": True,
    }
    lines = [json.dumps(person, ensure_ascii=False)]
    for i, state in enumerate(states):
        sanction = {
            "id": f"{entity_id}-w{i}",
            "schema": "Sanction",
            "properties": {"entity": [entity_id], "program": ["Red Notice"], "country": [state.lower()]},
            "datasets": ["interpol_red_notices"],
            "last_seen": "2026-12-03T06:14:51",
        }
        lines.append(json.dumps(sanction))
    return lines


SYLLABLES = [
    "ka",
    "lo",
    "ri",
    "men",
    "do",
    "sa",
    "tu",
    "ran",
    "be",
    "ni",
    "go",
    "mez",
    "al",
    "va",
    "ro",
    "lin",
    "che",
    "pa",
    "mu",
    "ho",
    "ze",
    "fer",
    "nan",
    "des",
    "ol",
    "wu",
    "ji",
    "ta",
    "ke",
    "by",
]
ELSEWHERE = ["MX", "CO", "BR", "AR", "NG", "GH", "ZA", "IN", "PK", "CN", "US", "FR", "IT", "ES", "PH", "SV"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()


def insert_persons(engine: Any, keyring: Keyring, org_id: str, count: int, rng: random.Random) -> None:
    table = Person.__table__  # type: ignore[attr-defined]
    for start in range(0, count, BATCH):
        rows = []
        for _ in range(min(BATCH, count - start)):
            name = person_name(rng)
            person = Person(
                org_id=org_id,
                name=name.name,
                aliases=name.aliases,
                birth_date=FuzzyDate(birth(rng)),
                nationalities=[name.nationality],
            )
            rows.append({c.name: getattr(person, c.name) for c in table.columns})
        with unit_of_work(engine, keyring) as session:  # Core: the columns' types still encrypt
            session.connection().execute(table.insert(), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--notices", type=int, default=7_000)
    parser.add_argument("--planted", type=int, default=200)
    parser.add_argument(
        "--namesakes",
        type=float,
        default=0.1,
        help="share of the other notices named from the persons' own name pools (namesakes); "
        "the rest get names from elsewhere",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="keep bench/out/screening.db if it is there")
    args = parser.parse_args()
    print(machine_load())
    rng = random.Random(args.seed)
    keyring = Keyring(KEY.encode())
    path = OUT / "screening.db"
    reuse = args.reuse and path.exists()
    url = f"sqlite:///{path.resolve()}" if reuse else fresh_sqlite(path, KEY)
    engine = make_engine(url, writer=True, keyring=keyring, pooled=False)
    with unit_of_work(engine, keyring) as session:
        if reuse:
            org_id = org_service.by_name(session, "bench").id
            session.exec(delete(InterpolCheck))  # no previous screening: each run the same work
        else:
            org_id = org_service.create(session, name="bench").id
    if not reuse:
        started = time.perf_counter()
        insert_persons(engine, keyring, org_id, args.persons, rng)
        print(
            f"inserted {args.persons:,} persons in {time.perf_counter() - started:.1f} s (setup, not timed)"
        )

    names = LiveNameIndex()
    with unit_of_work(engine, keyring) as session:
        started = time.perf_counter()
        loaded = names.load(session)
        load_s = time.perf_counter() - started
        table = Person.__table__  # type: ignore[attr-defined]
        columns = ("id", "name", "aliases", "birth_date", "nationalities")
        persons = [
            tuple(row) for row in session.connection().execute(sa.select(*(table.c[c] for c in columns)))
        ]
    print(f"name index loaded: {loaded:,} persons in {load_s:.1f} s (the server does this at start-up)")

    lines: list[str] = []
    planted = rng.sample(persons, min(args.planted, len(persons)))
    for number, (_, name, aliases, born, nationalities) in enumerate(planted):
        latin = next((n for n in (name, *aliases) if n.isascii()), name).split()
        first, last = latin[0].upper(), latin[-1].upper()
        if rng.random() < 0.5:  # another spelling: a doubled letter dropped, or y for i
            last = last.replace("SS", "S").replace("LL", "L").replace("I", "Y", 1)
        lines += notice_lines(number, first, last, born or "1970", nationalities[0], ["TJ"])
    for number in range(len(planted), args.notices):
        if rng.random() < args.namesakes:
            other = person_name(rng)
            parts = other.name.split() if other.name.isascii() else (other.aliases or ["X Y"])[0].split()
            first, last, nationality = parts[0].upper(), parts[-1].upper(), other.nationality
        else:
            first, last, nationality = word(rng), word(rng), rng.choice(ELSEWHERE)
        lines += notice_lines(number, first, last, birth(rng), nationality, [nationality])
    dataset_file = OUT / "screening.ftm.json"
    dataset_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = dataset_file.stat().st_size / 2**20
    print(
        f"dataset: {args.notices:,} notices ({len(planted)} planted, about {args.namesakes:.0%} of the rest "
        f"namesakes), {len(lines):,} entities, {size:.1f} MiB"
    )

    started = time.perf_counter()
    with dataset_file.open("rb") as handle:
        dataset = screening.parse(handle, fallback_name="bench")
    parse_s = time.perf_counter() - started
    by = Principal(token_id="bench", org_id=org_id, role=Role.editor)
    started = time.perf_counter()
    with unit_of_work(engine, keyring) as session:
        result = screening.screen(session, dataset, names=names, by=by)
    screen_s = time.perf_counter() - started
    engine.dispose()

    hit = {h.person_id for h in result.hits}
    found = sum(1 for person_id, *_ in planted if person_id in hit)
    total = parse_s + screen_s
    print(
        f"parse {parse_s:.1f} s + screen {screen_s:.1f} s = {total:.1f} s "
        f"({'under' if total < 60 else 'OVER'} the 60 s target); "
        f"{result.persons_screened:,} persons, {len(result.hits):,} hit, planted found {found}/{len(planted)}"
    )
    print(machine_load())


if __name__ == "__main__":
    main()
