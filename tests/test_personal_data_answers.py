"""Every answer that shows persons' data is audited and counted in the daily quota, whatever the route or
method (issue 13 item 5): reads, searches, matches, writes that answer with the record, and PATCHes
that change nothing. Routes are read from the OpenAPI document, so a new route must be sorted here.
With the same calls: every POST that writes replays its first answer under an Idempotency-Key."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clients.interpol import InterpolClient
from app.deps import get_interpol
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.token import Role
from app.routers import ui_documents, ui_persons, ui_records, ui_watches
from app.services import quota
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_one_of_each
from tests.ui.conftest import csrf_of, plain_token, sign_in, with_ui

PATHS = create_app(Settings(_env_file=None, secret_key=SECRET)).openapi()["paths"]
ROUTES = {(m.upper(), p) for p, ops in PATHS.items() if p.startswith("/api/v1") for m in ops}
assert ROUTES, "no routes found: these tests would pass vacuously"

# Routes whose answers show no person's data, and why.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("DELETE", "/api/v1/persons/{person_id}"): "204: erasure answers with nothing",
    ("DELETE", "/api/v1/persons/{person_id}/protections/{protection_id}"): "204",
    ("DELETE", "/api/v1/incidents/{incident_id}"): "204",
    ("DELETE", "/api/v1/notices/{notice_id}"): "204",
    ("DELETE", "/api/v1/notices/{notice_id}/status/latest"): "204",
    ("DELETE", "/api/v1/detentions/{detention_id}"): "204",
    ("DELETE", "/api/v1/extraditions/{extradition_id}"): "204",
    ("DELETE", "/api/v1/challenges/{challenge_id}"): "204",
    ("DELETE", "/api/v1/challenges/{challenge_id}/events/latest"): "204",
    ("GET", "/api/v1/states"): "pooled figures across organisations",
    ("GET", "/api/v1/states/{state}"): "pooled figures; evidence is ids of the caller's own persons, no data",
    ("GET", "/api/v1/states/{state}/hosts"): "pooled figures",
    ("POST", "/api/v1/tokens"): "tokens",
    ("GET", "/api/v1/tokens"): "tokens",
    ("DELETE", "/api/v1/tokens/{token_id}"): "204",
    ("POST", "/api/v1/webhooks"): "an endpoint",
    ("GET", "/api/v1/webhooks"): "endpoints",
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): "delivery statuses, no payloads",
    ("GET", "/api/v1/deadlines"): "dates, legal bases and record ids; summaries name no one",
    ("POST", "/api/v1/calendar-feeds"): "a feed address",
    ("GET", "/api/v1/calendar-feeds"): "feed ids and settings",
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}"): "204",
    ("POST", "/api/v1/persons/{person_id}/watch"): "a schedule, dates, and INTERPOL notice ids; no names",
    ("GET", "/api/v1/persons/{person_id}/watch"): "a schedule, dates, and INTERPOL notice ids; no names",
    ("DELETE", "/api/v1/persons/{person_id}/watch"): "204",
    ("GET", "/api/v1/watches"): "person ids, schedules, dates, and INTERPOL notice ids; no names",
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): "204",
    ("GET", "/api/v1/audit"): "ids and actions only",
    ("GET", "/api/v1/audit/verify"): "a count",
    ("DELETE", "/api/v1/documents/{document_id}"): "204",
    ("POST", "/api/v1/persons/{person_id}/documents"): "multipart: tests/test_documents.py shows the upload "
    "audited and counted once; an Idempotency-Key is not honoured on it (the body is never held whole)",
    ("POST", "/api/v1/imports/csv"): "counts, row problems and the ids of matching persons; multipart, so "
    "tests/test_sheet_import.py shows it audited and counted once a call, like /match",
    ("POST", "/api/v1/screenings"): "counts, the dataset's name and the ids of persons hit with scores; "
    "multipart, so tests/test_screenings.py shows it audited and counted once a call, like /match",
}


@dataclass
class Call:
    """One request, given the ids of one record of every kind."""

    path: str
    body: Callable[[dict[str, str]], dict[str, Any]] | None = None
    params: dict[str, str] = field(default_factory=dict)
    if_match: bool = False


CALLS: dict[tuple[str, str], dict[str, Call]] = {
    ("POST", "/api/v1/persons"): {"create": Call("/api/v1/persons", lambda _: {"name": "Aziz Yusupov"})},
    ("GET", "/api/v1/persons"): {
        "list": Call("/api/v1/persons"),
        "search": Call("/api/v1/persons", params={"q": "Namunov"}),
    },
    ("GET", "/api/v1/persons/{person_id}"): {"read": Call("/api/v1/persons/{person_id}")},
    ("PATCH", "/api/v1/persons/{person_id}"): {
        "change": Call("/api/v1/persons/{person_id}", lambda _: {"notes": "moved"}, if_match=True),
        "empty": Call("/api/v1/persons/{person_id}", lambda _: {}, if_match=True),
    },
    ("GET", "/api/v1/persons/{person_id}/history"): {"read": Call("/api/v1/persons/{person_id}/history")},
    ("GET", "/api/v1/persons/{person_id}/flags"): {"read": Call("/api/v1/persons/{person_id}/flags")},
    ("GET", "/api/v1/persons/{person_id}/dossier"): {
        "json": Call("/api/v1/persons/{person_id}/dossier"),
        "markdown": Call("/api/v1/persons/{person_id}/dossier", params={"format": "markdown"}),
    },
    ("POST", "/api/v1/persons/{person_id}/protections"): {
        "create": Call(
            "/api/v1/persons/{person_id}/protections",
            lambda _: {"kind": "humanitarian", "host_state": "FR", "against_state": "TJ"},
        )
    },
    ("GET", "/api/v1/persons/{person_id}/protections"): {
        "list": Call("/api/v1/persons/{person_id}/protections")
    },
    ("GET", "/api/v1/persons/{person_id}/protections/{protection_id}"): {
        "read": Call("/api/v1/persons/{person_id}/protections/{protection_id}")
    },
    ("PATCH", "/api/v1/persons/{person_id}/protections/{protection_id}"): {
        "change": Call(
            "/api/v1/persons/{person_id}/protections/{protection_id}",
            lambda _: {"until": "2030"},
            if_match=True,
        ),
        "empty": Call("/api/v1/persons/{person_id}/protections/{protection_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/notices"): {
        "create": Call(
            "/api/v1/notices",
            lambda ids: {"person_id": ids["person_id"], "channel": "diffusion", "requesting_state": "RU"},
        )
    },
    ("GET", "/api/v1/notices"): {"list": Call("/api/v1/notices")},
    ("GET", "/api/v1/notices/{notice_id}"): {"read": Call("/api/v1/notices/{notice_id}")},
    ("PATCH", "/api/v1/notices/{notice_id}"): {
        "change": Call("/api/v1/notices/{notice_id}", lambda _: {"note": "x"}, if_match=True),
        "empty": Call("/api/v1/notices/{notice_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/notices/{notice_id}/status"): {
        "append": Call("/api/v1/notices/{notice_id}/status", lambda _: {"status": "deleted", "on": "2020"})
    },
    ("POST", "/api/v1/detentions"): {
        "create": Call(
            "/api/v1/detentions",
            lambda ids: {
                "person_id": ids["person_id"],
                "host_state": "AE",
                "requesting_state": "TJ",
                "detained_on": "2019",
            },
        )
    },
    ("GET", "/api/v1/detentions"): {"list": Call("/api/v1/detentions")},
    ("GET", "/api/v1/detentions/{detention_id}"): {"read": Call("/api/v1/detentions/{detention_id}")},
    ("PATCH", "/api/v1/detentions/{detention_id}"): {
        "change": Call("/api/v1/detentions/{detention_id}", lambda _: {"place": "x"}, if_match=True),
        "empty": Call("/api/v1/detentions/{detention_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/detentions/{detention_id}/release"): {
        "release": Call(
            "/api/v1/detentions/{detention_id}/release", lambda _: {"released_on": "2020", "reason": "bail"}
        )
    },
    ("POST", "/api/v1/detentions/{detention_id}/surrender"): {
        "surrender": Call(
            "/api/v1/detentions/{detention_id}/surrender",
            lambda _: {"surrendered_on": "2020", "kind": "extradited"},
        )
    },
    ("POST", "/api/v1/extraditions"): {
        "create": Call(
            "/api/v1/extraditions",
            lambda ids: {"person_id": ids["person_id"], "requesting_state": "TJ", "requested_state": "DE"},
        )
    },
    ("GET", "/api/v1/extraditions"): {"list": Call("/api/v1/extraditions")},
    ("GET", "/api/v1/extraditions/{extradition_id}"): {"read": Call("/api/v1/extraditions/{extradition_id}")},
    ("PATCH", "/api/v1/extraditions/{extradition_id}"): {
        "change": Call("/api/v1/extraditions/{extradition_id}", lambda _: {"court": "x"}, if_match=True),
        "empty": Call("/api/v1/extraditions/{extradition_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/incidents"): {
        "create": Call(
            "/api/v1/incidents",
            lambda ids: {"person_id": ids["person_id"], "kind": "surveillance", "perpetrator_state": "TJ"},
        )
    },
    ("GET", "/api/v1/incidents"): {"list": Call("/api/v1/incidents")},
    ("GET", "/api/v1/incidents/{incident_id}"): {"read": Call("/api/v1/incidents/{incident_id}")},
    ("PATCH", "/api/v1/incidents/{incident_id}"): {
        "change": Call("/api/v1/incidents/{incident_id}", lambda _: {"certainty": "alleged"}, if_match=True),
        "empty": Call("/api/v1/incidents/{incident_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/challenges"): {
        "create": Call(
            "/api/v1/challenges",
            lambda ids: {"person_id": ids["person_id"], "forum": "ccf", "kind": "access"},
        )
    },
    ("GET", "/api/v1/challenges"): {"list": Call("/api/v1/challenges")},
    ("GET", "/api/v1/challenges/{challenge_id}"): {"read": Call("/api/v1/challenges/{challenge_id}")},
    ("PATCH", "/api/v1/challenges/{challenge_id}"): {
        "change": Call("/api/v1/challenges/{challenge_id}", lambda _: {"reference": "x"}, if_match=True),
        "empty": Call("/api/v1/challenges/{challenge_id}", lambda _: {}, if_match=True),
    },
    ("POST", "/api/v1/challenges/{challenge_id}/events"): {
        "event": Call(
            "/api/v1/challenges/{challenge_id}/events", lambda _: {"type": "filed", "on": "2023-11-03"}
        )
    },
    ("POST", "/api/v1/match"): {
        "match": Call("/api/v1/match", lambda _: {"queries": [{"name": "Farrukh Namunov"}]})
    },
    ("GET", "/api/v1/interpol/red-notices"): {
        "search": Call("/api/v1/interpol/red-notices", params={"name": "Namunov"})
    },
    ("POST", "/api/v1/persons/{person_id}/interpol-checks"): {
        "check": Call("/api/v1/persons/{person_id}/interpol-checks")
    },
    ("GET", "/api/v1/persons/{person_id}/interpol-checks"): {
        "list": Call("/api/v1/persons/{person_id}/interpol-checks")
    },
    ("GET", "/api/v1/persons/{person_id}/documents"): {"list": Call("/api/v1/persons/{person_id}/documents")},
    ("GET", "/api/v1/documents/{document_id}"): {"read": Call("/api/v1/documents/{document_id}")},
    ("GET", "/api/v1/documents/{document_id}/content"): {
        "bytes": Call("/api/v1/documents/{document_id}/content")
    },
    ("PATCH", "/api/v1/documents/{document_id}"): {
        "change": Call("/api/v1/documents/{document_id}", lambda _: {"language": "tg"}, if_match=True),
        "empty": Call("/api/v1/documents/{document_id}", lambda _: {}, if_match=True),
    },
}
CASES = sorted((route, variant) for route, variants in CALLS.items() for variant in variants)
WRITES = [(route, variant) for route, variant in CASES if route[0] == "POST" and route[1] != "/api/v1/match"]


def test_every_route_is_sorted() -> None:
    assert not set(CALLS) & set(NOT_PERSONAL)
    assert ROUTES - set(CALLS) - set(NOT_PERSONAL) == set(), "say how to call it, or why it shows no data"
    assert set(CALLS) | set(NOT_PERSONAL) <= ROUTES, "a route here no longer exists"


@pytest.fixture
def no_red_notices(app: FastAPI) -> Iterator[None]:
    """INTERPOL, faked at the transport: no public notice matches."""
    empty = httpx.MockTransport(
        lambda _: httpx.Response(200, json={"total": 0, "_embedded": {"notices": []}})
    )
    http = httpx.Client(transport=empty, base_url="https://interpol.test")
    app.dependency_overrides[get_interpol] = lambda: InterpolClient(http, pauses_s=())
    yield
    app.dependency_overrides.clear()
    http.close()


@pytest.fixture
def ids(client: TestClient, org_a: OrgTokens, no_red_notices: None) -> dict[str, str]:
    """One record of every kind, in organisation A."""
    return make_one_of_each(client, org_a.editor)


def _count(db: sa.Engine, token_id: str) -> tuple[int, list[AuditEntry]]:
    with Session(db) as session:
        entries = list(
            session.exec(select(AuditEntry).where(AuditEntry.actor == token_id).order_by(col(AuditEntry.seq)))
        )
        return quota.reads_today(session, token_id=token_id, now=utcnow()), entries


def _send(
    client: TestClient, headers: dict[str, str], ids: dict[str, str], route: tuple[str, str], variant: str
) -> httpx.Response:
    call = CALLS[route][variant]
    answer: httpx.Response = client.request(
        route[0],
        re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], call.path),
        params=call.params,
        json=call.body(ids) if call.body else None,
        headers={**headers, **({"If-Match": '"1"'} if call.if_match else {})},
    )
    return answer


@pytest.mark.parametrize(
    ("route", "variant"), CASES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_each_answer_with_personal_data_is_audited_and_counted(
    client: TestClient,
    org_a: OrgTokens,
    ids: dict[str, str],
    db: sa.Engine,
    route: tuple[str, str],
    variant: str,
) -> None:
    token_id = org_a.token_ids[Role.editor]
    counted_before, entries_before = _count(db, token_id)
    answer = _send(client, org_a.editor, ids, route, variant)
    assert 200 <= answer.status_code < 300, answer.text
    counted_after, entries_after = _count(db, token_id)
    new = [e.action for e in entries_after[len(entries_before) :]]
    assert new, "the answer shows persons' data: it must be audited"
    assert counted_after == counted_before + 1, new


def test_an_empty_patch_is_refused_past_the_quota(
    settings: Settings, org_a: OrgTokens, ids: dict[str, str], db: sa.Engine
) -> None:
    """The empty PATCH of the issue: a read like any other, so the quota stops it too."""
    token_id = org_a.token_ids[Role.editor]
    used, _ = _count(db, token_id)  # making the records counted
    app = create_app(settings.model_copy(update={"daily_read_quota": used + 2}))
    with TestClient(app) as client:
        url = f"/api/v1/persons/{ids['person_id']}"
        headers = {**org_a.editor, "If-Match": '"1"'}
        answers = [client.patch(url, json={}, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json()["name"] == "Farrukh Namunov"
    assert "Farrukh" not in answers[2].text
    _, entries = _count(db, token_id)
    assert [e.action for e in entries[-3:]] == ["person.read", "person.read", "quota.exceeded"]


@pytest.mark.parametrize(
    ("route", "variant"), WRITES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_each_post_that_writes_replays_its_first_answer(
    client: TestClient, org_a: OrgTokens, ids: dict[str, str], route: tuple[str, str], variant: str
) -> None:
    headers = {**org_a.editor, "Idempotency-Key": f"{route[1]} {variant}"}
    first = _send(client, headers, ids, route, variant)
    again = _send(client, headers, ids, route, variant)
    assert 200 <= first.status_code < 300, first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers.get("etag") == first.headers.get("etag")
    assert again.headers["idempotent-replayed"] == "true"


# --- the web interface's forms ----------------------------------------------------------------------------
# Not in the OpenAPI document. Each form shows or writes persons' data through the service call of the API
# route it stands for, so it is audited (and counted) as that call: how, for each.
UI_FORMS: dict[tuple[str, str], str] = {
    ("GET", "/ui/persons/new"): "an empty form; a search for relatives is GET /persons?q= (person.listed)",
    ("POST", "/ui/persons/new"): "POST /persons: person.created (a search for relatives as above)",
    ("GET", "/ui/persons/{person_id}/edit"): "GET /persons/{id}: person.read",
    ("POST", "/ui/persons/{person_id}/edit"): "PATCH /persons/{id}: person.read, then person.updated",
    ("GET", "/ui/persons/{person_id}/erase"): "GET /persons/{id}: person.read (the name asked about)",
    ("POST", "/ui/persons/{person_id}/erase"): "DELETE /persons/{id}: person.erased; answers a redirect",
    ("GET", "/ui/persons/{person_id}/documents/new"): "person.read and the lists of the person's records",
    ("POST", "/ui/persons/{person_id}/documents"): "POST …/documents: document.created",
    ("GET", "/ui/persons/{person_id}/watch/new"): "GET /persons/{id}: person.read (the name)",
    (
        "POST",
        "/ui/persons/{person_id}/watch/new",
    ): "POST …/watch: no data in the answer but a redirect; person.read",
    ("GET", "/ui/persons/{person_id}/watch/delete"): "GET /persons/{id}: person.read (the name asked about)",
    ("POST", "/ui/persons/{person_id}/watch/delete"): "DELETE …/watch; answers a redirect",
    ("GET", "/ui/persons/{person_id}/{plural}/new"): "person.read and the lists of records it may name",
    ("POST", "/ui/persons/{person_id}/{plural}/new"): "the kind's POST: <kind>.created",
    ("GET", "/ui/{plural}/{record_id}/edit"): "the kind's GET: <kind>.read, person.read",
    ("POST", "/ui/{plural}/{record_id}/edit"): "the kind's PATCH: <kind>.read, then <kind>.updated",
    ("GET", "/ui/{plural}/{record_id}/do/{action}"): "the kind's GET: <kind>.read, person.read",
    ("POST", "/ui/{plural}/{record_id}/do/{action}"): "the action's POST (detention.released, …)",
    ("GET", "/ui/{plural}/{record_id}/delete"): "the kind's GET: <kind>.read (no data shown but its id)",
    ("POST", "/ui/{plural}/{record_id}/delete"): "the kind's DELETE: <kind>.deleted; answers a redirect",
    ("GET", "/ui/{plural}/{record_id}/undo/{what}"): "the kind's GET: <kind>.read",
    ("POST", "/ui/{plural}/{record_id}/undo/{what}"): "the kind's DELETE …/latest; answers a redirect",
}


def test_every_form_route_is_sorted() -> None:
    routes = {
        (method, "/ui" + route.path)
        for module in (ui_persons, ui_records, ui_documents, ui_watches)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    assert routes == set(UI_FORMS), "say how each form is audited"


def test_a_form_page_and_its_save_are_audited_as_the_api_calls(
    app: FastAPI, org_a: OrgTokens, ids: dict[str, str], db: sa.Engine
) -> None:
    token_id = org_a.token_ids[Role.editor]
    with TestClient(with_ui(app), base_url="https://testserver") as ui:
        sign_in(ui, plain_token(org_a, Role.editor))
        _, before = _count(db, token_id)
        form = ui.get(f"/ui/detentions/{ids['detention_id']}/edit")
        assert form.status_code == 200
        _, after = _count(db, token_id)
        shown = {e.action for e in after[len(before) :]}
        assert {"detention.read", "person.read"} <= shown
        saved = ui.post(
            f"/ui/detentions/{ids['detention_id']}/edit",
            data={"csrf": csrf_of(form.text), "version": "1", "place": "Frankfurt"},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
        _, written = _count(db, token_id)
        assert "detention.updated" in {e.action for e in written[len(after) :]}
