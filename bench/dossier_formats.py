"""Time of GET /api/v1/persons/{id}/dossier in each format for a person with 200 dated events.

Usage:
    .venv/bin/python bench/dossier_formats.py [--requests 20]

Builds a fresh SQLite database under bench/out/ with one person of 200 dated events (notices with a
status change, detentions and releases, extradition proceedings, incidents, a challenge, each with a
note and two sources), starts uvicorn on it (one worker), and times sequential requests per format
over one keep-alive connection: p50 and p95 of JSON, Markdown, PDF and Word.
Targets: JSON under 100 ms; PDF and Word under 1 s.
"""

import argparse
import secrets
import statistics
import time

import httpx
from benchlib import OUT, Server, fresh_sqlite, machine_load, mint_token, ms, percentile

from app.models.token import Role

TARGETS = {"json": 0.100, "pdf": 1.0, "docx": 1.0}
FORMATS = {
    "json": "application/json",
    "markdown": "text/markdown",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def person_with_200_events(http: httpx.Client, headers: dict[str, str]) -> str:
    """40 notices (issued + one status change: 80 events), 30 detentions with release (60), 20
    extraditions opened and decided (40), 18 incidents (20)."""
    person = http.post(
        "/api/v1/persons",
        json={
            "name": "Bench Person",
            "aliases": ["Бенч Персон"],
            "nationalities": ["TJ"],
            "categories": ["opposition"],
        },
        headers=headers,
    ).json()["id"]
    sources = ["https://example.org/report", "Court ruling, p. 4"]
    notice_ids = []
    for n in range(40):
        year = 2000 + n % 24
        notice = http.post(
            "/api/v1/notices",
            json={
                "person_id": person,
                "channel": "red_notice",
                "requesting_state": "TJ",
                "issued_on": f"{year}-03-01",
                "status": "published",
                "note": f"Notice note {n}",
                "charges": [{"text": "Extremism", "category": "extremism"}],
                "sources": sources,
            },
            headers=headers,
        ).json()
        notice_ids.append(notice["id"])
        http.post(
            f"/api/v1/notices/{notice['id']}/status",
            json={"status": "deleted", "on": f"{year}-09-01", "actor": "ccf", "reason": "article_3"},
            headers=headers,
        ).raise_for_status()
    for n in range(30):
        year = 2000 + n % 24
        detention = http.post(
            "/api/v1/detentions",
            json={
                "person_id": person,
                "host_state": "TR",
                "requesting_state": "TJ",
                "detained_on": f"{year}-04-02",
                "basis": "red_notice",
                "note": f"Detention note {n}",
                "sources": sources,
            },
            headers=headers,
        ).json()
        http.post(
            f"/api/v1/detentions/{detention['id']}/release",
            json={"released_on": f"{year}-05-02", "reason": "extradition_refused"},
            headers=headers,
        ).raise_for_status()
    for n in range(20):
        year = 2000 + n % 24
        http.post(
            "/api/v1/extraditions",
            json={
                "person_id": person,
                "requesting_state": "TJ",
                "requested_state": "TR",
                "opened_on": f"{year}-04-10",
                "decision": "refused",
                "decided_on": f"{year}-05-01",
                "grounds": ["political_offence"],
                "court": "Istanbul court",
                "sources": sources,
            },
            headers=headers,
        ).raise_for_status()
    for n in range(20):
        http.post(
            "/api/v1/incidents",
            json={
                "person_id": person,
                "kind": "family_intimidation",
                "perpetrator_state": "TJ",
                "occurred_on": f"{2000 + n}-06-01",
                "certainty": "reported",
                "sources": sources,
            },
            headers=headers,
        ).raise_for_status()
    return str(person)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--save", action="store_true", help="also write the JSON dossier to bench/out/dossier200.json"
    )
    args = parser.parse_args()
    print(machine_load())
    key = secrets.token_urlsafe(48)
    url = fresh_sqlite(OUT / "dossier.db", key)
    editor = mint_token(url, key, org="bench", role=Role.editor, create_org=True)
    with (
        Server(url, key, log=OUT / "dossier_server.log") as server,
        httpx.Client(base_url=server.base, timeout=60) as http,
    ):
        headers = {"Authorization": f"Bearer {editor}"}
        person = person_with_200_events(http, headers)
        events = len(http.get(f"/api/v1/persons/{person}/history", headers=headers).json()["events"])
        print(f"person with {events} dated events")
        if args.save:
            (OUT / "dossier200.json").write_bytes(
                http.get(f"/api/v1/persons/{person}/dossier", headers=headers).content
            )
        for name, accept in FORMATS.items():
            times, size = [], 0
            for _ in range(args.requests + 2):  # two warm-up requests, not counted
                started = time.perf_counter()
                response = http.get(
                    f"/api/v1/persons/{person}/dossier", headers={**headers, "Accept": accept}
                )
                times.append(time.perf_counter() - started)
                response.raise_for_status()
                size = len(response.content)
            times = times[2:]
            target = TARGETS.get(name)
            verdict = f" (target < {ms(target)})" if target else ""
            print(
                f"{name:9} p50 {ms(statistics.median(times))}  p95 {ms(percentile(times, 95))}  "
                f"{size / 1024:.0f} KiB{verdict}"
            )


if __name__ == "__main__":
    main()
