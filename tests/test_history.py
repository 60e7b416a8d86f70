"""A person's history (section 9): every dated fact, in date order, ties in the documented order."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import make_engine, reading
from app.keyring import Keyring
from app.kinds import KINDS
from app.language import prose
from app.models.fuzzy_date import FuzzyDate
from app.models.person import Person
from app.models.timeline import HistoryEvent, RecordRef
from app.services import history, records
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
from tests.test_kinds import one_dated_of_each


def test_history_is_one_readable_timeline(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, name="Test Exile")
    pid = person["id"]
    make_protection(
        client, org_a.editor, pid, kind="asylum_applied", host_state="TR", against_state="TJ", since="2014-12"
    )
    notice = make_notice(client, org_a.editor, pid, channel="bilateral_request", requested_on="2015-01")
    client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "refused", "on": "2015-06", "actor": "court"},
        headers=org_a.editor,
    )
    client.post(f"/api/v1/notices/{notice['id']}/status", json={"status": "unknown"}, headers=org_a.editor)
    dubai = make_detention(client, org_a.editor, pid, host_state="AE", detained_on="2012", place="Dubai")
    client.post(
        f"/api/v1/detentions/{dubai['id']}/release",
        json={"released_on": "2013-09", "reason": "other"},
        headers=org_a.editor,
    )
    make_detention(client, org_a.editor, pid, host_state="TR", detained_on="2014-12", basis="immigration")
    make_extradition(client, org_a.editor, pid, opened_on="2015-01", decision="refused", decided_on="2015")
    make_incident(
        client,
        org_a.editor,
        pid,
        kind="assassination",
        host_state="TR",
        occurred_on="2015-03-05",
        certainty="alleged",
    )
    make_incident(client, org_a.editor, pid, kind="surveillance")  # undated: not on the timeline
    response = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer)
    assert response.status_code == 200
    body = response.json()
    assert body["person"]["id"] == pid
    got = [(e["on"], e["type"]) for e in body["events"]]
    assert got == [
        ("2012", "detention.detained"),
        ("2013-09", "detention.released"),
        ("2014-12", "protection.since"),
        ("2014-12", "detention.detained"),
        ("2015-01", "notice.requested"),  # "2015" and "2015-01" both start on 1 Jan 2015: kind, then step
        ("2015-01", "extradition.opened"),
        ("2015", "extradition.decided"),
        ("2015-03-05", "incident.assassination"),
        ("2015-06", "notice.status.refused"),
    ]
    summaries = [e["summary"] for e in body["events"]]
    assert summaries[0] == "Detained in United Arab Emirates (Dubai) at Tajikistan's request"
    assert summaries[-1] == "Bilateral extradition request from Tajikistan: refused by a court"
    assert all(
        e["ref"]["kind"] in {"protection", "notice", "detention", "extradition", "incident"}
        for e in body["events"]
    )
    assert "Test Exile" not in " ".join(summaries)


def test_ties_keep_a_stable_documented_order(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    pid = person["id"]
    notice = make_notice(
        client, org_a.editor, pid, requested_on="2020-01-01", issued_on="2020-01-01", status="published"
    )
    detention = make_detention(
        client, org_a.editor, pid, notice_id=notice["id"], requesting_state=None, detained_on="2020-01-01"
    )
    client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2020-01-01", "reason": "bail"},
        headers=org_a.editor,
    )
    make_protection(client, org_a.editor, pid, since="2020")
    first = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    assert [e["type"] for e in first] == [
        "protection.since",
        "notice.requested",
        "notice.issued",
        "detention.detained",
        "detention.released",
    ]
    assert client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"] == first
    assert "after 0 days" in first[-1]["summary"]


def test_history_of_a_foreign_person_is_404(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    theirs = make_person(client, org_b.editor)
    assert client.get(f"/api/v1/persons/{theirs['id']}/history", headers=org_a.viewer).status_code == 404


def test_erasure_takes_every_record(client: TestClient, org_a: OrgTokens, db: object) -> None:

    person = make_person(client, org_a.editor)
    pid = person["id"]
    notice = make_notice(client, org_a.editor, pid, charges=[{"text": "fraud"}])
    client.post(f"/api/v1/notices/{notice['id']}/status", json={"status": "deleted"}, headers=org_a.editor)
    make_detention(client, org_a.editor, pid, notice_id=notice["id"], requesting_state=None)
    make_extradition(client, org_a.editor, pid)
    make_incident(client, org_a.editor, pid)
    make_protection(client, org_a.editor, pid)
    assert client.delete(f"/api/v1/persons/{pid}", headers=org_a.admin).status_code == 204
    assert isinstance(db, sa.Engine)
    with db.connect() as conn:
        for table in (
            "person",
            "notice",
            "charge",
            "notice_status_change",
            "detention",
            "extradition",
            "incident",
            "protection",
        ):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table  # noqa: S608


def test_the_timeline_read_as_rows_is_the_one_read_as_orm_objects(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    """`history.events` reads the records as Core rows (`records.rows_for_person`) of only the columns the
    facts read (`fact_columns`; a row lacking one raises): every fact, in both languages, is the one the ORM
    objects of `records.for_person` give, with records that take every branch of every kind's facts."""
    headers = org_a.editor
    pid = make_person(client, headers)["id"]
    make_protection(client, headers, pid, since="2014-12", until="2016")
    notice = make_notice(client, headers, pid, requested_on="2015-01")
    client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "refused", "on": "2015-06", "actor": "court", "reason": "political"},
        headers=headers,
    )
    make_notice(
        client,
        headers,
        pid,
        issued_on="2016",
        status="deleted",
        status_actor="ccf",
        status_reason="article_3",
    )
    detention = make_detention(client, headers, pid, detained_on="2012", place="Dubai")
    client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2013-09-30", "reason": "bail", "conditions": "travel_ban"},
        headers=headers,
    )
    make_detention(
        client, headers, pid, detained_on="2019-07-02", basis="immigration", custody="house_arrest"
    )
    ended = make_detention(client, headers, pid, detained_on="2019-09-30", custody="supervision")
    released = client.post(
        f"/api/v1/detentions/{ended['id']}/release",
        json={"ended_on": "2020-06", "reason": "other"},
        headers=headers,
    )
    assert released.status_code == 200, released.text
    surrendered = make_detention(client, headers, pid, detained_on="2020-01-05")
    response = client.post(
        f"/api/v1/detentions/{surrendered['id']}/surrender",
        json={"surrendered_on": "2021-02-01", "kind": "deported"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    make_extradition(client, headers, pid, opened_on="2015-01", decision="refused", decided_on="2015")
    make_extradition(
        client,
        headers,
        pid,
        opened_on="2019-07",
        court="Regional Court",
        stage="appeal",
        decision="refused",
        decided_on="2019-09-30",
        grounds=["persecution_risk", "fair_trial"],
    )
    make_incident(client, headers, pid, occurred_on="2015-03-05")
    make_incident(client, headers, pid, kind="digital_threat", host_state="PL", occurred_on="2022")
    court = make_challenge(
        client, headers, pid, forum="echr", kind="appeal", respondent_state="PL", reference="1/20"
    )
    for event in (
        {"type": "filed", "on": "2020-02"},
        {"type": "decided", "on": "2022-01", "outcome": "struck_out"},
    ):
        response = client.post(f"/api/v1/challenges/{court['id']}/events", json=event, headers=headers)
        assert response.status_code == 200, response.text
    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        person = session.get(Person, pid)
        assert person is not None
        for lang in ("en", "ru"):
            from_objects = history.from_records(records.for_person(session, person), prose(lang))
            from_rows = history.events(session, person, prose(lang))
            assert len(from_rows) >= 20
            assert [e.model_dump() for e in from_rows] == [e.model_dump() for e in from_objects]
    engine.dispose()


def test_the_timeline_loads_exactly_the_columns_its_facts_read(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    """Each row of `rows_for_person` has its kind's `timeline_columns` and no other (the rest cost a
    conversion each for nothing); a kind that declares none says nothing on a timeline and is not read."""
    pid, made = one_dated_of_each(client, org_a)
    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        person = session.get(Person, pid)
        assert person is not None
        loaded = records.rows_for_person(session, person)
        for kind in KINDS:
            rows = loaded.of(kind.name)
            assert [row.id for row in rows] == ([made[kind.name]] if kind.name in made else []), kind.name
            for row in rows:
                assert list(row._fields) == records.timeline_columns(kind), kind.name
                if kind.children is not None:
                    for child in loaded.children_of(row.id):
                        assert list(child._fields) == records.timeline_child_columns(kind.children)
        assert loaded.children_of(made["challenge"]), "a child row loaded"
        assert loaded.states() == records.for_person(session, person).states()
    engine.dispose()
    for kind in KINDS:
        # Facts that read nothing of a record (here none of its columns) say nothing.
        if not kind.fact_columns:
            assert kind not in records.ON_TIMELINE
            assert list(kind.facts(SimpleNamespace(), [])) == [], kind.name


def test_a_persons_read_skips_only_the_kinds_that_hold_nothing_of_theirs(
    client: TestClient,
    org_a: OrgTokens,
    database_url: str,
    keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`records.held` names exactly the kinds with a record of the person, and the timeline and the
    records loaded after asking it are those read from every kind."""
    pid = make_person(client, org_a.editor)["id"]
    make_notice(client, org_a.editor, pid, requested_on="2015-01")
    make_incident(client, org_a.editor, pid, occurred_on="2015-03-05")
    bare = make_person(client, org_a.editor)["id"]
    make_detention(client, org_a.editor, make_person(client, org_a.editor)["id"], detained_on="2012")
    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        assert [k.name for k in records.held(session, pid, KINDS)] == ["notice", "incident"]
        assert records.held(session, bare, KINDS) == []
        person = session.get(Person, pid)
        assert person is not None
        asked = [e.model_dump() for e in history.events(session, person, prose("ru"))]
        loaded = records.for_person(session, person)
        monkeypatch.setattr(records, "PROBED", len(KINDS) + 1)  # every kind read, none asked first
        assert asked == [e.model_dump() for e in history.events(session, person, prose("ru"))]
        every = records.for_person(session, person)
        assert {k: [r.id for r in v] for k, v in loaded.by_kind.items() if v} == {
            k: [r.id for r in v] for k, v in every.by_kind.items() if v
        }
        assert len(asked) >= 2
    engine.dispose()


def test_every_column_a_timeline_reads_is_an_attribute_of_its_row() -> None:
    """The timeline's rows are named tuples: each column is an attribute giving its value, none hidden by
    a tuple's own (`count`, `index`)."""
    for kind in records.ON_TIMELINE:
        reads = records._timeline_reads(kind.name)
        shapes = [(reads.record, records.timeline_columns(kind))]
        if kind.children is not None:
            shapes.append((reads.child, records.timeline_child_columns(kind.children)))
        for row_type, columns in shapes:
            row = row_type._make(range(len(columns)))
            assert [getattr(row, column) for column in columns] == list(range(len(columns))), kind.name


def test_an_event_is_built_as_model_construct_builds_it() -> None:
    """`history._event` skips `model_construct`'s walk: what it builds must stay what that would build."""
    on = FuzzyDate("2015-01")
    built = history._event(on, "notice.requested", "Russia requested a red notice", "notice", "n1")
    constructed = HistoryEvent.model_construct(
        on=on,
        type="notice.requested",
        summary="Russia requested a red notice",
        ref=RecordRef.model_construct(kind="notice", id="n1"),
    )
    for mine, theirs in ((built, constructed), (built.ref, constructed.ref)):
        assert type(mine) is type(theirs)
        assert mine.__dict__ == theirs.__dict__
        assert mine.__pydantic_fields_set__ == theirs.__pydantic_fields_set__
        assert mine.__pydantic_extra__ == theirs.__pydantic_extra__
        assert mine.__pydantic_private__ == theirs.__pydantic_private__
    assert built == constructed
    assert built.model_dump_json() == constructed.model_dump_json()
