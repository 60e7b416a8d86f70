"""Every other record form: protections, extraditions with hearings (repeated fieldsets without
JavaScript), incidents, a notice's status changes, a challenge's events, documents; corrections with a
conflicting edit, and deletions after a confirmation page."""

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.ui.conftest import Demo, audit_since, csrf_of, last_seq, sign_in
from tests.ui.test_forms_records import _api, _fields, _new_person, _post


def _kuvvatov(demo: Demo) -> str:
    return demo.persons["Umarali Kuvvatov"]


def test_a_protection_added_corrected_and_deleted_after_a_confirmation(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    _post(
        ui_client, f"/ui/persons/{person_id}/notices/new", {"channel": "red_notice", "requesting_state": "TJ"}
    )
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/protections/new",
        {"kind": "refugee_status", "host_state": "DE", "against_state": "TJ", "since": "2015-03"},
    )
    protection_id = at.rsplit("#protection-", 1)[1]
    flags = {f["code"] for f in _api(ui_client, demo, f"/persons/{person_id}/flags")["items"]}
    assert "refugee_protection" in flags
    edit = ui_client.get(f"/ui/protections/{protection_id}/edit")
    answer = ui_client.post(
        f"/ui/protections/{protection_id}/edit",
        data={**_fields(edit.text), "until": "2030"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert _api(ui_client, demo, f"/persons/{person_id}/protections/{protection_id}")["until"] == "2030"

    confirm = ui_client.get(f"/ui/protections/{protection_id}/delete")
    assert confirm.status_code == 200
    assert "Delete this record?" in confirm.text
    seq = last_seq(db)
    answer = ui_client.post(
        f"/ui/protections/{protection_id}/delete", data=_fields(confirm.text), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/persons/{person_id}?done=deleted"
    assert "protection.deleted" in [e.action for e in audit_since(db, seq)]
    assert _api(ui_client, demo, f"/persons/{person_id}/protections")["items"] == []
    flags = {f["code"] for f in _api(ui_client, demo, f"/persons/{person_id}/flags")["items"]}
    assert "refugee_protection" not in flags


def test_hearings_are_added_one_fieldset_at_a_time_without_javascript(
    ui_client: TestClient, demo: Demo
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    url = f"/ui/persons/{person_id}/extraditions/new"
    form = ui_client.get(url)
    assert 'name="hearings-0-on"' in form.text
    assert 'name="hearings-1-on"' not in form.text
    typed = {
        "csrf": csrf_of(form.text),
        "requesting_state": "TJ",
        "requested_state": "TR",
        "hearings-0-on": "2015-02-10",
        "hearings-0-court": "Istanbul 5th Criminal Court",
    }
    more = ui_client.post(url, data={**typed, "_add": "hearings"})
    assert more.status_code == 200
    assert 'name="hearings-1-on"' in more.text
    assert 'value="Istanbul 5th Criminal Court"' in more.text
    answer = ui_client.post(url, data={**typed, "hearings-1-on": "2015-03-05"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    extradition_id = answer.headers["location"].rsplit("#extradition-", 1)[1]
    hearings = _api(ui_client, demo, f"/extraditions/{extradition_id}")["hearings"]
    assert [h["on"] for h in hearings] == ["2015-02-10", "2015-03-05"]


def test_an_incident_with_a_bad_date_in_russian_keeps_what_was_typed(
    ui_client: TestClient, demo: Demo
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _kuvvatov(demo)
    url = f"/ui/persons/{person_id}/incidents/new"
    csrf = csrf_of(ui_client.get(url + "?lang=ru").text)
    answer = ui_client.post(
        url,
        data={
            "csrf": csrf,
            "kind": "assassination",
            "perpetrator_state": "TJ",
            "occurred_on": "5 марта 2015",
            "description": "Убит в Стамбуле",
        },
    )
    assert answer.status_code == 422
    assert 'id="f-occurred_on-error"' in answer.text
    assert "Введите дату в виде 2016, 2016-03 или 2016-03-14." in answer.text
    assert 'value="5 марта 2015"' in answer.text
    assert "Убит в Стамбуле</textarea>" in answer.text


def test_a_notice_status_change_and_its_retraction(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/notices/new",
        {"channel": "red_notice", "requesting_state": "TJ", "issued_on": "2016", "status": "published"},
    )
    notice_id = at.rsplit("#notice-", 1)[1]
    _post(
        ui_client,
        f"/ui/notices/{notice_id}/do/status",
        {"status": "deleted", "on": "2019-05", "actor": "ccf"},
    )
    assert _api(ui_client, demo, f"/notices/{notice_id}")["status"] == "deleted"
    page = ui_client.get(f"/ui/persons/{person_id}")
    assert f"/ui/notices/{notice_id}/undo/retract-status" in page.text
    confirm = ui_client.get(f"/ui/notices/{notice_id}/undo/retract-status")
    assert confirm.status_code == 200
    seq = last_seq(db)
    answer = ui_client.post(
        f"/ui/notices/{notice_id}/undo/retract-status", data=_fields(confirm.text), follow_redirects=False
    )
    assert answer.status_code == 303
    assert _api(ui_client, demo, f"/notices/{notice_id}")["status"] == "published"
    assert "notice.status.retracted" in [e.action for e in audit_since(db, seq)]
    # Nothing left to take back: the page says so, and nothing changes.
    again = ui_client.post(
        f"/ui/notices/{notice_id}/undo/retract-status", data=_fields(confirm.text) | {"version": ""}
    )
    assert again.status_code == 409
    assert "This cannot be done" in again.text


def test_a_release_refused_by_the_service_is_shown_above_the_form(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/detentions/new",
        {"host_state": "DE", "requesting_state": "TJ", "detained_on": "2016-05-10"},
    )
    detention_id = at.rsplit("#detention-", 1)[1]
    url = f"/ui/detentions/{detention_id}/do/release"
    csrf = csrf_of(ui_client.get(url).text)
    both = ui_client.post(
        url, data={"csrf": csrf, "released_on": "2016-06", "ended_on": "2016-07", "reason": "bail"}
    )
    assert both.status_code == 422
    assert "Give the date of the release or" in both.text
    before = ui_client.post(url, data={"csrf": csrf, "released_on": "2016-04-01", "reason": "bail"})
    assert before.status_code == 422
    assert 'id="f-released_on-error"' in before.text
    assert _api(ui_client, demo, f"/detentions/{detention_id}")["status"] == "in_custody"
    _post(ui_client, url, {"released_on": "2016-06-01", "reason": "bail"})
    seq = last_seq(db)
    twice = ui_client.post(url, data={"csrf": csrf, "released_on": "2016-06-02", "reason": "bail"})
    # Nothing of the refused attempt is kept, but what the page shows again is audited as read.
    assert {e.action for e in audit_since(db, seq)} == {"detention.read", "person.read"}
    assert twice.status_code == 409
    assert "This cannot be saved as it stands:" in twice.text


def test_a_conflicting_correction_of_a_detention(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/detentions/new",
        {"host_state": "DE", "requesting_state": "TJ", "detained_on": "2016-05-10"},
    )
    detention_id = at.rsplit("#detention-", 1)[1]
    url = f"/ui/detentions/{detention_id}/edit"
    mine, theirs = ui_client.get(url), ui_client.get(url)
    assert (
        ui_client.post(
            url, data=_fields(theirs.text) | {"place": "Frankfurt"}, follow_redirects=False
        ).status_code
        == 303
    )
    clash = ui_client.post(url, data=_fields(mine.text) | {"place": "Munich"})
    assert clash.status_code == 412
    assert "Someone changed this record while you edited it" in clash.text
    table = clash.text.split('class="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Frankfurt" in table
    assert "Munich" in table
    assert _api(ui_client, demo, f"/detentions/{detention_id}")["place"] == "Frankfurt"


def test_a_challenge_event_taken_back(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(ui_client, f"/ui/persons/{person_id}/challenges/new", {"forum": "ccf", "kind": "access"})
    challenge_id = at.rsplit("#challenge-", 1)[1]
    _post(ui_client, f"/ui/challenges/{challenge_id}/do/event", {"type": "filed", "on": "2023-11-03"})
    wrong = ui_client.post(
        f"/ui/challenges/{challenge_id}/do/event",
        data={
            "csrf": csrf_of(ui_client.get(f"/ui/challenges/{challenge_id}/do/event").text),
            "type": "decided",
            "on": "2023-12",
        },
    )
    assert wrong.status_code == 422  # a decision needs its outcome
    confirm = ui_client.get(f"/ui/challenges/{challenge_id}/undo/undo-event")
    answer = ui_client.post(
        f"/ui/challenges/{challenge_id}/undo/undo-event", data=_fields(confirm.text), follow_redirects=False
    )
    assert answer.status_code == 303
    assert _api(ui_client, demo, f"/challenges/{challenge_id}")["status"] == "draft"


def test_a_document_corrected_and_deleted(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/incidents/new",
        {"kind": "assassination", "perpetrator_state": "TJ"},
    )
    incident_id = at.rsplit("#incident-", 1)[1]
    form = ui_client.get(f"/ui/persons/{person_id}/documents/new")
    bad = ui_client.post(
        f"/ui/persons/{person_id}/documents",
        data={"csrf": csrf_of(form.text), "title": "Report", "kind": "other", "dated": "2016-02-30"},
        files={"file": ("r.txt", b"text", "text/plain")},
    )
    assert bad.status_code == 422
    assert 'id="f-dated-error"' in bad.text
    assert 'value="Report"' in bad.text
    answer = ui_client.post(
        f"/ui/persons/{person_id}/documents",
        data={"csrf": csrf_of(form.text), "title": "Report", "kind": "other"},
        files={"file": ("r.txt", b"text", "text/plain")},
        follow_redirects=False,
    )
    document_id = answer.headers["location"].rsplit("#document-", 1)[1]
    edit = ui_client.get(f"/ui/documents/{document_id}/edit")
    assert f'value="{incident_id}"' in edit.text  # the records it may support, to tick
    answer = ui_client.post(
        f"/ui/documents/{document_id}/edit",
        data=_fields(edit.text) | {"records": incident_id},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert _api(ui_client, demo, f"/documents/{document_id}")["records"] == [incident_id]
    confirm = ui_client.get(f"/ui/documents/{document_id}/delete")
    ui_client.post(f"/ui/documents/{document_id}/delete", data=_fields(confirm.text))
    assert _api(ui_client, demo, f"/persons/{person_id}/documents")["items"] == []


def test_forms_answer_another_organisations_ids_as_unknown_ones(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    for url in (
        "/ui/notices/0f0e8c9e-0000-4000-8000-000000000000/edit",
        "/ui/things/x/edit",
        "/ui/detentions/x/do/fly",
    ):
        assert ui_client.get(url).status_code == 404
    assert re.search(r"Not found", ui_client.get("/ui/persons/nobody/notices/new").text)


def test_a_surrender_and_a_viewer_refused_on_every_record_form(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    at = _post(
        ui_client,
        f"/ui/persons/{person_id}/detentions/new",
        {"host_state": "TR", "requesting_state": "TJ", "detained_on": "2015-01"},
    )
    detention_id = at.rsplit("#detention-", 1)[1]
    seq = last_seq(db)
    _post(
        ui_client,
        f"/ui/detentions/{detention_id}/do/surrender",
        {"surrendered_on": "2015-03", "kind": "extradited"},
    )
    assert _api(ui_client, demo, f"/detentions/{detention_id}")["status"] == "surrendered"
    assert "detention.surrendered" in [e.action for e in audit_since(db, seq)]
    ui_client.cookies.clear()
    sign_in(ui_client, demo.tokens[Role.viewer])
    csrf = csrf_of(ui_client.get(f"/ui/persons/{person_id}").text)
    seq = last_seq(db)
    for url in (
        f"/ui/persons/{person_id}/notices/new",
        f"/ui/detentions/{detention_id}/edit",
        f"/ui/detentions/{detention_id}/delete",
        f"/ui/persons/{person_id}/documents/new",
    ):
        assert ui_client.get(url).status_code == 403, url
        assert ui_client.post(url, data={"csrf": csrf, "channel": "red_notice"}).status_code == 403, url
    assert not [e for e in audit_since(db, seq) if not e.action.endswith((".read", ".listed"))]
