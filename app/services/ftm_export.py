"""An organisation's persons and records as FollowTheMoney entities, for Aleph and other FtM tools
(`article3 export --org NAME --format ftm`).

JSON Lines, one FtM entity a line (`{"id", "schema", "properties"}`), every entity built and its values
cleaned by the followthemoney model (a value the model's type refuses is left out). Line 1 is a `Note`
entity saying that the file holds personal data. Then, person by person (by id), each record after its
person:

| article3 | FtM | properties |
|---|---|---|
| person | `Person` | name, alias, birthDate, nationality, gender, keywords (categories), sourceUrl / notes (sources) |
| notice | `Sanction` (as OpenSanctions writes INTERPOL's red notices) | entity, program (the channel), authority, authorityId (INTERPOL reference), country (requesting state), reason (charges), status, date (requested), startDate (issued), recordId |
| extradition | `CourtCase` + `CourtCaseParty` | name, type, country (requested state), court, fileDate, closeDate, status (decision), category (stage); the party: the person, role "requested person" |
| detention | `Event` | name, involved, country (host state), date, endDate (release), summary (basis), recordId |

Not exported, because an FtM file travels into shared search tools: notes, protections and incidents
(where a person lives and is protected), the place of a detention, challenges (advocates' work), checks.
Sources that are web addresses become `sourceUrl`; others a `notes` line "Source: …".
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from followthemoney import model
from followthemoney.proxy import EntityProxy
from sqlmodel import Session, col, select

from app.models.base import utcnow
from app.models.detention import Detention
from app.models.extradition import Extradition
from app.models.notice import Charge, Notice
from app.models.person import Person
from app.private_file import open_private
from app.vocabulary import english

PREFIX = "article3"
PERSONAL_DATA = (
    "This file contains personal data (names, birth dates, nationalities, prosecutions) of persons "
    "targeted by states, exported from article3. Keep it confidential, share it only with those "
    "entitled to it, and delete it when done."
)
INTERPOL_CHANNELS = frozenset({"red_notice", "diffusion", "blue_notice", "sltd_passport"})


def entity_id(kind: str, record_id: str) -> str:
    return f"{PREFIX}-{kind}-{record_id}"


def _make(schema: str, kind: str, record_id: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id(kind, record_id)
    return proxy


def _add(proxy: EntityProxy, prop: str, *values: Any) -> None:
    for value in values:
        if value is not None and value != "":
            proxy.add(prop, str(value))


def _sources(proxy: EntityProxy, sources: list[str]) -> None:
    for source in sources:
        if source.startswith(("http://", "https://")):
            _add(proxy, "sourceUrl", source)
        else:
            _add(proxy, "notes", f"Source: {source}")


def notice_entity(created_at: str) -> EntityProxy:
    note = _make("Note", "export", "personal-data")
    _add(note, "name", "Personal data")
    _add(note, "description", PERSONAL_DATA)
    _add(note, "publisher", PREFIX)
    _add(note, "createdAt", created_at)
    return note


def person_entity(person: Person) -> EntityProxy:
    proxy = _make("Person", "person", person.id)
    _add(proxy, "name", person.name)
    _add(proxy, "alias", *person.aliases)
    _add(proxy, "birthDate", person.birth_date)
    _add(proxy, "nationality", *(code.lower() for code in person.nationalities))
    if person.sex.value in ("male", "female"):
        _add(proxy, "gender", person.sex.value)
    _add(proxy, "keywords", *person.categories)
    _sources(proxy, person.sources)
    return proxy


def sanction_entity(notice: Notice, charges: list[Charge]) -> EntityProxy:
    proxy = _make("Sanction", "notice", notice.id)
    _add(proxy, "entity", entity_id("person", notice.person_id))
    _add(proxy, "program", english("channel", notice.channel).capitalize())
    if notice.channel.value in INTERPOL_CHANNELS:
        _add(proxy, "authority", "INTERPOL")
    _add(proxy, "authorityId", notice.interpol_ref)
    _add(proxy, "country", notice.requesting_state.lower())
    _add(proxy, "reason", *(c.text for c in charges))
    _add(proxy, "status", english("notice_status", notice.status))
    _add(proxy, "date", notice.requested_on)
    _add(proxy, "startDate", notice.issued_on)
    _add(proxy, "recordId", notice.id)
    _sources(proxy, notice.sources)
    return proxy


def court_case_entities(extradition: Extradition) -> tuple[EntityProxy, EntityProxy]:
    case = _make("CourtCase", "extradition", extradition.id)
    requesting, requested = extradition.requesting_state, extradition.requested_state
    _add(case, "name", f"Extradition request {requesting} to {requested}")
    _add(case, "type", "extradition")
    _add(case, "country", requested.lower())
    _add(case, "court", extradition.court)
    _add(case, "fileDate", extradition.opened_on)
    _add(case, "closeDate", extradition.decided_on)
    _add(case, "status", english("decision", extradition.decision))
    if extradition.stage is not None:
        _add(case, "category", english("stage", extradition.stage))
    _sources(case, extradition.sources)
    party = _make("CourtCaseParty", "extradition-party", extradition.id)
    _add(party, "case", case.id)
    _add(party, "party", entity_id("person", extradition.person_id))
    _add(party, "role", "requested person")
    return case, party


def event_entity(detention: Detention) -> EntityProxy:
    proxy = _make("Event", "detention", detention.id)
    _add(proxy, "name", f"Detention in {detention.host_state} at the request of {detention.requesting_state}")
    _add(proxy, "involved", entity_id("person", detention.person_id))
    _add(proxy, "country", detention.host_state.lower())
    _add(proxy, "date", detention.detained_on)
    _add(proxy, "endDate", detention.released_on)
    _add(proxy, "summary", english("detention_basis", detention.basis))
    _add(proxy, "recordId", detention.id)
    _sources(proxy, detention.sources)
    return proxy


def _by_person(session: Session, table: Any, org_id: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for row in session.exec(select(table).where(table.org_id == org_id).order_by(col(table.id))):
        found.setdefault(row.person_id, []).append(row)
    return found


def entities(session: Session, *, org_id: str) -> Iterator[tuple[str, EntityProxy]]:
    """(article3 kind, entity) for the file, the personal-data note first."""
    yield "note", notice_entity(utcnow().isoformat(timespec="seconds"))
    notices = _by_person(session, Notice, org_id)
    charges: dict[str, list[Charge]] = {}
    for charge in session.exec(
        select(Charge).where(Charge.org_id == org_id).order_by(col(Charge.notice_id), col(Charge.position))
    ):
        charges.setdefault(charge.notice_id, []).append(charge)
    extraditions = _by_person(session, Extradition, org_id)
    detentions = _by_person(session, Detention, org_id)
    for person in session.exec(select(Person).where(Person.org_id == org_id).order_by(col(Person.id))):
        yield "person", person_entity(person)
        for notice in notices.get(person.id, []):
            yield "notice", sanction_entity(notice, charges.get(notice.id, []))
        for detention in detentions.get(person.id, []):
            yield "detention", event_entity(detention)
        for extradition in extraditions.get(person.id, []):
            case, party = court_case_entities(extradition)
            yield "extradition", case
            yield "extradition_party", party


def write(session: Session, *, org_id: str, out: TextIO) -> dict[str, int]:
    """Write the FtM file to `out`; the number of entities of each article3 kind."""
    counts: dict[str, int] = {}
    for kind, proxy in entities(session, org_id=org_id):
        out.write(json.dumps(proxy.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def write_file(session: Session, *, org_id: str, path: Path) -> dict[str, int]:
    """Write the FtM file to `path`, created with mode 0600; a file already there is an error."""
    out = open(path, "x", encoding="utf-8", newline="\n", opener=open_private)  # noqa: SIM115 - closed below
    try:
        with out:
            return write(session, org_id=org_id, out=out)
    except BaseException:
        path.unlink()
        raise
