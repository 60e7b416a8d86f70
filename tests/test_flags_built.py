"""The derived flag tables carry the version of the rules that built them: a digest of the rules' code,
so a changed rule rebuilds them at the next start with no version bumped by hand."""

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.flag import AppMeta, PersonFlag
from app.services import flag as flag_service
from tests.conftest import OrgTokens
from tests.factories import make_notice, make_person, make_protection


def test_the_version_is_a_digest_of_the_rules() -> None:
    assert flag_service.FLAGS_BUILT.startswith(flag_service.BUILT_PREFIX)
    assert flag_service.BUILT_PREFIX + flag_service._rules_version() == flag_service.FLAGS_BUILT
    assert len(flag_service.FLAGS_BUILT) == len(flag_service.BUILT_PREFIX) + 16


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
