"""Protection statuses of a person: record, list, remove."""

from sqlmodel import Session, col

from app.models.person import Person
from app.models.protection import Protection, ProtectionCreate
from app.models.token import Principal
from app.services import audit
from app.services.pagination import decode_position, encode_cursor
from app.services.tenancy import get_owned, not_found, owned


def create(session: Session, person_id: str, *, data: ProtectionCreate, by: Principal) -> Protection:
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    protection = Protection(org_id=by.org_id, person_id=person.id, **data.model_dump())
    session.add(protection)
    session.flush()
    audit.record(session, by=by, action="protection.created", kind="protection", object_id=protection.id)
    return protection


def list_for_person(session: Session, person_id: str, *, by: Principal) -> list[Protection]:
    """A person's protections, oldest first by `since` (undated last); reading them is audited."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    rows = session.exec(
        owned(Protection, by.org_id)
        .where(Protection.person_id == person.id)
        .order_by(col(Protection.since).is_(None), col(Protection.since), col(Protection.created_at))
    )
    audit.record(session, by=by, action="protection.listed", kind="person", object_id=person.id)
    return list(rows)


def page_for_person(
    session: Session, person_id: str, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[Protection], str | None]:
    """A page of `list_for_person` (a person has few protections: the cursor is an offset)."""
    rows = list_for_person(session, person_id, by=by)
    offset = decode_position(cursor) if cursor else 0
    return rows[offset : offset + limit], encode_cursor(offset + limit) if len(
        rows
    ) > offset + limit else None


def delete(session: Session, person_id: str, protection_id: str, *, by: Principal) -> None:
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    protection = get_owned(session, Protection, protection_id, org_id=by.org_id, for_update=True)
    if protection.person_id != person.id:
        raise not_found(Protection)
    session.delete(protection)
    session.flush()
    audit.record(session, by=by, action="protection.deleted", kind="protection", object_id=protection_id)
