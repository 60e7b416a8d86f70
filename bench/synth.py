"""Fills a fresh database with 100,000 persons and 1,000,000 records of realistic shape (or `--scale` times
that), fast.

Usage:
    .venv/bin/python bench/synth.py bench/out/synth.db [--scale 1] [--persons N] [--records N]
        [--seed 7] [--secret-key KEY] [--force]
    nice -n 10 .venv/bin/python bench/synth.py postgresql+psycopg://postgres@127.0.0.1:5432/a3_tenfold --scale 10

The target is a SQLite file path or any SQLAlchemy URL. The schema comes from the real migrations
(`app.migrate.upgrade`); rows go in through SQLAlchemy Core `insert()` on the real table objects
(`Person.__table__`…), in big executemany batches, one transaction per chunk of persons, so every value
passes the app's own column types (fuzzy dates, JSON lists, enums, UTC timestamps) and personal data
is encrypted at rest (AES-256-GCM) with the field keys of the same secret key, as the app writes it.
On PostgreSQL the rows go in by `COPY … FROM STDIN` instead (`--no-copy`: the insert() batches), each
value through the same column types first; the bulk tables' secondary indexes and foreign keys are
dropped for the load and built once after it, and the database ends with `VACUUM (ANALYZE)`.

"Records" are every row about persons other than the person row itself: notices, charges, status
changes, detentions, extraditions, incidents, protections, relations and affiliation keys. Charges
fill whatever the other tables leave, so the total is exactly `--records`.

The organisations (one of them `bench`) and the `bench` admin token are made through the app's own
services, so their audit entries chain correctly; the token goes to bench/out/token.txt. One person of
`bench` gets exactly 200 dated history events; its id is printed and saved in bench/out/synth.json.
For SQLite the secret key is also written beside the database as `<file>.key` (where the app looks
for it); for any database it is printed as an `export ARTICLE3_SECRET_KEY=…` line and saved in
bench/out/secret_key.txt. The derived indicator tables are built last, by the app's own
`flag.ensure_built` (what a start-up on a database without them would do).
"""

import argparse
import json
import os
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

import names  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from benchlib import write_private  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app import migrate  # noqa: E402
from app.db import make_engine, unit_of_work  # noqa: E402
from app.keyring import Keyring  # noqa: E402
from app.models import (  # noqa: E402
    AuditHead,
    Charge,
    Detention,
    Extradition,
    Incident,
    Notice,
    NoticeStatusChange,
    Person,
    PersonAffiliation,
    PersonRelation,
    Protection,
)
from app.models.flag import GroupMemberNotice, PersonFlag, PersonState  # noqa: E402
from app.models.token import Role, TokenCreate  # noqa: E402
from app.services import flag as flag_service  # noqa: E402
from app.services import flag_upkeep  # noqa: E402
from app.services import history as history_service  # noqa: E402
from app.services import org as org_service  # noqa: E402
from app.services import token as token_service  # noqa: E402

ORGS = {  # name: share of the persons
    "bench": 40,
    "Helsinki Refugee Lawyers": 18,
    "Exile Defence Network": 14,
    "Caspian Rights Centre": 12,
    "Gulf Detainees Project": 9,
    "Uyghur Legal Aid": 7,
}
# Insert order: parents before children (PostgreSQL checks foreign keys on every row).
TABLES: list[sa.Table] = [
    Person.__table__,  # type: ignore[list-item]
    PersonAffiliation.__table__,  # type: ignore[list-item]
    PersonRelation.__table__,  # type: ignore[list-item]
    Notice.__table__,  # type: ignore[list-item]
    Charge.__table__,  # type: ignore[list-item]
    NoticeStatusChange.__table__,  # type: ignore[list-item]
    Detention.__table__,  # type: ignore[list-item]
    Extradition.__table__,  # type: ignore[list-item]
    Incident.__table__,  # type: ignore[list-item]
    Protection.__table__,  # type: ignore[list-item]
]
RECORD_TABLES = [t.name for t in TABLES if t.name != "person"]
DERIVED_TABLES: list[sa.Table] = [  # kept by app.services.flag, not generated here
    PersonState.__table__,  # type: ignore[list-item]
    PersonFlag.__table__,  # type: ignore[list-item]
    GroupMemberNotice.__table__,  # type: ignore[list-item]
]
HISTORY_EVENTS = 200

# ---- weights -------------------------------------------------------------------------------------------

