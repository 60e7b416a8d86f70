"""Export and import rates, in records per second, for one sizeable organisation.

Usage:
    .venv/bin/python bench/export_import.py [--persons 25000] [--records 250000] [--workdir bench/out/transfer]
        [--target-url postgresql+psycopg://…/empty_db] [--reuse]

Fills a fresh SQLite database with bench/synth.py's generator; its organisation `bench` holds about 40 %
of it (with the defaults about 10,000 persons and 100,000 records about them). Exports `bench` with
`article3 export`'s function, imports the file into an empty database (a new SQLite file, or the empty
PostgreSQL database of `--target-url`) with `article3 import`'s function, and exports again to check
that the two files are identical. Rates count the lines of the file (persons and records alike); the
import's time is split into its phases. Results are printed and written to <workdir>/export_import.json.
"""

import argparse
import json
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
import synth  # noqa: E402

from app import db, migrate  # noqa: E402
from app.db import make_engine, unit_of_work  # noqa: E402
from app.keyring import Keyring  # noqa: E402
from app.services import flag_upkeep, transfer  # noqa: E402
from app.services import org as org_service  # noqa: E402


def fill(url: str, key: str, *, persons: int, records: int) -> "synth.Filled":
    """`synth.fill`, its bulk engine given the keys that encrypted columns need (synth.py predates them)."""
    keyring = Keyring(key.encode())
    original = synth.bulk_engine

    def keyed(target: str) -> sa.Engine:
        return db._with_keys(original(target), keyring)  # as make_engine(keyring=…) does

    setattr(synth, "bulk_engine", keyed)  # noqa: B010 - swapped for this call only
    try:
        return synth.fill(url, key, persons=persons, records=records, progress=print)
    finally:
        setattr(synth, "bulk_engine", original)  # noqa: B010


def export(url: str, keyring: Keyring, path: Path) -> tuple[dict[str, int], float]:
    path.unlink(missing_ok=True)
    engine = make_engine(url, writer=False, keyring=keyring, pooled=False)
    started = time.perf_counter()
    with unit_of_work(engine, keyring) as session:
        counts = transfer.export_file(session, org_id=org_service.by_name(session, "bench").id, path=path)
    took = time.perf_counter() - started
    engine.dispose()
    return counts, took


class Phases:
    """Each phase's time, from the import's progress reports: a phase ends at its last report."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.ends: dict[str, float] = {}

    def __call__(self, what: str, _done: int, _total: int) -> None:
        self.ends[what] = time.perf_counter()

    def split(self, ended: float) -> dict[str, float]:
        bounds = [self.started, *self.ends.values(), ended]
        names = [*self.ends, "final audit entry and commit"]
        return {name: round(bounds[i + 1] - bounds[i], 2) for i, name in enumerate(names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=25_000)
    parser.add_argument("--records", type=int, default=250_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "transfer")
    parser.add_argument("--target-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--reuse", action="store_true", help="keep the source database of an earlier run")
    args = parser.parse_args()
    flag_upkeep.install()  # as the app's entry points do: its units of work keep the derived tables

    work: Path = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source.db"
    key_file = work / "source.db.key"
    source_url = f"sqlite:///{source}"
    if not (args.reuse and source.exists() and key_file.exists()):
        for old in work.iterdir():
            old.unlink()
        synth.write_private(key_file, secrets.token_urlsafe(48))
        started = time.perf_counter()
        filled = fill(source_url, key_file.read_text().strip(), persons=args.persons, records=args.records)
        took = time.perf_counter() - started
        print(f"filled {filled.counts['person']:,} persons and {filled.records:,} records in {took:.1f} s")
    keyring = Keyring(key_file.read_text().strip().encode())

    exported = work / "bench.jsonl"
    counts, export_s = export(source_url, keyring, exported)
    lines = sum(counts.values())
    print(
        f"export: {lines:,} records ({counts['person']:,} persons) in {export_s:.1f} s = {lines / export_s:,.0f}/s"
    )

    if args.target_url:
        target_url = args.target_url
    else:
        target = work / "target.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        target_url = f"sqlite:///{target}"
    target_keyring = Keyring(secrets.token_bytes(32))  # another server, another key
    migrate.upgrade(target_url, keyring=target_keyring)
    engine = make_engine(target_url, writer=True, keyring=target_keyring, pooled=False)
    with unit_of_work(engine, target_keyring) as session:
        org_service.create(session, name="bench")
    phases = Phases()
    with unit_of_work(engine, target_keyring) as session, exported.open(encoding="utf-8") as file:
        report = transfer.import_org(
            session, org_id=org_service.by_name(session, "bench").id, lines=file, progress=phases
        )
    import_s = time.perf_counter() - phases.started  # commit included
    engine.dispose()
    split = phases.split(time.perf_counter())
    print(f"import: {lines:,} records in {import_s:.1f} s = {lines / import_s:,.0f}/s; phases (s): {split}")
    assert sum(report.counts.values()) == lines

    again = work / "bench-again.jsonl"
    export(target_url, target_keyring, again)
    identical = again.read_bytes() == exported.read_bytes()
    print(f"export → import → export identical: {identical}")

    result = {
        "target": "postgresql" if args.target_url else "sqlite",
        "persons": counts["person"],
        "records": lines,
        "file_mib": round(exported.stat().st_size / 2**20, 1),
        "export_s": round(export_s, 2),
        "export_records_per_s": round(lines / export_s),
        "import_s": round(import_s, 2),
        "import_records_per_s": round(lines / import_s),
        "import_phases_s": split,
        "identical": identical,
    }
    (work / "export_import.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    if not identical:
        sys.exit("the second export differs from the first")


if __name__ == "__main__":
    main()
