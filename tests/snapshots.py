"""The reviewed snapshot of every demo person's indicators and dossier, in every language.

Loads the demo cases (`app/data/demo_cases.json`, as `make demo` does) into a fresh SQLite database and
writes, for each demo person and each language, the flags (code, severity, state, explanation, the kinds
of their evidence) and the Markdown dossier to `tests/data/snapshots/<lang>/<person>.md`. What changes
from one run to the next is normalised: the organisation, the date of preparation, the audit sequence
and the SHA-256 (ids never appear: the dossier cites exhibits).

`tests/test_snapshots.py` compares the current output with the committed files, so any change to the
wording shows in review. After a deliberate change, regenerate and review the diff:

    .venv/bin/python -m tests.snapshots --update
"""

import argparse
import re
import sys
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

from sqlmodel import select

import app
from app import migrate
from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.language import LANGUAGES, prose
from app.models.demo_case import DemoCase
from app.models.dossier import Provenance
from app.models.person import Person
from app.models.token import Principal, Role
from app.services import demo as demo_service
from app.services import dossier as dossier_service
from app.services import filing, filing_markdown, flag_upkeep
from app.services import flag as flag_service

SNAPSHOTS = Path(app.__file__).resolve().parent.parent / "tests" / "data" / "snapshots"
UPDATE_COMMAND = ".venv/bin/python -m tests.snapshots --update"
SECRET = b"snapshot-secret-for-article3-demo-cases-only-0123456789"
MIN_PERSONS = 3  # the default `ARTICLE3_PATTERN_MIN_PERSONS`
# The volatile parts of a dossier, as they stand in the header.
FIXED = Provenance(
    prepared_by="(organisation)", prepared_on=date(2000, 1, 1), audit_seq=0, sha256="(sha-256)"
)


def slug(name: str) -> str:
    """`Umarali Kuvvatov` -> `umarali-kuvvatov` (ASCII letters and digits only)."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("ı", "i")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "person"


def render_all() -> dict[str, str]:
    """`<lang>/<person>.md` -> its text, for every demo person and every language."""
    flag_upkeep.install()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'snapshot.db'}"
        keyring = Keyring(SECRET)
        migrate.upgrade(url, keyring=keyring)
        engine = make_engine(url, writer=True, pooled=False)
        try:
            with unit_of_work(engine, keyring) as session:
                _, org = demo_service.load(session)
            with unit_of_work(engine, keyring) as session:
                by = Principal(token_id="snapshot", org_id=org.id, role=Role.admin)
                persons = [
                    session.get_one(Person, case.person_id)
                    for case in session.exec(select(DemoCase).where(DemoCase.org_id == org.id))
                ]
                out: dict[str, str] = {}
                for person in sorted(persons, key=lambda p: slug(p.name)):
                    for lang in LANGUAGES:
                        out[f"{lang}/{slug(person.name)}.md"] = _person(session, person, by, lang)
                return out
        finally:
            engine.dispose()


def _person(session: object, person: Person, by: Principal, lang: str) -> str:
    words = prose(lang)
    flags = flag_service.for_person(session, person, words)  # type: ignore[arg-type]
    lines = [f"<!-- {lang}: flags, then the Markdown dossier; regenerate with {UPDATE_COMMAND} -->", ""]
    lines += ["## flags", ""]
    for f in flags:
        evidence = ", ".join(sorted({e.kind for e in f.evidence}))
        lines += [f"- `{f.code.value}` ({f.severity.value}, {f.requesting_state}; evidence: {evidence})", ""]
        lines += [f"  {f.explanation}", ""]
    if not flags:
        lines += ["(none)", ""]
    dossier = dossier_service.build(session, person, by=by, min_persons=MIN_PERSONS, prose=words)  # type: ignore[arg-type]
    markdown = filing_markdown.render(filing.build(dossier, FIXED, prose=words))
    return "\n".join(lines) + "## dossier\n\n" + markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--update", action="store_true", help="write the snapshot files (else: compare)")
    args = parser.parse_args(argv)
    current = render_all()
    if args.update:
        for old in SNAPSHOTS.glob("*/*.md"):
            if old.relative_to(SNAPSHOTS).as_posix() not in current:
                old.unlink()
        for name, text in current.items():
            path = SNAPSHOTS / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {len(current)} files under tests/data/snapshots\n")
        return 0
    stale = [name for name, text in current.items() if _committed(name) != text]
    sys.stdout.writelines(f"differs: tests/data/snapshots/{name}\n" for name in stale)
    if stale:
        sys.stdout.write(f"review, then run {UPDATE_COMMAND}\n")
    return 1 if stale else 0


def _committed(name: str) -> str | None:
    path = SNAPSHOTS / name
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
