"""Protection statuses of a person: record, read, correct (If-Match), list, remove."""

from sqlmodel import Session, col

from app.errors import Unprocessable
from app.models.base import utcnow
from app.models.person import Person
from app.models.protection import Protection, ProtectionCreate, ProtectionUpdate
from app.models.token import Principal
from app.services import audit, patch
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


def _owned(session: Session, person_id: str, protection_id: str, *, by: Principal) -> Protection:
    """A protection of this person of the caller's organisation (locked), or the 404 of an unknown id."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    protection = get_owned(session, Protection, protection_id, org_id=by.org_id, for_update=True)
    if protection.person_id != person.id:
        raise not_found(Protection)
    return protection


def get(session: Session, person_id: str, protection_id: str, *, by: Principal) -> Protection:
    protection = _owned(session, person_id, protection_id, by=by)
    audit.record(session, by=by, action="protection.read", kind="protection", object_id=protection.id)
    return protection


def update(
    session: Session,
    person_id: str,
    protection_id: str,
    *,
    data: ProtectionUpdate,
    expected_version: int,
    by: Principal,
) -> Protection:
    protection = _owned(session, person_id, protection_id, by=by)
    patch.check_version(protection, expected_version, what="protection")
    changes = patch.changes(
        data.model_dump(exclude_unset=True), required=("host_state",), defaults={"sources": []}
    )
    if not changes:
        patch.unchanged(session, kind="protection", record_id=protection.id, by=by)
        return protection  # nothing to change: no new version
    since, until = changes.get("since", protection.since), changes.get("until", protection.until)
    if since is not None and until is not None and until.start < since.start:
        raise Unprocessable(
            "until must not be before since.", loc=("body", "until" if "until" in changes else "since")
        )
    protection.sqlmodel_update(changes)
    protection.version += 1
    protection.updated_at = utcnow()
    session.add(protection)
    session.flush()
    audit.record(session, by=by, action="protection.updated", kind="protection", object_id=protection.id)
    return protection


def delete(
    session: Session,
    person_id: str,
    protection_id: str,
    *,
    by: Principal,
    expected_version: int | None = None,
) -> None:
    protection = _owned(session, person_id, protection_id, by=by)
    patch.check_version(protection, expected_version, what="protection")
    session.delete(protection)
    session.flush()
    audit.record(session, by=by, action="protection.deleted", kind="protection", object_id=protection_id)
