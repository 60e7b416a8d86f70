"""The derived flag tables carry the version of the rules that built them: a digest of the rules' code,
so a changed rule rebuilds them at the next start with no version bumped by hand."""

from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col, select

import app
from app.db import unit_of_work
from app.keyring import Keyring
from app.models.flag import AppMeta, PersonFlag
from app.services import flag as flag_service
from app.services import flag_upkeep
from tests.conftest import OrgTokens
from tests.factories import make_notice, make_person, make_protection


def test_the_version_is_a_digest_of_the_rules() -> None:
    assert flag_service.FLAGS_BUILT.startswith(flag_service.BUILT_PREFIX)
    assert flag_service.BUILT_PREFIX + flag_service._rules_version() == flag_service.FLAGS_BUILT
    assert len(flag_service.FLAGS_BUILT) == len(flag_service.BUILT_PREFIX) + 16


def test_the_digest_covers_the_rules_their_loading_and_their_upkeep() -> None:
    services = Path(app.__file__).parent / "services"
    covered = {p.resolve() for p in flag_upkeep.RULES_SOURCES}
    wanted = {services / f"{m}.py" for m in ("flag_rules", "flag_records", "flag_upkeep", "records")}
    assert {p.resolve() for p in wanted} <= covered
    assert (Path(app.__file__).parent / "models" / "flag.py").resolve() in covered  # the codes stored
    assert all(p.is_file() for p in covered)


def test_a_changed_rule_gives_another_version(tmp_path: Path) -> None:
    copies = []
    for number, source in enumerate(flag_upkeep.RULES_SOURCES):
        copy = tmp_path / f"{number}_{source.name}"
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    assert flag_upkeep._digest(copies) == flag_upkeep._rules_version()
    rules = copies[[s.name for s in flag_upkeep.RULES_SOURCES].index("flag_rules.py")]
    text = rules.read_text(encoding="utf-8")
    assert "TRAVEL_WINDOW_DAYS = 60" in text
    rules.write_text(text.replace("TRAVEL_WINDOW_DAYS = 60", "TRAVEL_WINDOW_DAYS = 61"), encoding="utf-8")
    assert flag_upkeep._digest(copies) != flag_upkeep._rules_version()


def test_tables_built_by_other_rules_are_rebuilt(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    make_protection(client, org_a.editor, pid, kind="refugee_status", against_state="TJ", since="2014")
    make_notice(client, org_a.editor, pid, requested_on="2016")
    with unit_of_work(db, keyring) as session:  # as a database built by an older version of the rules
        session.exec(sa.delete(PersonFlag))
        session.exec(sa.delete(AppMeta).where(col(AppMeta.key) == flag_service.FLAGS_BUILT))
        session.add(AppMeta(key=flag_service.BUILT_PREFIX + "0" * 16, value="1"))
    with unit_of_work(db, keyring) as session:
        flag_service.ensure_built(session)
    with unit_of_work(db, keyring) as session:
        codes = set(session.exec(select(PersonFlag.code).where(PersonFlag.person_id == pid)))
        built = set(session.exec(select(AppMeta.key).where(col(AppMeta.key).startswith("flags_built_"))))
    assert "refugee_protection" in codes
    assert built == {flag_service.FLAGS_BUILT}
