"""The audit trail: an entry per write and per read of a person's data, hash-chained, append-only."""

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.token import Role
from app.services.pagination import encode_cursor
from tests.conftest import OrgTokens
from tests.factories import make_person, make_protection


def _actions(client: TestClient, org: OrgTokens) -> list[str]:
    return [e["action"] for e in client.get("/api/v1/audit?limit=200", headers=org.admin).json()["items"]]


def test_writes_and_reads_are_recorded_without_personal_data(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, name="Secretname Canary", notes="very private")
    make_protection(client, org_a.editor, person["id"])
    client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer)
    client.get("/api/v1/persons?q=Secretname", headers=org_a.viewer)
    entries = client.get("/api/v1/audit", headers=org_a.admin).json()["items"]
    actions = [e["action"] for e in entries]
    assert actions[:4] == ["person.searched", "person.read", "protection.created", "person.created"]
    read = entries[1]
    assert read["actor"] == org_a.token_ids[Role.viewer]
    assert read["object"] == {"kind": "person", "id": person["id"]}
    assert read["at"].endswith("Z")
    text = str(entries)
    assert "Secretname" not in text
    assert "private" not in text


def test_audit_is_per_organisation_and_admin_only(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    make_person(client, org_b.editor)
    assert "person.created" not in _actions(client, org_a)
    assert client.get("/api/v1/audit", headers=org_a.editor).status_code == 403
    verified = client.get("/api/v1/audit/verify", headers=org_a.admin).json()
    assert verified["ok"] is True
    assert set(verified) == {"ok", "entries"}


def test_a_cursor_past_every_entry_number_lists_from_the_newest(client: TestClient, org_a: OrgTokens) -> None:
    """A position beyond an INTEGER (a cursor decodes up to 2**63 - 1) is no 500 on PostgreSQL: every entry's
    number is below it, so the list starts at the newest entry."""
    make_person(client, org_a.editor)
    newest = client.get("/api/v1/audit", params={"limit": 1}, headers=org_a.admin).json()["items"]
    for before in (2**31, 2**40, 2**63 - 1):
        response = client.get(
            "/api/v1/audit", params={"limit": 1, "cursor": encode_cursor(before)}, headers=org_a.admin
        )
        assert response.status_code == 200, response.text
        assert response.json()["items"] == newest


def test_failed_writes_leave_no_entry(client: TestClient, org_a: OrgTokens) -> None:
    before = _actions(client, org_a)
    client.post("/api/v1/persons", json={"name": ""}, headers=org_a.editor)
    client.patch(
        f"/api/v1/persons/{'0' * 36}", json={"notes": "x"}, headers={**org_a.editor, "If-Match": '"1"'}
    )
    assert _actions(client, org_a) == before


def test_the_database_refuses_update_and_delete(client: TestClient, org_a: OrgTokens, db: sa.Engine) -> None:
    make_person(client, org_a.editor)
    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(sa.exc.DatabaseError), db.begin() as conn:
            conn.execute(sa.text(statement))


def _tamper_sqlite(database_url: str, statements: list[str]) -> None:
    """An attacker with the database file: drop the triggers, then edit."""
    conn = sqlite3.connect(Path(database_url.removeprefix("sqlite:///")))
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("DROP TRIGGER audit_entry_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("statements", "first_bad"),
    [
        (["UPDATE audit_entry SET action = 'person.listed' WHERE seq = 12"], 12),
        (["UPDATE audit_entry SET object_id = 'someone-else' WHERE seq = 13"], 13),
        (["DELETE FROM audit_entry WHERE seq = 11"], 11),
        (["DELETE FROM audit_entry WHERE seq >= 14"], 14),
        (["UPDATE audit_entry SET at = '2020-01-01 00:00:00.000000' WHERE seq = 15"], 15),
    ],
)
def test_verification_names_the_first_tampered_entry(
    client: TestClient, org_a: OrgTokens, database_url: str, statements: list[str], first_bad: int
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("edits the SQLite file directly")
    person = make_person(client, org_a.editor)  # entries 1-5: org and tokens; 6: person; 7-16: reads
    for _ in range(10):
        client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer)
    assert client.get("/api/v1/audit/verify", headers=org_a.admin).json()["ok"] is True
    _tamper_sqlite(database_url, statements)
    assert client.get("/api/v1/audit/verify", headers=org_a.admin).json() == {
        "ok": False,
        "first_bad_seq": first_bad,
    }


def test_verification_catches_a_tampered_entry_on_any_database(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    person = make_person(client, org_a.editor)
    client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer)
    with db.begin() as conn:
        if db.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_entry_no_update"))
        last = conn.execute(sa.text("SELECT max(seq) FROM audit_entry")).scalar_one()
        conn.execute(sa.text("UPDATE audit_entry SET actor = 'forged' WHERE seq = :s"), {"s": last})
    assert client.get("/api/v1/audit/verify", headers=org_a.admin).json() == {
        "ok": False,
        "first_bad_seq": last,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    position=st.integers(min_value=0, max_value=40),
    field=st.sampled_from(["actor", "action", "object_id", "org_id"]),
)
def test_any_single_edit_is_caught_at_its_entry(position: int, field: str) -> None:
    from datetime import UTC, datetime

    from app.models.audit import AuditEntry
    from app.services.audit import GENESIS, _entry_hash, first_bad_seq

    key = b"k" * 32
    entries, prev = [], GENESIS
    for seq in range(1, 42):
        entry = AuditEntry(
            seq=seq,
            at=datetime(2026, 1, 1, tzinfo=UTC),
            org_id="o",
            actor="t",
            action="person.read",
            object_kind="person",
            object_id=str(seq),
            prev_hash=prev,
            hash="",
        )
        entry.hash = _entry_hash(key, prev, entry)
        entries.append(entry)
        prev = entry.hash
    assert first_bad_seq(entries, key=key, head_seq=41) is None
    setattr(entries[position], field, "tampered")
    assert first_bad_seq(entries, key=key, head_seq=41) == position + 1
