"""Check, on the synthetic database, that flags computed one person at a time agree with the derived tables.

Usage:
    .venv/bin/python bench/flags_agree.py bench/out/synth.db [--persons 3000] [--seed 7] [--secret-key KEY]

`GET /persons/{id}/flags` computes one person's indicators and reads only the group notices near the
person's own (`app.services.flag.group_notices(near=...)`); the derived `person_flag` table is built by
`flag.rebuild` from every notice of every group. For `--persons` persons drawn at random (fixed seed)
among those with an affiliation, this compares the two sets of (code, state) and prints every
difference. Not a speed benchmark: a check at a scale the test suite does not reach.
"""

import argparse
import random
from collections import defaultdict

import sqlalchemy as sa
from benchlib import database_url, secret_key
from sqlmodel import Session

from app.db import make_engine
from app.keyring import Keyring
from app.models.person import Person
from app.services import flag as flag_service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default="bench/out/synth.db", help="SQLite path or URL")
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--secret-key", default=None)
    args = parser.parse_args()

    url = database_url(args.database)
    keyring = Keyring(secret_key(url, args.secret_key).encode())
    engine = make_engine(url, writer=False, keyring=keyring, pooled=False)
    with engine.connect() as conn:
        affiliated = sorted(
            conn.execute(sa.text("SELECT DISTINCT person_id FROM person_affiliation")).scalars()
        )
        stored: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for person_id, state, code in conn.execute(sa.text("SELECT person_id, state, code FROM person_flag")):
            stored[person_id].add((code, state))
    sample = random.Random(args.seed).sample(affiliated, min(args.persons, len(affiliated)))

    differ = 0
    group_flags = 0
    for person_id in sample:
        with Session(engine, info={"keyring": keyring}) as session:
            person = session.get(Person, person_id)
            assert person is not None
            computed = {(f.code.value, f.requesting_state) for f in flag_service.for_person(session, person)}
        group_flags += sum(code == "group_targeting" for code, _ in computed)
        if computed != stored[person_id]:
            differ += 1
            print(
                f"{person_id}: only computed {computed - stored[person_id]}, only stored {stored[person_id] - computed}"
            )
    engine.dispose()
    print(f"persons      {len(sample)} with an affiliation, of {len(affiliated):,}")
    print(f"flags        {group_flags} group_targeting among them")
    print(f"differences  {differ}")
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
