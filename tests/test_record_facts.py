"""Facts the first model could not say (issue 16, item 2): deaths, custody that is not detention or that
ended unrecorded, case numbers, INTERPOL control numbers, hearings, court and UN outcomes, respondents,
and the new kinds of protection and incident."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

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

Headers = dict[str, str]


def matching(headers: Headers, version: int) -> Headers:
    return {**headers, "If-Match": f'"{version}"'}


def history(client: TestClient, headers: Headers, person_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/persons/{person_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def dossier_text(client: TestClient, headers: Headers, person_id: str) -> str:
    """The Markdown dossier without its escapes, as a reader sees it."""
    response = client.get(
        f"/api/v1/persons/{person_id}/dossier", headers={**headers, "Accept": "text/markdown"}
    )
    assert response.status_code == 200, response.text
    return str(response.text).replace("\\", "")


def flag_codes(client: TestClient, headers: Headers, person_id: str) -> set[tuple[str, str]]:
    response = client.get(f"/api/v1/persons/{person_id}/flags", headers=headers)
    assert response.status_code == 200, response.text
    return {(f["code"], f["requesting_state"]) for f in response.json()["items"]}


# --- persons: place of birth, death -----------------------------------------------------------------


def test_a_death_ends_open_custody_in_the_answers_and_dates_the_history(
    client: TestClient, org_a: OrgTokens, database_url: str
) -> None:
    person = make_person(client, org_a.editor, birth_date="1970", place_of_birth="Kulob")
    assert person["place_of_birth"] == "Kulob"
    assert person["deceased_on"] is None
    held = make_detention(client, org_a.editor, person["id"], detained_on="2014-12")
    assert held["status"] == "in_custody"
    patched = client.patch(
        f"/api/v1/persons/{person['id']}",
        json={"deceased_on": "2015-03-05"},
        headers=matching(org_a.editor, person["version"]),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["deceased_on"] == "2015-03-05"
    shown = client.get(f"/api/v1/detentions/{held['id']}", headers=org_a.viewer).json()
    assert (shown["status"], shown["release_reason"], shown["ended_on"]) == (
        "released",
        "unknown",
        "2015-03-05",
    )
    assert shown["released_on"] is None
    assert shown["custody_days"] is None
    listed = client.get(f"/api/v1/detentions?person_id={person['id']}", headers=org_a.viewer).json()["items"]
    assert [d["status"] for d in listed] == ["released"]
    events = history(client, org_a.viewer, person["id"])
    assert events[-1] == {
        "on": "2015-03-05",
        "type": "person.deceased",
        "summary": "Died",
        "ref": {"kind": "person", "id": person["id"]},
    }
    dossier = client.get(f"/api/v1/persons/{person['id']}/dossier", headers=org_a.viewer).json()
    assert dossier["person"]["place_of_birth"] == "Kulob"
    assert dossier["detentions"][0]["ended_on"] == "2015-03-05"
    markdown = dossier_text(client, org_a.viewer, person["id"])
    assert "**Died:** 2015-03-05" in markdown
    assert "**Place of birth:** Kulob" in markdown
    assert "released (unknown), ended by 2015-03-05" in markdown
    # stored as ciphertext, like the birth date
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT place_of_birth, deceased_on FROM person WHERE id = :i"), {"i": person["id"]}
        ).one()
    engine.dispose()
    assert all(value.startswith("a3e:") for value in stored)
    # the stored custody is untouched: correcting the death corrects the answer
    cleared = client.patch(
        f"/api/v1/persons/{person['id']}", json={"deceased_on": None}, headers=matching(org_a.editor, 2)
    )
    assert cleared.status_code == 200, cleared.text
    assert (
        client.get(f"/api/v1/detentions/{held['id']}", headers=org_a.viewer).json()["status"] == "in_custody"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birth_date": "1980", "deceased_on": "1979-05"}, "deceased_on"),
        ({"deceased_on": (date.today() + timedelta(days=40)).isoformat()}, "deceased_on"),
        ({"deceased_on": "5 March 2015"}, "deceased_on"),
        ({"place_of_birth": ""}, "place_of_birth"),
    ],
)
def test_impossible_deaths_are_422(
    client: TestClient, org_a: OrgTokens, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/persons", json={"name": "Test Person", **body}, headers=org_a.editor)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_a_death_before_the_birth_is_refused_on_patch(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, birth_date="1980-06")
    response = client.patch(
        f"/api/v1/persons/{person['id']}",
        json={"deceased_on": "1979"},
        headers=matching(org_a.editor, person["version"]),
    )
    assert response.status_code == 422, response.text
    assert "must not be before birth_date" in response.json()["detail"]


# --- detentions: custody kinds, an unrecorded end, court and case ------------------------------------


def test_house_arrest_is_counted_apart_from_detention(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    jail = make_detention(client, org_a.editor, person["id"], detained_on="2023-10-30", host_state="RS")
    home = make_detention(
        client,
        org_a.editor,
        person["id"],
        detained_on="2024-06-05",
        host_state="RS",
        custody="house_arrest",
        court="Higher Court in Belgrade",
        case_number="Kre 12/23",
        other_bases=["red_notice", "bilateral_request"],
    )
    assert jail["custody"] == "detention"
    assert (home["custody"], home["court"], home["case_number"]) == (
        "house_arrest",
        "Higher Court in Belgrade",
        "Kre 12/23",
    )
    assert home["other_bases"] == ["red_notice", "bilateral_request"]
    for detention, end in ((jail, "2024-06-05"), (home, "2024-09-01")):
        response = client.post(
            f"/api/v1/detentions/{detention['id']}/release",
            json={"released_on": end, "reason": "court_order"},
            headers=org_a.editor,
        )
        assert response.status_code == 200, response.text
    jail = client.get(f"/api/v1/detentions/{jail['id']}", headers=org_a.viewer).json()
    home = client.get(f"/api/v1/detentions/{home['id']}", headers=org_a.viewer).json()
    assert (jail["custody_days"], jail["house_arrest_days"], jail["supervision_days"]) == (219, None, None)
    assert (home["custody_days"], home["house_arrest_days"], home["supervision_days"]) == (None, 88, None)
    events = [e["summary"] for e in history(client, org_a.viewer, person["id"])]
    assert "Placed under house arrest in Serbia at Tajikistan's request" in events


@pytest.mark.parametrize(
    "body",
    [{"custody": "prison"}, {"other_bases": ["unknown"]}, {"other_bases": ["red_notice", "red_notice"]}],
)
def test_bad_custody_fields_are_422(client: TestClient, org_a: OrgTokens, body: dict[str, Any]) -> None:
    person = make_person(client, org_a.editor)
    response = client.post(
        "/api/v1/detentions",
        json={
            "person_id": person["id"],
            "host_state": "TR",
            "requesting_state": "TJ",
            "detained_on": "2014",
            **body,
        },
        headers=org_a.editor,
    )
    assert response.status_code == 422, response.text


def test_custody_that_ended_unrecorded(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    held = make_detention(
        client, org_a.editor, person["id"], host_state="KR", requesting_state="CN", detained_on="2009"
    )
    both = client.post(
        f"/api/v1/detentions/{held['id']}/release",
        json={"released_on": "2010", "ended_on": "2017-07-26", "reason": "unknown"},
        headers=org_a.editor,
    )
    assert both.status_code == 422, both.text
    neither = client.post(
        f"/api/v1/detentions/{held['id']}/release", json={"reason": "unknown"}, headers=org_a.editor
    )
    assert neither.status_code == 422, neither.text
    assert "released_on" in neither.text
    assert "ended_on" in neither.text
    before = client.post(
        f"/api/v1/detentions/{held['id']}/release",
        json={"ended_on": "2008", "reason": "unknown"},
        headers=org_a.editor,
    )
    assert before.status_code == 422, before.text
    ended = client.post(
        f"/api/v1/detentions/{held['id']}/release",
        json={"ended_on": "2017-07-26", "reason": "unknown"},
        headers=org_a.editor,
    )
    assert ended.status_code == 200, ended.text
    body = ended.json()
    assert (body["status"], body["released_on"], body["ended_on"], body["release_reason"]) == (
        "released",
        None,
        "2017-07-26",
        "unknown",
    )
    assert body["custody_days"] is None
    events = history(client, org_a.viewer, person["id"])
    assert [e["type"] for e in events] == ["detention.detained", "detention.ended"]
    assert events[1]["on"] == "2017-07-26"
    assert events[1]["summary"] == (
        "Custody in South Korea had ended by this date; when and how were not recorded"
    )
    # an end nobody recorded is no sourced release: no released_without_extradition, no "released" figure
    assert ("released_without_extradition", "CN") not in flag_codes(client, org_a.viewer, person["id"])
    hosts = client.get("/api/v1/states/CN/hosts", headers=org_a.viewer).json()["items"]
    assert [(h["host_state"], h["detentions"], h["released"]) for h in hosts] == [("KR", 1, 0)]
    counts = client.get("/api/v1/states/CN", headers=org_a.viewer).json()["counts"]
    assert counts["released_without_extradition"] == 0
    # a later correction may give the day of the release instead
    corrected = client.patch(
        f"/api/v1/detentions/{held['id']}",
        json={"released_on": "2009-11-02", "ended_on": None},
        headers=matching(org_a.editor, body["version"]),
    )
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["released_on"], corrected.json()["ended_on"]) == ("2009-11-02", None)
    assert ("released_without_extradition", "CN") in flag_codes(client, org_a.viewer, person["id"])
    # and a release left with no date at all is refused
    undated = client.patch(
        f"/api/v1/detentions/{held['id']}",
        json={"released_on": None},
        headers=matching(org_a.editor, corrected.json()["version"]),
    )
    assert undated.status_code == 422, undated.text


# --- notices: case numbers and INTERPOL control numbers -----------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("2015/12345", "2015/12345"), ("A-1234/6-2015", "A-1234/6-2015"), ("d-77/11-2019", "D-77/11-2019")],
)
def test_interpol_control_numbers_are_accepted(
    client: TestClient, org_a: OrgTokens, sent: str, stored: str
) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], interpol_ref=sent, case_number="No. 2-115/2014")
    assert (notice["interpol_ref"], notice["case_number"]) == (stored, "No. 2-115/2014")


@pytest.mark.parametrize(
    "ref", ["A-1234/13-2015", "A1234/6-2015", "red notice 2015", "AB-12/6-2015", "2015/"]
)
def test_other_interpol_references_are_422_in_words(client: TestClient, org_a: OrgTokens, ref: str) -> None:
    person = make_person(client, org_a.editor)
    response = client.post(
        "/api/v1/notices",
        json={
            "person_id": person["id"],
            "channel": "red_notice",
            "requesting_state": "TJ",
            "interpol_ref": ref,
        },
        headers=org_a.editor,
    )
    assert response.status_code == 422, response.text
    text = response.text
    assert "A-1234/6-2015" in text
    assert "2015/12345" in text
    assert "\\d" not in text
    assert "^" not in text


# --- extraditions: case numbers, hearings, the same state twice, discrimination ---------------------


def test_hearings_are_kept_in_order_and_future_ones_are_deadlines(
    client: TestClient, org_a: OrgTokens
) -> None:
    person = make_person(client, org_a.editor)
    soon = date.today() + timedelta(days=12)
    extradition = make_extradition(
        client,
        org_a.editor,
        person["id"],
        requesting_state="BY",
        requested_state="RS",
        case_number="Kre 12/23",
        hearings=[
            {"on": soon.isoformat(), "court": "Court of Appeal", "note": "appeal heard"},
            {"on": "2023-12-05", "court": "Higher Court in Belgrade"},
        ],
    )
    assert extradition["case_number"] == "Kre 12/23"
    assert [h["on"] for h in extradition["hearings"]] == ["2023-12-05", soon.isoformat()]
    assert extradition["hearings"][0] == {
        "on": "2023-12-05",
        "court": "Higher Court in Belgrade",
        "note": None,
    }
    items = client.get("/api/v1/deadlines", headers=org_a.viewer).json()["items"]
    hearings = [i for i in items if i["kind"] == "extradition_hearing"]
    assert len(hearings) == 1, items
    assert hearings[0]["due_on"] == soon.isoformat()
    assert hearings[0]["ref"] == {"kind": "extradition", "id": extradition["id"]}
    assert "Court of Appeal" in hearings[0]["summary"]
    dossier = dossier_text(client, org_a.viewer, person["id"])
    assert "Hearings: 2023-12-05 (Higher Court in Belgrade);" in dossier
    assert "Kre 12/23" in dossier


def test_a_state_does_not_ask_itself(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    response = client.post(
        "/api/v1/extraditions",
        json={"person_id": person["id"], "requesting_state": "TJ", "requested_state": "TJ"},
        headers=org_a.editor,
    )
    assert response.status_code == 422, response.text
    assert (
        response.json()["errors"][0]["loc"] == ["body", "requested_state"]
        or "requested_state" in response.text
    )
    made = make_extradition(client, org_a.editor, person["id"])
    patched = client.patch(
        f"/api/v1/extraditions/{made['id']}",
        json={"requested_state": "TJ"},
        headers=matching(org_a.editor, made["version"]),
    )
    assert patched.status_code == 422, patched.text


def test_a_refusal_for_discrimination_is_political(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    make_extradition(
        client,
        org_a.editor,
        person["id"],
        requested_state="DE",
        decision="refused",
        decided_on="2019-05",
        grounds=["discrimination"],
    )
    codes = flag_codes(client, org_a.viewer, person["id"])
    assert ("extradition_refused_political", "TJ") in codes


# --- protections and incidents ----------------------------------------------------------------------


def test_a_unhcr_mandate_is_refugee_protection(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    protection = make_protection(
        client, org_a.editor, person["id"], kind="unhcr_mandate", host_state="TR", since="2014-12"
    )
    assert protection["kind"] == "unhcr_mandate"
    make_notice(client, org_a.editor, person["id"], requested_on="2015-01")
    codes = flag_codes(client, org_a.viewer, person["id"])
    assert {("refugee_protection", "TJ"), ("issued_after_protection", "TJ")} <= codes
    flags = client.get(f"/api/v1/persons/{person['id']}/flags", headers=org_a.viewer).json()["items"]
    explanation = next(f["explanation"] for f in flags if f["code"] == "refugee_protection")
    assert "recognised by UNHCR" in explanation


@pytest.mark.parametrize(
    "kind", ["relatives_detained", "relatives_prosecuted", "property_confiscated", "travel_ban_on_relatives"]
)
def test_new_incident_kinds(client: TestClient, org_a: OrgTokens, kind: str) -> None:
    person = make_person(client, org_a.editor)
    incident = make_incident(client, org_a.editor, person["id"], kind=kind, occurred_on="2016")
    assert incident["kind"] == kind
    codes = flag_codes(client, org_a.viewer, person["id"])
    against_family = kind != "property_confiscated"
    assert (("relatives_targeted", "TJ") in codes) is against_family


# --- challenges: outcomes of courts and UN bodies, respondents, the Convention ---------------------


def events(client: TestClient, headers: Headers, challenge_id: str, *items: dict[str, Any]) -> Any:
    response = None
    for item in items:
        response = client.post(f"/api/v1/challenges/{challenge_id}/events", json=item, headers=headers)
        assert response.status_code == 200, response.text
    return response.json() if response is not None else None


def test_court_outcomes_and_respondents(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    echr = make_challenge(
        client, org_a.editor, person["id"], forum="echr", kind="appeal", respondent_state="RU"
    )
    assert echr["respondent_state"] == "RU"  # a former party, for facts before it left
    decided = events(
        client,
        org_a.editor,
        echr["id"],
        {"type": "filed", "on": "2019-03"},
        {"type": "admissible", "on": "2020-01"},
        {"type": "decided", "on": "2021-06-01", "outcome": "violation"},
    )
    assert (decided["status"], decided["outcome"]) == ("closed", "violation")
    rule39 = make_challenge(
        client, org_a.editor, person["id"], forum="echr", kind="interim_measure", respondent_state="FR"
    )
    decided = events(
        client,
        org_a.editor,
        rule39["id"],
        {"type": "filed", "on": "2016-01-10"},
        {"type": "decided", "on": "2016-01-12", "outcome": "interim_measure_granted"},
    )
    assert decided["outcome"] == "interim_measure_granted"
    dossier = dossier_text(client, org_a.viewer, person["id"])
    assert "violation found" in dossier
    assert "Against: Russia" in dossier


def test_outcomes_that_do_not_fit_are_422(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    ccf = make_challenge(client, org_a.editor, person["id"])
    events(client, org_a.editor, ccf["id"], {"type": "filed", "on": "2020-01"})
    wrong = client.post(
        f"/api/v1/challenges/{ccf['id']}/events",
        json={"type": "decided", "on": "2020-05", "outcome": "violation"},
        headers=org_a.editor,
    )
    assert wrong.status_code == 422, wrong.text
    assert "courts and UN bodies" in wrong.text
    court = make_challenge(client, org_a.editor, person["id"], forum="un_cat", kind="appeal")
    events(client, org_a.editor, court["id"], {"type": "filed", "on": "2020-01"})
    interim = client.post(
        f"/api/v1/challenges/{court['id']}/events",
        json={"type": "decided", "on": "2020-05", "outcome": "interim_measure_refused"},
        headers=org_a.editor,
    )
    assert interim.status_code == 422, interim.text


@pytest.mark.parametrize("state", ["BY", "KZ", "TJ"])
def test_an_echr_challenge_against_a_state_outside_the_convention_is_422(
    client: TestClient, org_a: OrgTokens, state: str
) -> None:
    person = make_person(client, org_a.editor)
    response = client.post(
        "/api/v1/challenges",
        json={"person_id": person["id"], "forum": "echr", "kind": "appeal", "respondent_state": state},
        headers=org_a.editor,
    )
    assert response.status_code == 422, response.text
    assert "European Convention on Human Rights" in response.text
    # other forums take any respondent
    make_challenge(client, org_a.editor, person["id"], forum="un_hrc", kind="appeal", respondent_state=state)
    # and a PATCH cannot bring one in
    made = make_challenge(client, org_a.editor, person["id"], forum="echr", kind="appeal")
    patched = client.patch(
        f"/api/v1/challenges/{made['id']}",
        json={"respondent_state": state},
        headers=matching(org_a.editor, made["version"]),
    )
    assert patched.status_code == 422, patched.text


def test_an_echr_filing_before_the_state_joined_is_422(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    made = make_challenge(
        client, org_a.editor, person["id"], forum="echr", kind="appeal", respondent_state="RS"
    )
    early = client.post(
        f"/api/v1/challenges/{made['id']}/events",
        json={"type": "filed", "on": "2003-05"},
        headers=org_a.editor,
    )
    assert early.status_code == 422, early.text
    events(client, org_a.editor, made["id"], {"type": "filed", "on": "2004-05"})