OTHER_REQUESTERS = {
    "TJ": 14,
    "RU": 14,
    "UZ": 9,
    "TR": 12,
    "KZ": 6,
    "BY": 5,
    "CN": 5,
    "AZ": 4,
    "BH": 3,
    "EG": 3,
    "KG": 2,
    "TM": 2,
    "IR": 2,
    "SA": 2,
    "AE": 1,
    "RW": 1,
    "VE": 1,
}
CIS = {"TJ", "RU", "UZ", "KZ", "BY", "KG", "TM", "AZ"}
CHANNELS = {
    "red_notice": 46,
    "diffusion": 24,
    "national_warrant": 10,
    "bilateral_request": 6,
    "cis_wanted_list": 7,
    "blue_notice": 3,
    "sltd_passport": 4,
}
HOSTS = {
    "TR": 14,
    "UA": 6,
    "RU": 8,
    "DE": 7,
    "FR": 5,
    "PL": 6,
    "ES": 4,
    "IT": 4,
    "CZ": 3,
    "AE": 5,
    "TH": 3,
    "GR": 3,
    "BG": 3,
    "RS": 3,
    "ME": 2,
    "LT": 3,
    "LV": 2,
    "SE": 2,
    "NL": 3,
    "BE": 2,
    "AT": 2,
    "KZ": 3,
    "CY": 2,
    "GE": 3,
    "AM": 2,
    "MA": 2,
    "US": 2,
    "RO": 2,
    "SA": 1,
    "QA": 1,
}
ASYLUM_HOSTS = {
    "DE": 14,
    "FR": 9,
    "NL": 6,
    "SE": 6,
    "PL": 6,
    "LT": 5,
    "US": 6,
    "GB": 7,
    "CZ": 3,
    "AT": 4,
    "BE": 4,
    "NO": 3,
    "FI": 3,
    "CH": 3,
    "CA": 3,
    "TR": 4,
    "UA": 2,
    "AU": 2,
}
CATEGORIES = {
    "opposition": 30,
    "activist": 18,
    "journalist": 12,
    "religious": 14,
    "businessperson": 10,
    "former_insider": 5,
    "relative": 8,
    "other": 3,
}
CHARGES: dict[str, tuple[str, ...]] = {
    "terrorism": (
        "Participation in a terrorist organisation",
        "Участие в деятельности террористической организации",
        "Financing of terrorism",
        "Terör örgütü üyeliği",
    ),
    "extremism": (
        "Calls to overthrow the constitutional order",
        "Публичные призывы к осуществлению экстремистской деятельности",
        "Membership of an extremist organisation",
        "Организация деятельности экстремистской организации",
    ),
    "separatism": ("Calls for violation of territorial integrity", "Призывы к сепаратизму"),
    "public_order": ("Organisation of mass riots", "Участие в массовых беспорядках", "Hooliganism"),
    "speech": (
        "Insulting the President",
        "Dissemination of knowingly false information",
        "Распространение заведомо ложной информации",
        "Cumhurbaşkanına hakaret",
    ),
    "economic": (
        "Large-scale fraud",
        "Мошенничество в особо крупном размере",
        "Embezzlement of state funds",
        "Tax evasion",
        "Money laundering",
    ),
    "violent": ("Murder", "Attempted murder", "Убийство", "Kidnapping"),
    "drugs": ("Drug trafficking", "Незаконный оборот наркотических средств"),
    "property": ("Theft", "Кража", "Robbery"),
    "other": ("Illegal border crossing", "Forgery of documents", "Незаконное пересечение границы"),
}
CHARGE_WEIGHTS = {
    "terrorism": 14,
    "extremism": 24,
    "separatism": 4,
    "public_order": 8,
    "speech": 8,
    "economic": 22,
    "violent": 6,
    "drugs": 3,
    "property": 4,
    "other": 7,
}
NEXT_STATUS = {  # status history as a walk: where a notice goes next from each status
    "requested": {"published": 70, "refused": 25, "withdrawn": 5},
    "published": {
        "deleted": 30,
        "blocked": 20,
        "cancelled": 20,
        "withdrawn": 10,
        "refused": 10,
        "unknown": 10,
    },
    "blocked": {"deleted": 55, "reinstated": 45},
    "reinstated": {"deleted": 50, "cancelled": 30, "blocked": 20},
    "unknown": {"published": 50, "deleted": 50},
    "refused": {"reinstated": 100},
    "deleted": {"reinstated": 100},
    "cancelled": {"reinstated": 100},
    "withdrawn": {"requested": 100},
}
STATUS_ACTORS = {
    "requested": ("requesting_state",),
    "published": ("general_secretariat",),
    "refused": ("general_secretariat", "general_secretariat", "ccf"),
    "blocked": ("general_secretariat", "ccf"),
    "deleted": ("ccf", "ccf", "general_secretariat", "court"),
    "cancelled": ("requesting_state", "general_secretariat"),
    "withdrawn": ("requesting_state",),
    "reinstated": ("ccf", "general_secretariat"),
    "unknown": ("unknown",),
}
FINDING_REASONS = {"article_3": 45, "refugee_policy": 22, "article_2": 12, "article_83": 6, "other": 15}
RELEASE_REASONS = {
    "extradition_refused": 34,
    "bail": 14,
    "time_limit": 12,
    "asylum_granted": 10,
    "notice_deleted": 9,
    "court_order": 10,
    "insufficient_documents": 6,
    "other": 3,
    "unknown": 2,
}
GROUNDS = (
    "political_offence",
    "persecution_risk",
    "torture_risk",
    "fair_trial",
    "refugee_status",
    "insufficient_evidence",
    "dual_criminality",
    "no_treaty",
    "statute_of_limitations",
    "humanitarian",
    "other",
)
COURTS = (
    "Court of Cassation",
    "Court of Appeal",
    "Regional Court",
    "Supreme Court",
    "District Court",
    "Conseil d'État",
    "Higher Regional Court",
    "Ministry of Justice",
)
INCIDENTS = {
    "family_intimidation": 25,
    "surveillance": 14,
    "digital_threat": 14,
    "assault": 6,
    "abduction": 4,
    "rendition": 3,
    "enforced_disappearance": 2,
    "assassination": 1,
    "attempted_assassination": 2,
    "unlawful_deportation": 6,
    "passport_cancellation": 10,
    "other": 5,
}
INCIDENT_TEXT = {
    "family_intimidation": "Relatives summoned by the security services and told to bring the person home.",
    "surveillance": "Followed by men who identified themselves as embassy staff.",
    "digital_threat": "Threats sent over messaging apps after a public interview.",
    "assault": "Attacked near the person's home by unknown men.",
    "abduction": "Taken from the street; resurfaced in custody in the requesting state.",
    "rendition": "Handed over without any extradition proceeding.",
    "enforced_disappearance": "Whereabouts unknown since the arrest.",
    "assassination": "Killed; the host state's investigation points to the requesting state.",
    "attempted_assassination": "Survived a shooting; the suspect had travelled from the requesting state.",
    "unlawful_deportation": "Deported despite a pending asylum application.",
    "passport_cancellation": "Consulate refused to renew the passport and declared it invalid.",
    "other": "Pressure on employer and landlord.",
}
PROTECTIONS = {
    "refugee_status": 40,
    "asylum_applied": 25,
    "subsidiary_protection": 10,
    "humanitarian": 8,
    "citizenship": 7,
    "asylum_rejected": 10,
}
RELATIONS = {"sibling": 25, "spouse": 20, "parent": 15, "child": 15, "relative": 15, "associate": 10}


def weighted(table: dict[str, int]) -> Callable[[random.Random], str]:
    """A fast chooser over a weight table (cumulative weights, one random draw)."""
    keys = list(table)
    cumulative: list[int] = []
    total = 0
    for key in keys:
        total += table[key]
        cumulative.append(total)

    def pick(rng: random.Random) -> str:
        return rng.choices(keys, cum_weights=cumulative)[0]

    return pick


