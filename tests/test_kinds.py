"""The registry of record kinds: every kind declares every part, and everything that lists kinds uses it."""

import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import app
from app import kinds
from app.keyring import Keyring
from app.kinds.kind import RecordKind
from app.models import SQLModel
from app.services import quota, transfer
from tests.conftest import OrgTokens
from tests.factories import (
    make_challenge,
    make_detention,
    make_extradition,
    make_incident,
    make_notice,
    make_person,
    make_protection,
)
from tests.test_export import export_text, lines_of

APP = Path(app.__file__).resolve().parent
# Tables that hold a person's id but are no kind of record: links, derived rows, logs.
NOT_RECORDS = {
    "person_relation",
    "person_affiliation",
    "person_flag",
    "person_state",
    "group_notice",
    "person_change",
    "idempotency_key",
    "idempotency_mention",
    "demo_case",
    "watch",
}


def _russian() -> dict[str, str]:
    with (APP / "locale" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: str(m.string) for m in read_po(po, locale="ru") if m.id and isinstance(m.id, str)}


def _missing(kind: RecordKind, russian: dict[str, str], icons: str) -> list[str]:
    model = kind.model.__table__  # type: ignore[attr-defined]
    missing = []
    if not kind.label or not russian.get(kind.label) or kinds.LABELS.get(kind.name) != kind.label:
        missing.append("label (in the catalog, English and Russian)")
    if not kind.heading or not russian.get(kind.heading):
        missing.append("heading (in the catalog, English and Russian)")
    if f'id="{kind.icon}"' not in icons:
        missing.append(f"icon {kind.icon!r} in app/static/icons.svg")
    if not kind.reads or kind.listed not in kind.reads or not kind.reads <= quota.READ_ACTIONS:
        missing.append("audit actions of its reads, its listing among them (counted by the read quota)")
    if not kind.writes or not kind.writes <= quota.ANSWERING_WRITES:
        missing.append("audit actions of the writes that answer with it (counted by the read quota)")
    if not kind.export or kind.export[0].name != model.name:
        missing.append("export: its own table first, then its children's")
    if any(table.name not in transfer.BY_NAME for table in kind.export):
        missing.append("export tables the export does not write")
    if not callable(kind.facts):
        missing.append("history facts")
    for part, columns in (
        ("dated_by", kind.dated_by),
        ("deferred", kind.deferred),
        ("involves", kind.involves),
        ("fact_columns", kind.fact_columns),
        ("person_link", (kind.person_link,)),
    ):
        if unknown := [c for c in columns if c not in model.c]:
            missing.append(f"{part} names columns the table lacks: {unknown}")
    if kind.children is not None:
        child = kind.children.model.__table__  # type: ignore[attr-defined]
        if unknown := [c for c in kind.children.fact_columns if c not in child.c]:
            missing.append(f"children's fact_columns names columns their table lacks: {unknown}")
    return missing


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_every_kind_declares_every_part(kind: RecordKind) -> None:
    icons = (APP / "static" / "icons.svg").read_text(encoding="utf-8")
    assert _missing(kind, _russian(), icons) == []


def test_the_check_catches_a_kind_with_a_missing_part() -> None:
    icons = (APP / "static" / "icons.svg").read_text(encoding="utf-8")
    incomplete = RecordKind(
        name="sanction",
        model=kinds.BY_NAME["incident"].model,
        label="",
        heading="Sanctions",
        icon="nowhere",
        reads=frozenset(),
        writes=frozenset({"sanction.created"}),
        listed="sanction.listed",
        export=(),
        facts=kinds.BY_NAME["incident"].facts,
        dated_by=("imposed_on",),
    )
    assert len(_missing(incomplete, _russian(), icons)) == 7


def test_every_table_about_a_person_is_a_kind_or_named_as_none() -> None:
    about_a_person = {
        table.name
        for table in SQLModel.metadata.tables.values()
        if any(fk.column.table.name == "person" for c in table.columns for fk in c.foreign_keys)
    }
    registered = {kind.model.__tablename__ for kind in kinds.KINDS}
    assert about_a_person - registered - NOT_RECORDS == set(), "register the kind in app/kinds"


def test_names_are_unique_and_the_order_is_the_documented_one() -> None:
    names = [kind.name for kind in kinds.KINDS]
    assert len(set(names)) == len(names)
    assert names[:6] == ["protection", "notice", "detention", "extradition", "incident", "challenge"]
    assert [k.name for k in transfer.KINDS][:2] == ["person", "person_relation"]


def test_the_dossier_names_every_state_its_records_involve(client: TestClient, org_a: OrgTokens) -> None:
    """Extraditions and incidents put their states among the requesting states, as the figures count them."""
    pid = make_person(client, org_a.editor)["id"]
    make_extradition(client, org_a.editor, pid, requesting_state="UZ", requested_state="TR")
    make_incident(client, org_a.editor, pid, perpetrator_state="IR", kind="surveillance")
    dossier = client.get(f"/api/v1/persons/{pid}/dossier", headers=org_a.viewer).json()
    assert [s["state"] for s in dossier["states"]] == ["IR", "UZ"]


def one_dated_of_each(client: TestClient, org: OrgTokens) -> tuple[str, dict[str, str]]:
    headers = org.editor
    pid = make_person(client, headers)["id"]
    notice = make_notice(client, headers, pid, requested_on="2016-03")
    challenge = make_challenge(client, headers, pid, notice_id=notice["id"])
    filed = client.post(
        f"/api/v1/challenges/{challenge['id']}/events", json={"type": "filed", "on": "2017"}, headers=headers
    )
    assert filed.status_code == 200, filed.text
    made = {
        "protection": make_protection(client, headers, pid, since="2015")["id"],
        "notice": notice["id"],
        "detention": make_detention(client, headers, pid, detained_on="2018-05-02")["id"],
        "extradition": make_extradition(client, headers, pid, opened_on="2018-06")["id"],
        "incident": make_incident(client, headers, pid, occurred_on="2019")["id"],
        "challenge": challenge["id"],
    }
    assert set(made) == {kind.name for kind in kinds.in_dossier()}, "add the new kind to this test"
    return pid, made


def test_a_record_of_every_kind_shows_in_the_history_the_dossier_and_the_export(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    pid, made = one_dated_of_each(client, org_a)
    history = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    assert {(e["ref"]["kind"], e["ref"]["id"]) for e in history} == set(made.items())
    dossier = client.get(f"/api/v1/persons/{pid}/dossier", headers=org_a.viewer).json()
    for kind, record_id in made.items():
        assert [r["id"] for r in dossier[f"{kind}s"]] == [record_id], kind
    exported = {
        (line["kind"], line["data"].get("id"))
        for line in map(json.loads, lines_of(export_text(database_url, keyring, "Org A")))
    }
    assert set(made.items()) <= exported
