"""Affiliations that match (issue 16, item 4): names compared after the name normaliser (script, case,
punctuation), a parenthesised part an alias of the same group; `group_targeting` and the blind index follow."""

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import unit_of_work
from app.keyring import Keyring
from app.services import flag as flag_service
from app.services.affiliation import alternatives
from tests.conftest import OrgTokens
from tests.factories import make_notice, make_person

Headers = dict[str, str]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Group 24", ["group 24"]),
        ("  group-24 ", ["group 24"]),
        ("Group 24 (Гурӯҳи 24)", ["group 24", "guruhi 24"]),
        ("Гурӯҳи 24", ["guruhi 24"]),
        ("GURUHI 024", ["guruhi 24"]),
        (
            "Islamic Renaissance Party of Tajikistan (IRPT)",
            ["islamic renaissance party of tajikistan", "irpt"],
        ),
        ("O‘zbekiston", ["ozbekiston"]),
    ],
)
def test_names_an_affiliation_goes_by(name: str, expected: list[str]) -> None:
    assert alternatives(name) == expected


def _member(client: TestClient, headers: Headers, name: str, group: str, requested_on: str) -> str:
    pid = str(make_person(client, headers, name=name, affiliations=[group])["id"])
    make_notice(client, headers, pid, requesting_state="TJ", requested_on=requested_on)
    return pid


def _codes(client: TestClient, headers: Headers, pid: str) -> set[tuple[str, str]]:
    items = client.get(f"/api/v1/persons/{pid}/flags", headers=headers).json()["items"]
    return {(f["code"], f["requesting_state"]) for f in items}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("Group 24 (Гурӯҳи 24)", "group-24", "GROUP 24"), True),  # the main name, punctuated and cased
        (("Group 24 (Гурӯҳи 24)", "Гурӯҳи 24", "guruhi-24"), True),  # the alias, in either script
        (("Group 24", "Гурӯҳи 24", "Group 24 (Гурӯҳи 24)"), False),  # no name shared by all three
        (("Group 24", "Group 25", "Group 24 (Group 25)"), False),
    ],
)
def test_one_group_under_its_names(
    client: TestClient, org_a: OrgTokens, names: tuple[str, str, str], expected: bool
) -> None:
    first = _member(client, org_a.editor, "A", names[0], "2015-01")
    _member(client, org_a.editor, "B", names[1], "2015-02")
    assert ("group_targeting", "TJ") not in _codes(client, org_a.viewer, first)
    _member(client, org_a.editor, "C", names[2], "2015-03")
    assert (("group_targeting", "TJ") in _codes(client, org_a.viewer, first)) is expected


def test_the_blind_index_holds_a_key_per_name(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    pid = make_person(client, org_a.editor, affiliations=["Group 24 (Гурӯҳи 24)", "GROUP 24"])["id"]
    with db.connect() as connection:
        keys = {
            k
            for (k,) in connection.execute(
                sa.text("SELECT key FROM person_affiliation WHERE person_id = :p"), {"p": pid}
            )
        }
    assert keys == {keyring.blind_index("affiliation:group 24"), keyring.blind_index("affiliation:guruhi 24")}
    assert not any("guruhi" in k or "group" in k for k in keys)


def test_a_rebuild_writes_the_keys_again(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    """Keys written under earlier rules (the whole name case-folded) are replaced when the tables are rebuilt."""
    pid = make_person(client, org_a.editor, affiliations=["Group-24 (Гурӯҳи 24)"])["id"]
    stale = keyring.blind_index("affiliation:group-24 (гурӯҳи 24)")
    with db.begin() as connection:
        connection.execute(sa.text("DELETE FROM person_affiliation"))
        connection.execute(
            sa.text("INSERT INTO person_affiliation (person_id, key, org_id) VALUES (:p, :k, :o)"),
            {"p": pid, "k": stale, "o": org_a.id},
        )
    with unit_of_work(db, keyring) as session:
        flag_service.rebuild(session)
    with db.connect() as connection:
        keys = {k for (k,) in connection.execute(sa.text("SELECT key FROM person_affiliation"))}
    assert keys == {keyring.blind_index("affiliation:group 24"), keyring.blind_index("affiliation:guruhi 24")}