pick_requester = weighted(OTHER_REQUESTERS)
pick_channel = weighted(CHANNELS)
pick_host = weighted(HOSTS)
pick_asylum_host = weighted(ASYLUM_HOSTS)
pick_category = weighted(CATEGORIES)
pick_charge = weighted(CHARGE_WEIGHTS)
pick_finding = weighted(FINDING_REASONS)
pick_release = weighted(RELEASE_REASONS)
pick_incident = weighted(INCIDENTS)
pick_protection = weighted(PROTECTIONS)
pick_relation = weighted(RELATIONS)
pick_next = {status: weighted(choices) for status, choices in NEXT_STATUS.items()}

# ---- values --------------------------------------------------------------------------------------------

TODAY = date.today().toordinal()
NOW = datetime.now(UTC)


def fuzzy(day: int, precision: int) -> str:
    """A fuzzy date for the ordinal `day`: 0 = year, 1 = month, 2 = day."""
    d = date.fromordinal(day)
    if precision == 2:
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    if precision == 1:
        return f"{d.year:04d}-{d.month:02d}"
    return f"{d.year:04d}"


def bucket(roll: float, bounds: tuple[float, ...]) -> int:
    """The index of the first bound above `roll` (len(bounds) when none is): a small discrete distribution."""
    for index, bound in enumerate(bounds):
        if roll < bound:
            return index
    return len(bounds)


def first_day(text: str) -> int:
    parts = text.split("-")
    return date(
        int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1
    ).toordinal()


