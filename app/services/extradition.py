"""Extradition proceedings: record, read, update (If-Match), delete, list."""

from sqlmodel import Session

from app.errors import PreconditionFailed, Unprocessable
from app.models.base import utcnow
from app.models.detention import Detention
from app.models.extradition import Decision, Extradition, ExtraditionCreate, ExtraditionUpdate
from app.models.fuzzy_date import FuzzyDate
from app.models.person import Person
from app.models.token import Principal
from app.services import audit, patch
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned


def _check_detention(
    session: Session, detention_id: str | None, *, person_id: str, requesting_state: str, by: Principal
) -> None:
    if detention_id is None:
        return
    detention = get_owned(session, Detention, detention_id, org_id=by.org_id)
    if detention.person_id != person_id:
        raise Unprocessable("The detention is of another person.", loc=("body", "detention_id"))
    if detention.requesting_state != requesting_state:
        raise Unprocessable(
            f"The detention was at {detention.requesting_state}'s request; this proceeding is {requesting_state}'s.",
            loc=("body", "requesting_state"),
        )


def _check_dates(opened_on: FuzzyDate | None, decided_on: FuzzyDate | None) -> None:
    if opened_on is not None and decided_on is not None and decided_on.start < opened_on.start:
        raise Unprocessable("decided_on must not precede opened_on.", loc=("body", "decided_on"))


def _check_states(requesting_state: str, requested_state: str, *, sent: str) -> None:
    if requesting_state == requested_state:
        raise Unprocessable(
            f"requested_state and requesting_state are both {requesting_state}: a state does not ask itself "
            "for extradition (record a prosecution at home as a national warrant).",
            loc=("body", sent),
        )


def create(session: Session, *, data: ExtraditionCreate, by: Principal) -> Extradition:
    _check_states(data.requesting_state, data.requested_state, sent="requested_state")
    person = get_owned(session, Person, data.person_id, org_id=by.org_id)
    _check_detention(
        session, data.detention_id, person_id=person.id, requesting_state=data.requesting_state, by=by
    )
    extradition = Extradition(org_id=by.org_id, **data.model_dump())
    session.add(extradition)
    session.flush()
    audit.record(session, by=by, action="extradition.created", kind="extradition", object_id=extradition.id)
    return extradition


def get(session: Session, extradition_id: str, *, by: Principal) -> Extradition:
    extradition = get_owned(session, Extradition, extradition_id, org_id=by.org_id)
    audit.record(session, by=by, action="extradition.read", kind="extradition", object_id=extradition.id)
    return extradition


def update(
    session: Session, extradition_id: str, *, data: ExtraditionUpdate, expected_version: int, by: Principal
) -> Extradition:
    extradition = get_owned(session, Extradition, extradition_id, org_id=by.org_id, for_update=True)
    if extradition.version != expected_version:
        raise PreconditionFailed(f"The proceeding has changed: it is at version {extradition.version}.")
    changes = patch.changes(
        data.model_dump(exclude_unset=True),
        required=("requesting_state", "requested_state"),
        defaults={"decision": Decision.pending, "grounds": [], "sources": [], "hearings": []},
    )
    if not changes:
        patch.unchanged(session, kind="extradition", record_id=extradition.id, by=by)
        return extradition  # nothing to change: no new version
    if "hearings" in changes:
        changes["hearings"] = [h.model_dump(mode="json") for h in data.hearings or []]
    merged = extradition.model_copy(update=changes)
    _check_states(
        merged.requesting_state,
        merged.requested_state,
        sent="requested_state" if "requested_state" in changes else "requesting_state",
    )
    _check_dates(merged.opened_on, merged.decided_on)
    _check_detention(
        session,
        merged.detention_id,
        person_id=extradition.person_id,
        requesting_state=merged.requesting_state,
        by=by,
    )
    extradition.sqlmodel_update(changes)
    extradition.version += 1
    extradition.updated_at = utcnow()
    session.add(extradition)
    session.flush()
    audit.record(session, by=by, action="extradition.updated", kind="extradition", object_id=extradition.id)
    return extradition


def delete(
    session: Session, extradition_id: str, *, by: Principal, expected_version: int | None = None
) -> None:
    """Remove a proceeding entered in error."""
    extradition = get_owned(session, Extradition, extradition_id, org_id=by.org_id, for_update=True)
    patch.check_version(extradition, expected_version, what="proceeding")
    session.delete(extradition)
    session.flush()
    audit.record(session, by=by, action="extradition.deleted", kind="extradition", object_id=extradition_id)


def list_page(
    session: Session,
    *,
    by: Principal,
    person_id: str | None,
    requesting_state: str | None,
    requested_state: str | None,
    decision: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Extradition], str | None]:
    query = owned(Extradition, by.org_id)
    for column, value in (
        (Extradition.person_id, person_id),
        (Extradition.requesting_state, requesting_state),
        (Extradition.requested_state, requested_state),
        (Extradition.decision, decision),
    ):
        if value is not None:
            query = query.where(column == value)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Extradition, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(
        session, by=by, action="extradition.listed", kind="person" if person_id else None, object_id=person_id
    )
    return rows, next_cursor
