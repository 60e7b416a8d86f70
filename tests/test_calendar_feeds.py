"""Calendar feeds: a secret url shown once, read by calendar apps without a token, names as initials."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import Headers, make_challenge, make_extradition, make_person, make_protection

TODAY = date.today()
NAME = "Dilshod Farrukhovich Namunov"


def _feed(client: TestClient, admin: Headers, **body: str) -> tuple[str, str]:
    response = client.post("/api/v1/calendar-feeds", json=body or None, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["url"].startswith("http")
    assert set(created) == {"id", "url", "names", "created_at"}
    parts = urlsplit(created["url"])
    return created["id"], parts.path + (f"?{parts.query}" if parts.query else "")


def _records(client: TestClient, editor: Headers) -> dict[str, str]:
    person = make_person(client, editor, name=NAME, aliases=["Дилшод Намунов"])
    pid = person["id"]
    c = make_challenge(client, editor, pid, kind="deletion", reference="CCF/2026/0042")
    for type_ in ("filed", "admissible"):
        client.post(
            f"/api/v1/challenges/{c['id']}/events", json={"type": type_, "on": "2026-03-31"}, headers=editor
        )
    p = make_protection(client, editor, pid, until=(TODAY + timedelta(days=20)).isoformat())
    e = make_extradition(
        client, editor, pid, requested_state="NL", decision="granted", decided_on="2026-10-31"
    )
    return {"person": pid, "challenge": c["id"], "protection": p["id"], "extradition": e["id"]}


def _events(body: bytes) -> list[icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def test_a_feed_lists_every_deadline_with_initials_only(client: TestClient, org_a: OrgTokens) -> None:
    ids = _records(client, org_a.editor)
    _, path = _feed(client, org_a.admin)
    first = client.get(path)  # no bearer token
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/calendar")
    events = _events(first.content)
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == 3
    ccf = next(e for e in events if "CCF/2026/0042" in str(e["SUMMARY"]))
    assert ccf.decoded("DTSTART") == date(2026, 12, 31)  # 31 March + 9 months
    assert "D. F. N." in str(ccf["SUMMARY"])
    echr = next(e for e in events if ids["extradition"] in str(e["UID"]))
    assert echr.decoded("DTSTART") == date(2027, 2, 28)  # 31 October + 4 months, clamped
    protection = next(e for e in events if ids["protection"] in str(e["UID"]))
    assert protection.decoded("DTSTART") == TODAY + timedelta(days=20)
    text = first.content.decode()
    for part in ("Dilshod", "Namunov", "Farrukhovich", "Дилшод"):
        assert part not in text
    assert client.get(path + "?names=full").content.decode().count("Namunov") == 0  # an initials feed
    again = _events(client.get(path).content)
    assert sorted(str(e["UID"]) for e in again) == sorted(by_uid)
    assert {str(e["UID"]): e.decoded("DTSTART") for e in again} == {
        u: e.decoded("DTSTART") for u, e in by_uid.items()
    }


def test_a_full_names_feed_shows_names_only_when_asked(client: TestClient, org_a: OrgTokens) -> None:
    _records(client, org_a.editor)
    _, path = _feed(client, org_a.admin, names="full")
    assert "Namunov" not in client.get(path).content.decode()
    full = _events(client.get(path, params={"names": "full"}).content)
    assert all(NAME in str(e["SUMMARY"]) for e in full)
    assert client.get(path, params={"names": "everything"}).status_code == 422


def test_revoked_unknown_and_foreign_feeds(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    feed_id, path = _feed(client, org_a.admin)
    listed = client.get("/api/v1/calendar-feeds", headers=org_a.admin).json()["items"]
    assert [f["id"] for f in listed] == [feed_id]
    assert "url" not in listed[0]
    assert client.delete(f"/api/v1/calendar-feeds/{feed_id}", headers=org_b.admin).status_code == 404
    assert client.get(path).status_code == 200
    assert client.delete(f"/api/v1/calendar-feeds/{feed_id}", headers=org_a.admin).status_code == 204
    gone = client.get(path)
    unknown = client.get("/calendar/cf_" + "x" * 43 + ".ics")
    assert gone.status_code == unknown.status_code == 404
    assert gone.content == unknown.content
    assert client.get("/api/v1/calendar-feeds", headers=org_a.admin).json()["items"][0]["revoked_at"]


def test_only_an_admin_manages_feeds_and_each_fetch_is_audited(client: TestClient, org_a: OrgTokens) -> None:
    assert client.post("/api/v1/calendar-feeds", json={}, headers=org_a.editor).status_code == 403
    assert client.get("/api/v1/calendar-feeds", headers=org_a.viewer).status_code == 403
    assert (
        client.post("/api/v1/calendar-feeds", json={"names": "nick"}, headers=org_a.admin).status_code == 422
    )
    feed_id, path = _feed(client, org_a.admin)
    client.get(path)
    client.get(path)
    entries = client.get("/api/v1/audit", headers=org_a.admin).json()["items"]
    fetches = [e for e in entries if e["action"] == "calendar_feed.fetched"]
    assert len(fetches) == 2
    assert all(
        e["actor"] == feed_id and e["object"] == {"kind": "calendar_feed", "id": feed_id} for e in fetches
    )


def test_another_organisations_deadlines_stay_out_of_a_feed(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    _records(client, org_b.editor)
    _, path = _feed(client, org_a.admin)
    assert _events(client.get(path).content) == []