class Synth:
    """Generates the rows of one chunk of persons at a time; every choice comes from one seeded Random."""

    def __init__(self, rng: random.Random, org_ids: dict[str, str], keyring: Keyring) -> None:
        self.rng = rng
        self.orgs = list(org_ids.values())
        self.org_weights = list(ORGS.values())
        self.keyring = keyring
        self.groups = names.affiliation_groups(rng)
        self.group_states = list(self.groups)
        self.affiliation_keys: dict[str, str] = {}

    # -- small helpers

    def uid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def precision(self) -> int:
        roll = self.rng.random()
        return 2 if roll < 0.6 else 1 if roll < 0.85 else 0

    def after(self, not_before: int, day: int) -> tuple[str, int]:
        """A fuzzy date for `day` (≥ not_before) whose first day is not before `not_before`."""
        text = fuzzy(day, self.precision())
        start = first_day(text)
        if start < not_before:
            text, start = fuzzy(day, 2), day
        return text, start

    def stamp(self, not_before: datetime, spread_days: float = 60) -> datetime:
        moment = not_before + timedelta(seconds=self.rng.random() * spread_days * 86400)
        return moment if moment < NOW else NOW - timedelta(seconds=self.rng.random() * 3600)

    def affiliation_key(self, name: str) -> str:
        """Exactly `app.services.person.affiliation_key`, cached per spelling."""
        key = self.affiliation_keys.get(name)
        if key is None:
            key = self.keyring.blind_index("affiliation:" + " ".join(name.casefold().split()))
            self.affiliation_keys[name] = key
        return key

    # -- one chunk

    def chunk(
        self, count: int, *, special_org: str | None = None
    ) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        by_org: dict[str, list[str]] = {}
        special_id = None
        for i in range(count):
            if i == 0 and special_org is not None:
                special_id = self.special_person(rows, special_org)
                continue
            org = self.rng.choices(self.orgs, weights=self.org_weights)[0]
            person_id, home, created, residence = self.person(rows, org)
            self.relations(rows, person_id, org, by_org.setdefault(org, []))
            self.notices(rows, person_id, org, home, created)
            self.incidents(rows, person_id, org, home, created, residence)
        return rows, special_id

    def person(
        self, rows: dict[str, list[dict[str, Any]]], org: str
    ) -> tuple[str, str, datetime, str | None]:
        rng = self.rng
        person_id = self.uid()
        who = names.person_name(rng)
        home = who.nationality
        nationalities = [home]
        if rng.random() < 0.08:
            second = pick_asylum_host(rng)
            if second != home:
                nationalities.append(second)
        birth = None
        if rng.random() < 0.9:
            born = date(rng.randint(1950, 2003), 1, 1).toordinal() + rng.randrange(365)
            roll = rng.random()
            birth = fuzzy(born, 0 if roll < 0.5 else 1 if roll < 0.6 else 2)
        categories = sorted({pick_category(rng) for _ in range(1 if rng.random() < 0.7 else 2)})
        affiliation_count = bucket(rng.random(), (0.45, 0.8, 0.95))
        affiliations: list[str] = []
        for _ in range(affiliation_count):
            state = home if home in self.groups and rng.random() < 0.9 else rng.choice(self.group_states)
            affiliations.append(names.spelled_like_a_human(rng.choice(self.groups[state]), rng))
        for key in sorted({self.affiliation_key(a) for a in affiliations}):
            rows["person_affiliation"].append({"person_id": person_id, "key": key, "org_id": org})
        created = NOW - timedelta(days=rng.random() * 6 * 365)
        updated = created if rng.random() < 0.7 else self.stamp(created, 300)
        rows["person"].append(
            {
                "id": person_id,
                "org_id": org,
                "version": 1 if updated == created else rng.randint(2, 6),
                "created_at": created,
                "updated_at": updated,
                "name": who.name,
                "aliases": who.aliases,
                "birth_date": birth,
                "sex": who.sex,
                "nationalities": nationalities,
                "categories": categories,
                "affiliations": affiliations,
                "notes": None if rng.random() < 0.85 else "Family in the home country under pressure.",
                "sources": []
                if rng.random() < 0.6
                else [f"https://example.org/cases/{rng.randrange(10**6)}"],
            }
        )
        residence = self.protections(rows, person_id, org, home, created)
        return person_id, home, created, residence

    def relations(
        self, rows: dict[str, list[dict[str, Any]]], person_id: str, org: str, earlier: list[str]
    ) -> None:
        if earlier and self.rng.random() < 0.15:
            rows["person_relation"].append(
                {
                    "person_id": person_id,
                    "related_id": self.rng.choice(earlier),
                    "org_id": org,
                    "relation": pick_relation(self.rng),
                }
            )
        earlier.append(person_id)

    def protections(
        self, rows: dict[str, list[dict[str, Any]]], person_id: str, org: str, home: str, created: datetime
    ) -> str | None:
        rng = self.rng
        count = bucket(rng.random(), (0.35, 0.85, 0.97))
        host = None
        for _ in range(count):
            host = pick_asylum_host(rng)
            if host == home:
                host = "DE"
            since_day = TODAY - rng.randrange(30, 18 * 365)
            since = fuzzy(since_day, self.precision()) if rng.random() < 0.9 else None
            until = None
            if since is not None and rng.random() < 0.1:
                until, _ = self.after(first_day(since), min(TODAY, since_day + rng.randrange(200, 3000)))
            rows["protection"].append(
                self.versioned(
                    created,
                    {
                        "person_id": person_id,
                        "org_id": org,
                        "kind": pick_protection(rng),
                        "host_state": host,
                        "against_state": home,
                        "since": since,
                        "until": until,
                        "note": None,
                        "sources": [],
                    },
                )
            )
        return host

    def versioned(self, created: datetime, row: dict[str, Any]) -> dict[str, Any]:
        at = self.stamp(created)
        row["id"] = self.uid()
        row["version"] = 1
        row["created_at"] = at
        row["updated_at"] = at
        return row

    def notices(
        self, rows: dict[str, list[dict[str, Any]]], person_id: str, org: str, home: str, created: datetime
    ) -> None:
        rng = self.rng
        count = bucket(rng.random(), (0.08, 0.52, 0.8, 0.93))
        if count == 4:
            count = rng.randint(4, 6)
        requester = home if home in OTHER_REQUESTERS else pick_requester(rng)
        for _ in range(count):
            state = requester if rng.random() < 0.85 else pick_requester(rng)
            channel = pick_channel(rng)
            if channel == "cis_wanted_list" and state not in CIS:
                channel = "diffusion"
            day = TODAY - rng.randrange(60, 20 * 365)
            self.notice(rows, person_id, org, created, state, channel, day)

    def notice(
        self,
        rows: dict[str, list[dict[str, Any]]],
        person_id: str,
        org: str,
        created: datetime,
        state: str,
        channel: str,
        day: int,
    ) -> None:
        rng = self.rng
        requested_on = fuzzy(day, self.precision()) if rng.random() < 0.85 else None
        start = first_day(requested_on) if requested_on else day
        issued_day = min(TODAY, day + rng.randrange(5, 200))
        issued_on = self.after(start, issued_day)[0] if rng.random() < 0.7 else None
        roll = rng.random()
        initial = ("published", "requested", "unknown", "refused")[bucket(roll, (0.5, 0.86, 0.93))]
        if initial in ("published", "refused") and issued_on is None:
            issued_on = fuzzy(issued_day, 2)
        actor = reason = None
        if initial == "refused":
            actor, reason = "general_secretariat", pick_finding(rng)
        notice = self.versioned(
            created,
            {
                "person_id": person_id,
                "org_id": org,
                "channel": channel,
                "requesting_state": state,
                "interpol_ref": f"{date.fromordinal(issued_day).year}/{rng.randrange(1, 10**6)}"
                if channel in ("red_notice", "diffusion") and rng.random() < 0.6
                else None,
                "requested_on": requested_on,
                "issued_on": issued_on,
                "initial_status": initial,
                "status_actor": actor,
                "status_reason": reason,
                "status": initial,
                "public_extract": channel == "red_notice" and rng.random() < 0.15,
                "in_absentia": rng.random() < 0.05,
                "note": None,
                "sources": [],
            },
        )
        rows["notice"].append(notice)
        # status history: a walk through NEXT_STATUS, dated after the notice, the last one sometimes undated
        changes = bucket(rng.random(), (0.35, 0.65, 0.85, 0.95))
        status, last = initial, first_day(issued_on) if issued_on else start
        recorded = notice["created_at"]
        for position in range(changes):
            status = pick_next[status](rng)
            dated = position < changes - 1 or rng.random() < 0.92
            on = None
            if dated:
                on, last = self.after(last, max(last, min(TODAY, last + rng.randrange(20, 900))))
            reason = None
            if status in ("refused", "deleted"):
                reason = pick_finding(rng)
            elif status == "cancelled":
                reason = "purpose_achieved" if rng.random() < 0.5 else "other"
            elif status == "withdrawn":
                reason = "source_withdrew"
            elif status == "blocked" and rng.random() < 0.5:
                reason = "article_3"
            recorded = self.stamp(recorded, 30)
            rows["notice_status_change"].append(
                {
                    "id": self.uid(),
                    "notice_id": notice["id"],
                    "org_id": org,
                    "status": status,
                    "on": on,
                    "actor": rng.choice(STATUS_ACTORS[status]),
                    "reason": reason,
                    "note": None,
                    "recorded_at": recorded,
                    "position": position,
                }
            )
        # the current status is the last entry in the app's order (dated by first day, undated last)
        # and the walk above only ever moves forward in time, so it is the last status drawn
        notice["status"] = status
        if rng.random() < 0.33:
            self.detention(rows, notice, created, last)

    def detention(
        self,
        rows: dict[str, list[dict[str, Any]]],
        notice: dict[str, Any],
        created: datetime,
        not_before: int,
    ) -> None:
        rng = self.rng
        host = pick_host(rng)
        if host == notice["requesting_state"]:
            host = "TR"
        start = min(TODAY, not_before + rng.randrange(1, 2500))
        detained_on, detained_start = self.after(not_before, start)
        row = self.versioned(
            created,
            {
                "person_id": notice["person_id"],
                "org_id": notice["org_id"],
                "notice_id": notice["id"] if rng.random() < 0.85 else None,
                "host_state": host,
                "requesting_state": notice["requesting_state"],
                "detained_on": detained_on,
                "place": rng.choice(names.CITIES[host]) if rng.random() < 0.7 else None,
                "basis": notice["channel"] if rng.random() < 0.8 else rng.choice(("immigration", "unknown")),
                "status": "in_custody",
                "released_on": None,
                "release_reason": None,
                "release_conditions": None,
                "release_note": None,
                "surrendered_on": None,
                "surrender_kind": None,
                "surrender_note": None,
                "note": None,
                "sources": [],
            },
        )
        roll = rng.random()
        end = start + rng.randrange(1, 420)
        if roll < 0.7 and end <= TODAY:
            row["status"] = "released"
            row["released_on"] = self.after(detained_start, end)[0]
            row["release_reason"] = pick_release(rng)
            row["release_conditions"] = rng.choice(
                ("none", "none", "bail", "house_arrest", "travel_ban", None)
            )
        elif roll < 0.76 and end <= TODAY:
            row["status"] = "surrendered"
            row["surrendered_on"] = self.after(detained_start, end)[0]
            row["surrender_kind"] = rng.choice(("extradited", "extradited", "deported", "rendered"))
        rows["detention"].append(row)
        if rng.random() < 0.65:
            self.extradition(rows, row, created, detained_start)

    def extradition(
        self,
        rows: dict[str, list[dict[str, Any]]],
        detention: dict[str, Any],
        created: datetime,
        not_before: int,
    ) -> None:
        rng = self.rng
        opened_day = min(TODAY, not_before + rng.randrange(0, 30))
        opened_on, opened_start = self.after(not_before, opened_day)
        if detention["status"] == "surrendered":
            decision = "granted"
        elif detention["release_reason"] == "extradition_refused":
            decision = "refused"
        else:
            decision = rng.choice(("pending", "pending", "refused", "granted", "withdrawn", "remanded"))
        grounds: list[str] = []
        if decision == "refused":
            grounds = sorted(
                {rng.choice(GROUNDS[:5] if rng.random() < 0.7 else GROUNDS) for _ in range(rng.randint(1, 3))}
            )
        decided_on = None
        if decision != "pending" and rng.random() < 0.85:
            decided_on = self.after(opened_start, min(TODAY, opened_day + rng.randrange(20, 700)))[0]
        rows["extradition"].append(
            self.versioned(
                created,
                {
                    "person_id": detention["person_id"],
                    "org_id": detention["org_id"],
                    "requesting_state": detention["requesting_state"],
                    "requested_state": detention["host_state"],
                    "detention_id": detention["id"],
                    "opened_on": opened_on,
                    "court": rng.choice(COURTS) if rng.random() < 0.7 else None,
                    "stage": rng.choice(("first_instance", "appeal", "supreme", "executive", None)),
                    "decision": decision,
                    "decided_on": decided_on,
                    "grounds": grounds,
                    "note": None,
                    "sources": [],
                },
            )
        )

    def incidents(
        self,
        rows: dict[str, list[dict[str, Any]]],
        person_id: str,
        org: str,
        home: str,
        created: datetime,
        residence: str | None,
    ) -> None:
        rng = self.rng
        count = bucket(rng.random(), (0.65, 0.9, 0.97))
        for _ in range(count):
            kind = pick_incident(rng)
            occurred = TODAY - rng.randrange(10, 16 * 365)
            rows["incident"].append(
                self.versioned(
                    created,
                    {
                        "person_id": person_id,
                        "org_id": org,
                        "kind": kind,
                        "perpetrator_state": home,
                        "host_state": residence if kind != "family_intimidation" else home,
                        "occurred_on": fuzzy(occurred, self.precision()) if rng.random() < 0.9 else None,
                        "certainty": rng.choice(
                            ("established", "reported", "reported", "reported", "alleged")
                        ),
                        "description": INCIDENT_TEXT[kind],
                        "sources": [],
                    },
                )
            )

    def special_person(self, rows: dict[str, list[dict[str, Any]]], org: str) -> str:
        """A person with exactly HISTORY_EVENTS dated events, every date known to the day.

        20 notices x (requested + issued + 4 dated status changes) = 120, 10 detentions x (detained +
        released) = 20, 10 extraditions x (opened + decided) = 20, 20 incidents = 20, 10 protections x
        (since + until) = 20: 200. Notices start `published`, which the history does not repeat.
        """
        person_id = self.uid()
        created = NOW - timedelta(days=400)
        rows["person"].append(
            {
                "id": person_id,
                "org_id": org,
                "version": 1,
                "created_at": created,
                "updated_at": created,
                "name": "Umarali Nazarzoda",
                "aliases": ["Умарали Назарзода", "Nazarzoda Umarali", "Umarali Nazarov"],
                "birth_date": "1968",
                "sex": "male",
                "nationalities": ["TJ"],
                "categories": ["opposition", "businessperson"],
                "affiliations": ["Group 24"],
                "notes": "Synthetic benchmark person with a long history.",
                "sources": [],
            }
        )
        rows["person_affiliation"].append(
            {"person_id": person_id, "key": self.affiliation_key("Group 24"), "org_id": org}
        )
        base = date(2006, 1, 10).toordinal()
        statuses = ("blocked", "reinstated", "deleted", "reinstated")
        for n in range(20):
            day = base + n * 150
            state = ("TJ", "RU", "TJ", "KZ")[n % 4]
            channel = ("red_notice", "diffusion", "cis_wanted_list", "national_warrant")[n % 4]
            notice = self.versioned(
                created,
                {
                    "person_id": person_id,
                    "org_id": org,
                    "channel": channel,
                    "requesting_state": state,
                    "interpol_ref": f"{date.fromordinal(day).year}/{10000 + n}",
                    "requested_on": fuzzy(day, 2),
                    "issued_on": fuzzy(day + 20, 2),
                    "initial_status": "published",
                    "status_actor": None,
                    "status_reason": None,
                    "status": statuses[-1],
                    "public_extract": False,
                    "in_absentia": n % 5 == 0,
                    "note": None,
                    "sources": [],
                },
            )
            rows["notice"].append(notice)
            for position, status in enumerate(statuses):
                rows["notice_status_change"].append(
                    {
                        "id": self.uid(),
                        "notice_id": notice["id"],
                        "org_id": org,
                        "status": status,
                        "on": fuzzy(day + 40 + 20 * position, 2),
                        "actor": "ccf",
                        "reason": "article_3" if status == "deleted" else None,
                        "note": None,
                        "recorded_at": created,
                        "position": position,
                    }
                )
            if n % 2 == 0:  # 10 detentions, each with its extradition proceeding
                detention = self.versioned(
                    created,
                    {
                        "person_id": person_id,
                        "org_id": org,
                        "notice_id": notice["id"],
                        "host_state": ("TR", "UA", "PL", "DE", "AE")[n // 2 % 5],
                        "requesting_state": state,
                        "detained_on": fuzzy(day + 30, 2),
                        "place": None,
                        "basis": channel,
                        "status": "released",
                        "released_on": fuzzy(day + 75, 2),
                        "release_reason": "extradition_refused",
                        "release_conditions": "none",
                        "release_note": None,
                        "surrendered_on": None,
                        "surrender_kind": None,
                        "surrender_note": None,
                        "note": None,
                        "sources": [],
                    },
                )
                rows["detention"].append(detention)
                rows["extradition"].append(
                    self.versioned(
                        created,
                        {
                            "person_id": person_id,
                            "org_id": org,
                            "requesting_state": state,
                            "requested_state": detention["host_state"],
                            "detention_id": detention["id"],
                            "opened_on": fuzzy(day + 32, 2),
                            "court": "Court of Appeal",
                            "stage": "appeal",
                            "decision": "refused",
                            "decided_on": fuzzy(day + 70, 2),
                            "grounds": ["political_offence", "persecution_risk"],
                            "note": None,
                            "sources": [],
                        },
                    )
                )
            rows["incident"].append(
                self.versioned(
                    created,
                    {
                        "person_id": person_id,
                        "org_id": org,
                        "kind": ("family_intimidation", "surveillance", "digital_threat", "assault")[n % 4],
                        "perpetrator_state": "TJ",
                        "host_state": "DE",
                        "occurred_on": fuzzy(day + 100, 2),
                        "certainty": "reported",
                        "description": None,
                        "sources": [],
                    },
                )
            )
            if n % 2 == 0:
                rows["protection"].append(
                    self.versioned(
                        created,
                        {
                            "person_id": person_id,
                            "org_id": org,
                            "kind": ("asylum_applied", "refugee_status")[n // 2 % 2],
                            "host_state": ("DE", "PL", "FR", "NL", "SE")[n // 2 % 5],
                            "against_state": "TJ",
                            "since": fuzzy(day + 5, 2),
                            "until": fuzzy(day + 290, 2),
                            "note": None,
                            "sources": [],
                        },
                    )
                )
        return person_id

    def charges(self, rows: dict[str, list[dict[str, Any]]], count: int) -> None:
        """`count` charges spread over the chunk's notices: one each first, the rest at random."""
        notices = rows["notice"]
        if not notices:
            return
        per_notice = [count // len(notices)] * len(notices)
        for i in self.rng.sample(range(len(notices)), count % len(notices)):
            per_notice[i] += 1
        for notice, n in zip(notices, per_notice, strict=True):
            for position in range(n):
                category = pick_charge(self.rng)
                rows["charge"].append(
                    {
                        "id": self.uid(),
                        "notice_id": notice["id"],
                        "org_id": notice["org_id"],
                        "position": position,
                        "text": self.rng.choice(CHARGES[category]),
                        "category": category,
                        "category_source": "user" if self.rng.random() < 0.5 else "auto",
                    }
                )


# ---- database ------------------------------------------------------------------------------------------


def database_url(target: str) -> str:
    return target if "://" in target else f"sqlite:///{Path(target).resolve()}"


def fresh(url: str, force: bool) -> None:
    """Refuse a database that already holds persons, unless --force (which wipes a SQLite file only).

    A PostgreSQL database that does not exist yet is created.
    """
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            if not force:
                sys.exit(f"{path} exists; pass --force to replace it")
            for suffix in ("", "-wal", "-shm", ".key"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    target = sa.make_url(url)
    admin = sa.create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if exists is None:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        if (
            sa.inspect(conn).has_table("person")
            and conn.execute(sa.text("SELECT count(*) FROM person")).scalar()
        ):
            sys.exit("the PostgreSQL database already holds persons: give a fresh one")
    engine.dispose()


def bulk_engine(url: str) -> sa.Engine:
    """An engine for loading only: on SQLite no fsync, a 1 GiB page cache, foreign keys checked by us."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        for pragma in (
            "journal_mode=WAL",
            "synchronous=OFF",
            "cache_size=-1048576",
            "temp_store=MEMORY",
            "foreign_keys=OFF",
        ):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    return engine


def secret_key(given: str | None) -> str:
    key = given or os.environ.get("ARTICLE3_SECRET_KEY") or secrets.token_urlsafe(48)
    if len(key) < 32:
        sys.exit("the secret key needs at least 32 characters")
    return key


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


def copy_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL `COPY … FROM STDIN` of these rows. Each value goes through its column's own bind processor
    first (encryption, fuzzy dates, JSON lists, enums, UTC timestamps), so the bytes stored are what an
    `insert()` of the same rows would store; a column the rows leave out gets its Python-side default, as
    `insert()` would give it, or else the server's."""
    if not rows:
        return
    dialect = conn.dialect
    given = set(rows[0])
    plan: list[tuple[str, Callable[[Any], Any] | None, Any]] = []  # (column, bind processor, default)
    for column in table.columns:
        default = column.default
        if column.name not in given and default is None:
            continue
        if column.name not in given and not (default.is_scalar or default.is_callable):  # type: ignore[union-attr]
            sys.exit(f"{table.name}.{column.name}: a default COPY cannot give")
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        plan.append((column.name, processor, None if column.name in given else default))
    quote = dialect.identifier_preparer.quote
    names_sql = ", ".join(quote(name) for name, _, _ in plan)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names_sql}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for name, processor, default in plan:
                if default is None:
                    value = row[name]
                else:
                    value = default.arg(None) if default.is_callable else default.arg
                values.append(processor(value) if processor is not None else value)
            copy.write_row(values)


@dataclass
class Deferred:
    """The secondary indexes and foreign keys of the bulk tables, dropped for the load and built after it
    (one sorted build per index instead of ten million random inserts into it)."""

    indexes: list[str]
    foreign_keys: list[tuple[str, str, str]]  # (table, constraint, definition)


def defer_indexes(conn: sa.Connection) -> Deferred:
    names_ = [t.name for t in TABLES]
    indexes = [
        str(definition)
        for (definition,) in conn.execute(
            sa.text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                "WHERE c.relname = ANY(:tables) AND NOT i.indisprimary AND NOT i.indisunique"
            ),
            {"tables": names_},
        )
    ]
    dropped = conn.execute(
        sa.text(
            "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relname = ANY(:tables) AND NOT i.indisprimary AND NOT i.indisunique"
        ),
        {"tables": names_},
    ).scalars()
    for index in list(dropped):
        conn.exec_driver_sql(f"DROP INDEX {index}")
    foreign_keys = [
        (str(t), str(n), str(d))
        for t, n, d in conn.execute(
            sa.text(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(:tables) AND k.contype = 'f'"
            ),
            {"tables": names_},
        )
    ]
    for table, name, _ in foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return Deferred(indexes=indexes, foreign_keys=foreign_keys)


def restore_indexes(conn: sa.Connection, deferred: Deferred) -> None:
    """Build what `defer_indexes` dropped; the foreign keys are checked against every row as they return."""
    conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
    for definition in deferred.indexes:
        conn.exec_driver_sql(definition)
    for table, name, definition in deferred.foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


@dataclass
class Filled:
    url: str
    counts: Counter[str]
    org_ids: dict[str, str]
    token: str
    history_person_id: str
    derived: dict[str, int]
    seconds: dict[str, float]

    @property
    def records(self) -> int:
        return sum(self.counts[t] for t in RECORD_TABLES)


def fill(
    url: str,
    key: str,
    *,
    persons: int,
    records: int,
    chunk: int = 25_000,
    seed: int = 7,
    derive: bool = True,
    copy: bool = True,
    progress: Callable[[str], None] = lambda _line: None,
) -> Filled:
    """Migrate the (fresh) database at `url` and fill it; see the module docstring. `copy` (PostgreSQL
    only): load with COPY, the secondary indexes and foreign keys built after the load."""
    keyring = Keyring(key.encode())
    began = time.perf_counter()
    migrate.upgrade(url, keyring=keyring)
    migrated = time.perf_counter()

    # organisations and the bench token through the app's services: their audit entries chain correctly
    app_engine = make_engine(url, writer=True, pooled=False, keyring=keyring)
    with unit_of_work(app_engine, keyring) as session:
        if session.exec(select(AuditHead).where(AuditHead.id == 1)).first() is None:
            session.add(AuditHead(id=1, seq=0, hash="0" * 64))
            session.flush()
        org_ids = {name: org_service.create(session, name=name).id for name in ORGS}
        _, token = token_service.create(
            session, org_id=org_ids["bench"], data=TokenCreate(role=Role.admin, label="bench"), by=None
        )

    synth = Synth(random.Random(seed), org_ids, keyring)
    engine = bulk_engine(url)
    copy = copy and engine.dialect.name == "postgresql"
    deferred = None
    if copy:
        with engine.begin() as conn:
            deferred = defer_indexes(conn)
    counts: Counter[str] = Counter()
    generate_s = insert_s = 0.0
    special_id: str | None = None
    for start, end in chunks(persons, chunk):
        t0 = time.perf_counter()
        rows, special = synth.chunk(end - start, special_org=org_ids["bench"] if start == 0 else None)
        special_id = special_id or special
        quota = records * end // persons - records * start // persons
        others = sum(len(rows[name]) for name in RECORD_TABLES if name != "charge")
        if others > quota:
            sys.exit(f"--records {records} is too few for {persons} persons of this shape")
        synth.charges(rows, quota - others)
        t1 = time.perf_counter()
        # The app's unit of work on the loading engine: it puts the keyring's field keys on the engine,
        # so the encrypted column types encrypt every personal value as the app would.
        with unit_of_work(engine, keyring) as session:
            conn = session.connection()
            for table in TABLES:
                batch = rows[table.name]
                if copy:
                    copy_rows(conn, table, batch)
                else:
                    for at in range(0, len(batch), 50_000):
                        conn.execute(table.insert(), batch[at : at + 50_000])
                counts[table.name] += len(batch)
        t2 = time.perf_counter()
        generate_s += t1 - t0
        insert_s += t2 - t1
        progress(f"  persons {end:>7,}: generated {t1 - t0:5.1f} s, inserted {t2 - t1:5.1f} s")
    inserted = time.perf_counter()
    if deferred is not None:
        progress(f"  building {len(deferred.indexes)} indexes and {len(deferred.foreign_keys)} foreign keys…")
        with engine.begin() as conn:
            restore_indexes(conn, deferred)
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    analyze(url, progress)
    loaded = time.perf_counter()

    # check through the app: the counts, and the special person's history
    assert special_id is not None
    with Session(app_engine, info={"keyring": keyring}) as session:
        person = session.get(Person, special_id)
        assert person is not None
        events = history_service.events(session, person)
        db_counts = {
            t.name: session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in TABLES
        }
        session.rollback()
    assert len(events) == HISTORY_EVENTS, f"the history person has {len(events)} events, not {HISTORY_EVENTS}"
    assert db_counts == dict(counts), (db_counts, dict(counts))
    checked = time.perf_counter()

    app_engine.dispose()
    derived = build_derived(url, keyring, progress) if derive else {}
    derived_at = time.perf_counter()
    vacuum_analyze(url, progress)
    analyzed = time.perf_counter()
    return Filled(
        url=url,
        counts=counts,
        org_ids=org_ids,
        token=token,
        history_person_id=special_id,
        derived=derived,
        seconds={
            "migrate": migrated - began,
            "generate": generate_s,
            "insert": insert_s,
            "index": loaded - inserted,
            "check": checked - loaded,
            "fill": checked - began,
            "derive": derived_at - checked,
            "analyze": analyzed - derived_at,
        },
    )


def build_derived(
    url: str, keyring: Keyring, progress: Callable[[str], None], *, again: bool = False
) -> dict[str, int]:
    """The derived indicator tables, built by the app's own code (else the app builds them at start-up);
    their row counts. `again`: rebuilt even if marked built (`flag.rebuild`, not `flag.ensure_built`)."""
    progress("  building the derived indicator tables (app.services.flag)…")
    app_engine = make_engine(url, writer=True, pooled=False, keyring=keyring)
    with unit_of_work(app_engine, keyring) as session:
        if again:
            flag_service.rebuild(session)
        else:
            flag_service.ensure_built(session)
    with app_engine.connect() as conn:
        derived = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in DERIVED_TABLES
        }
    app_engine.dispose()
    return derived


def analyze(url: str, progress: Callable[[str], None]) -> None:
    """PostgreSQL: planner statistics for the tables just loaded, before anything reads them. Without them
    the derived tables' rebuild planned its `IN (…)` look-ups over tables filled by COPY as hash joins
    over whole tables: at a million persons 8,000 persons a minute instead of 20,000 (a few seconds of
    ANALYZE; the VACUUM waits for the end)."""
    if not url.startswith("postgresql"):
        return
    progress("  ANALYZE…")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def vacuum_analyze(url: str, progress: Callable[[str], None]) -> None:
    """PostgreSQL: planner statistics and the visibility map now, not whenever autovacuum gets to ten
    million rows."""
    if not url.startswith("postgresql"):
        return
    progress("  VACUUM (ANALYZE)…")
    vacuum = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    vacuum.dispose()


def derive_only(url: str, key: str) -> None:
    """--derive-only: the derived tables (rebuilt, even if marked built) and VACUUM (ANALYZE) of a database
    filled before, timed."""
    began = time.perf_counter()
    analyze(url, lambda line: print(line, flush=True))  # a database filled by an older synth.py may have none
    derived = build_derived(url, Keyring(key.encode()), lambda line: print(line, flush=True), again=True)
    built = time.perf_counter()
    vacuum_analyze(url, lambda line: print(line, flush=True))
    for table, rows in derived.items():
        print(f"{table + ' (derived)':<26}{rows:>11,}")
    print(f"derived    {built - began:.1f} s; VACUUM (ANALYZE) {time.perf_counter() - built:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="SQLite file path, or a SQLAlchemy URL (postgresql+psycopg://…)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1,
        help="--persons and --records times this (10: 1,000,000 and 10,000,000)",
    )
    parser.add_argument("--persons", type=int, default=None, help="default: 100,000 × --scale")
    parser.add_argument("--records", type=int, default=None, help="default: 1,000,000 × --scale")
    parser.add_argument("--chunk", type=int, default=25_000, help="persons per transaction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--secret-key", default=None, help="default: $ARTICLE3_SECRET_KEY, else a new one")
    parser.add_argument("--force", action="store_true", help="replace an existing SQLite file")
    parser.add_argument(
        "--no-derive", action="store_true", help="leave the derived indicator tables to the app's start-up"
    )
    parser.add_argument(
        "--derive-only",
        action="store_true",
        help="a database filled before: only build its derived tables (and VACUUM ANALYZE it), timed",
    )
    parser.add_argument(
        "--no-copy",
        action="store_true",
        help="PostgreSQL: insert() batches with every index in place, not COPY",
    )
    args = parser.parse_args()
    persons = args.persons if args.persons is not None else round(100_000 * args.scale)
    records = args.records if args.records is not None else round(1_000_000 * args.scale)
    flag_upkeep.install()  # as the app's entry points do: its units of work keep the derived tables

    url = database_url(args.target)
    key = secret_key(args.secret_key)
    if args.derive_only:
        print(f"machine    load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores before the run")
        derive_only(url, key)
        return
    one_minute_load = os.getloadavg()[0]
    fresh(url, args.force)
    if url.startswith("sqlite"):
        write_private(Path(url.removeprefix("sqlite:///") + ".key"), key)
    write_private(OUT / "secret_key.txt", key)
    done = fill(
        url,
        key,
        persons=persons,
        records=records,
        chunk=args.chunk,
        seed=args.seed,
        derive=not args.no_derive,
        copy=not args.no_copy,
        progress=lambda line: print(line, flush=True),
    )
    write_private(OUT / "token.txt", done.token)
    (OUT / "synth.json").write_text(
        json.dumps(
            {
                "database_url": url,
                "history_person_id": done.history_person_id,
                "bench_org_id": done.org_ids["bench"],
                "persons": done.counts["person"],
                "records": done.records,
                "seconds": {k: round(v, 1) for k, v in done.seconds.items()},
            },
            indent=2,
        )
    )
    t = done.seconds
    print()
    print(f"database   {url}")
    print(f"machine    load {one_minute_load:.2f} on {os.cpu_count()} cores before the run")
    print(f"{'table':<26}{'rows':>11}")
    for table in TABLES:
        print(f"{table.name:<26}{done.counts[table.name]:>11,}")
    print(f"{'records (all but person)':<26}{done.records:>11,}")
    for table, rows in done.derived.items():
        print(f"{table + ' (derived)':<26}{rows:>11,}")
    print(f"organisations {len(done.org_ids)}: {', '.join(ORGS)}")
    print(
        f"filled in  {t['fill']:.1f} s (migrate {t['migrate']:.1f} s, generate {t['generate']:.1f} s, "
        f"insert {t['insert']:.1f} s, indexes {t['index']:.1f} s, check {t['check']:.1f} s)"
    )
    if done.derived:
        print(f"derived    {t['derive']:.1f} s more for the app's indicator tables")
    if t["analyze"] >= 0.05:
        print(f"analyzed   {t['analyze']:.1f} s more for VACUUM (ANALYZE)")
    print(f"history person (exactly {HISTORY_EVENTS} dated events): {done.history_person_id}")
    print(f"bench admin token written to {OUT / 'token.txt'}")
    print(f"export ARTICLE3_SECRET_KEY={key}")


if __name__ == "__main__":
    main()
