"""The record forms: a red notice, a detention and its release, a corrected release date, a document
supporting records, a CCF challenge marked admissible; each stored by the API's service, audited, and
followed by the flags and deadlines the API's writes bring."""

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.ui.conftest import Demo, audit_since, csrf_of, last_seq, sign_in


def _csrf(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _post(client: TestClient, url: str, data: dict[str, object]) -> str:
    """Post a form as the page shows it; the address the 303 leads to."""
    answer = client.post(
        url,
        data={"csrf": _csrf(client, url.replace("/documents", "/documents/new")), **data},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _new_person(client: TestClient, name: str = "Далер Каримов") -> str:
    location = _post(client, "/ui/persons/new", {"name": name, "nationalities": "TJ"})
    return re.match(r"/ui/persons/([\w-]+)", location).group(1)  # type: ignore[union-attr]


def _api(client: TestClient, demo: Demo, path: str) -> dict:  # type: ignore[type-arg]
    answer = client.get(f"/api/v1{path}", headers=demo.headers(Role.viewer))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_an_intake_through_the_forms(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = _new_person(ui_client)
    seq = last_seq(db)
    notice_at = _post(
        ui_client,
        f"/ui/persons/{person_id}/notices/new",
        {
            "channel": "red_notice",
            "requesting_state": "TJ",
            "issued_on": "2016-02-22",
            "status": "published",
            "charges-0-text": "Extremism (Art. 307)",
            "charges-1-text": "",
        },
    )
    assert notice_at.startswith(f"/ui/persons/{person_id}?done=created#notice-")
    notice_id = notice_at.rsplit("#notice-", 1)[1]
    notice = _api(ui_client, demo, f"/notices/{notice_id}")
    assert notice["channel"] == "red_notice"
    assert notice["charges"][0]["text"] == "Extremism (Art. 307)"

    detention_at = _post(
        ui_client,
        f"/ui/persons/{person_id}/detentions/new",
        {"host_state": "DE", "notice_id": notice_id, "detained_on": "2016-05-10"},
    )
    detention_id = detention_at.rsplit("#detention-", 1)[1]
    release = f"/ui/detentions/{detention_id}/do/release"
    assert release in client_page(ui_client, person_id)
    _post(
        ui_client,
        f"/ui/detentions/{detention_id}/do/release",
        {"released_on": "2016-06-01", "reason": "extradition_refused"},
    )
    assert release not in client_page(ui_client, person_id)  # released: no second release offered
    detention = _api(ui_client, demo, f"/detentions/{detention_id}")
    assert detention["status"] == "released"
    assert detention["custody_days"] == 22
    flags = {f["code"] for f in _api(ui_client, demo, f"/persons/{person_id}/flags")["items"]}
    assert "released_without_extradition" in flags

    # The release date corrected: the edit form carries the version it was read at.
    edit = ui_client.get(f"/ui/detentions/{detention_id}/edit")
    assert 'name="released_on" value="2016-06-01"' in edit.text
    answer = ui_client.post(
        f"/ui/detentions/{detention_id}/edit",
        data={**_fields(edit.text), "released_on": "2016-06-03"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert _api(ui_client, demo, f"/detentions/{detention_id}")["custody_days"] == 24

    # A court decision supporting the detention.
    answer = ui_client.post(
        f"/ui/persons/{person_id}/documents",
        data={
            "csrf": _csrf(ui_client, f"/ui/persons/{person_id}/documents/new"),
            "title": "Decision of the court",
            "kind": "court_decision",
            "dated": "2016-06-01",
            "records": [detention_id],
        },
        files={"file": ("decision.txt", b"The court refused extradition.", "text/plain")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    documents = _api(ui_client, demo, f"/persons/{person_id}/documents")["items"]
    assert documents[0]["records"] == [detention_id]

    # A CCF challenge, filed and declared admissible: its deadline follows.
    challenge_at = _post(
        ui_client,
        f"/ui/persons/{person_id}/challenges/new",
        {"forum": "ccf", "kind": "deletion", "notice_id": notice_id},
    )
    challenge_id = challenge_at.rsplit("#challenge-", 1)[1]
    _post(ui_client, f"/ui/challenges/{challenge_id}/do/event", {"type": "filed", "on": "2023-11-03"})
    _post(ui_client, f"/ui/challenges/{challenge_id}/do/event", {"type": "admissible", "on": "2024-01-15"})
    challenge = _api(ui_client, demo, f"/challenges/{challenge_id}")
    assert challenge["status"] == "admissible"
    assert challenge["deadline_on"] == "2024-10-15"
    actions = [e.action for e in audit_since(db, seq)]
    for action in (
        "notice.created",
        "detention.created",
        "detention.released",
        "detention.updated",
        "document.created",
        "challenge.created",
    ):
        assert action in actions, action


def client_page(client: TestClient, person_id: str) -> str:
    page = client.get(f"/ui/persons/{person_id}")
    assert page.status_code == 200
    return str(page.text)


def _fields(html: str) -> dict[str, str]:
    """The values of a form's text inputs and hidden fields, and its selected options, as a browser sends them."""
    data = dict(re.findall(r'<input type="(?:hidden|text)"[^>]* name="([^"]+)" value="([^"]*)"', html))
    data.update(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    return {k: v.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&") for k, v in data.items()}
