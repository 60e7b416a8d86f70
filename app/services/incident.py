"""Incidents of transnational repression: record, read, update (If-Match), delete, list."""

from sqlmodel import Session

from app.errors import PreconditionFailed
from app.models.base import utcnow
from app.models.incident import Certainty, Incident, IncidentCreate, IncidentUpdate
from app.models.person import Person
from app.models.token import Principal
from app.services import audit, patch
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned


def create(session: Session, *, data: IncidentCreate, by: Principal) -> Incident:
    person = get_owned(session, Person, data.person_id, org_id=by.org_id)
    incident = Incident(org_id=by.org_id, **data.model_dump(exclude={"person_id"}), person_id=person.id)
    session.add(incident)
    session.flush()
    audit.record(session, by=by, action="incident.created", kind="incident", object_id=incident.id)
    return incident


def get(session: Session, incident_id: str, *, by: Principal) -> Incident:
    incident = get_owned(session, Incident, incident_id, org_id=by.org_id)
    audit.record(session, by=by, action="incident.read", kind="incident", object_id=incident.id)
    return incident


def update(
    session: Session, incident_id: str, *, data: IncidentUpdate, expected_version: int, by: Principal
) -> Incident:
    incident = get_owned(session, Incident, incident_id, org_id=by.org_id, for_update=True)
    if incident.version != expected_version:
        raise PreconditionFailed(f"The incident has changed: it is at version {incident.version}.")
    changes = patch.changes(
        data.model_dump(exclude_unset=True),
        required=("kind", "perpetrator_state"),
        defaults={"certainty": Certainty.reported, "sources": []},
    )
    if not changes:
        patch.unchanged(session, kind="incident", record_id=incident.id, by=by)
        return incident  # nothing to change: no new version
    incident.sqlmodel_update(changes)
    incident.version += 1
    incident.updated_at = utcnow()
    session.add(incident)
    session.flush()
    audit.record(session, by=by, action="incident.updated", kind="incident", object_id=incident.id)
    return incident


def delete(session: Session, incident_id: str, *, by: Principal, expected_version: int | None = None) -> None:
    incident = get_owned(session, Incident, incident_id, org_id=by.org_id, for_update=True)
    patch.check_version(incident, expected_version, what="incident")
    session.delete(incident)
    session.flush()
    audit.record(session, by=by, action="incident.deleted", kind="incident", object_id=incident_id)


def list_page(
    session: Session,
    *,
    by: Principal,
    person_id: str | None,
    kind: str | None,
    perpetrator_state: str | None,
    host_state: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Incident], str | None]:
    query = owned(Incident, by.org_id)
    for column, value in (
        (Incident.person_id, person_id),
        (Incident.kind, kind),
        (Incident.perpetrator_state, perpetrator_state),
        (Incident.host_state, host_state),
    ):
        if value is not None:
            query = query.where(column == value)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Incident, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(
        session, by=by, action="incident.listed", kind="person" if person_id else None, object_id=person_id
    )
    return rows, next_cursor
