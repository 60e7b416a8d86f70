"""Persons: create, read, search, update and erase, with relatives and affiliations."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Text, bindparam, delete, insert, or_, type_coerce
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.errors import PreconditionFailed, Unprocessable
from app.models.base import utcnow
from app.models.person import (
    Person,
    PersonAffiliation,
    PersonCreate,
    PersonListItem,
    PersonPublic,
    PersonRelation,
    PersonUpdate,
    RelatedPerson,
    Sex,
    check_lifetime,
)
from app.models.token import Principal
from app.services import audit, flag, idempotency, name_index, patch
from app.services.affiliation import keys_of
from app.services.name_index import LiveNameIndex
from app.services.pagination import decode_position, encode_cursor, newest_first, page
from app.services.tenancy import get_owned, owned

SEARCH_THRESHOLD = 0.5  # below this a "match" is noise to a lawyer; /match lets callers pick their own
MAX_SEARCH_RESULTS = 1000


def _check_related(
    session: Session, related: Sequence[RelatedPerson], *, person_id: str | None, by: Principal
) -> None:
    """Every related person must exist in the caller's organisation (else 422, the same for foreign ids)."""
    wanted = {r.person_id for r in related}
    if person_id is not None and person_id in wanted:
        raise Unprocessable("A person cannot be related to themselves.", loc=("body", "related_persons"))
    if not wanted:
        return
    found = set(session.exec(select(Person.id).where(Person.org_id == by.org_id, col(Person.id).in_(wanted))))
    for index, item in enumerate(related):
        if item.person_id not in found:
            raise Unprocessable(
                "No person with that id.", loc=("body", "related_persons", index, "person_id")
            )


def _insert(connection: Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Rows straight to the database (one statement, no unit of work): the write path of a new person."""
    if rows:
        connection.execute(insert(model.__table__), rows)


def _row(person: Person) -> dict[str, Any]:
    return {column.key: getattr(person, column.key) for column in Person.__table__.columns}  # type: ignore[attr-defined]


def _insert_new(session: Session, person: Person, related: Sequence[RelatedPerson]) -> None:
    """A new person, their affiliation keys and relations, as three inserts, with no ORM flush (the most
    of a write's time went to the four flushes it took). Nothing flushed sees these rows, so the
    derived tables are told here which persons to recompute before the commit."""
    session.flush()  # whatever the unit of work holds pending first (the rows below may refer to it)
    connection = session.connection()  # asked once: each asking goes through the session's state machine
    _insert(connection, Person, [_row(person)])
    keys = keys_of(session, person.affiliations)
    _insert(
        connection,
        PersonAffiliation,
        [{"person_id": person.id, "key": k, "org_id": person.org_id} for k in keys],
    )
    first: dict[str, RelatedPerson] = {}
    for item in related:
        first.setdefault(item.person_id, item)
    _insert(
        connection,
        PersonRelation,
        [
            {
                "person_id": person.id,
                "related_id": r.person_id,
                "org_id": person.org_id,
                "relation": r.relation,
            }
            for r in first.values()
        ],
    )
    flag.touch(session, [person.id, *first], groups=True)
    flag.know(session, person)  # the refresh before the commit need not read it back


def _write_links(session: Session, person: Person, *, related: Sequence[RelatedPerson] | None) -> None:
    flag.touch_groups(session, person.id)  # the groups the person leaves are recomputed as well
    session.exec(delete(PersonAffiliation).where(col(PersonAffiliation.person_id) == person.id))
    for key in keys_of(session, person.affiliations):
        session.add(PersonAffiliation(person_id=person.id, key=key, org_id=person.org_id))
    if related is not None:
        session.exec(delete(PersonRelation).where(col(PersonRelation.person_id) == person.id))
        seen: set[str] = set()
        for item in related:
            if item.person_id not in seen:
                seen.add(item.person_id)
                session.add(
                    PersonRelation(
                        person_id=person.id,
                        related_id=item.person_id,
                        org_id=person.org_id,
                        relation=item.relation,
                    )
                )
    session.flush()


def create(session: Session, *, data: PersonCreate, by: Principal, action: str = "person.created") -> Person:
    """Record a person (`action`: what the audit entry says, `import.person` for an import)."""
    _check_related(session, data.related_persons, person_id=None, by=by)
    person = Person(org_id=by.org_id, **data.model_dump(exclude={"related_persons"}))
    _insert_new(session, person, data.related_persons)
    entry = audit.record(session, by=by, action=action, kind="person", object_id=person.id)
    name_index.log_change(session, seq=entry.seq, person=person)
    return person


def get(session: Session, person_id: str, *, by: Principal, action: str | None = "person.read") -> Person:
    """A person of the caller's organisation; reading one is audited (pass action=None inside a larger read)."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    if action:
        audit.record(session, by=by, action=action, kind="person", object_id=person.id)
    return person


def related_of(session: Session, person_ids: Sequence[str]) -> dict[str, list[RelatedPerson]]:
    """The related persons of several persons at once, as entered."""
    found: dict[str, list[RelatedPerson]] = defaultdict(list)
    if person_ids:
        for person_id, related_id, relation in session.connection().execute(
            _RELATED, {"ids": list(person_ids)}
        ):
            found[person_id].append(RelatedPerson(person_id=related_id, relation=relation))
    return found


_RELATION = PersonRelation.__table__.c  # type: ignore[attr-defined]
# Core, made once: read with every person shown, where the ORM's handling of the statement cost more
# than the read.
_RELATED = (
    core_select(_RELATION.person_id, _RELATION.related_id, _RELATION.relation)
    .where(_RELATION.person_id.in_(bindparam("ids", expanding=True)))
    .order_by(_RELATION.related_id)
)


def public(
    session: Session, person: Person, *, related: Sequence[RelatedPerson] | None = None
) -> PersonPublic:
    """`related`: the person's relations as just written (`created`), instead of reading them back."""
    if related is None:
        related = related_of(session, [person.id]).get(person.id, [])
    return PersonPublic.model_validate(person, update={"related_persons": list(related)})


def created(session: Session, person: Person, data: PersonCreate) -> PersonPublic:
    """The answer to `create`: the relations are those just written (the first of each person, in the
    order `related_of` reads them), so none is read back."""
    first: dict[str, RelatedPerson] = {}
    for item in data.related_persons:
        first.setdefault(item.person_id, item)
    return public(session, person, related=[first[key] for key in sorted(first)])


def search_page(
    session: Session,
    *,
    names: LiveNameIndex,
    by: Principal,
    q: str | None,
    nationality: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[PersonListItem], str | None]:
    """Newest first; with `q`, best name match first (score ≥ SEARCH_THRESHOLD). Audited, without the query."""
    if q is None:
        query = owned(Person, by.org_id)
        if nationality:
            # The list is JSON text of validated codes, so '"TJ"' can only match the element TJ.
            query = query.where(type_coerce(Person.nationalities, Text).contains(f'"{nationality}"'))
        rows, next_cursor = page(
            list(session.exec(newest_first(query, Person, cursor=cursor, limit=limit))), limit=limit
        )
        audit.record(session, by=by, action="person.listed", kind="person")
        return listed(session, rows), next_cursor
    offset = decode_position(cursor) if cursor else 0
    names.catch_up(session)
    # This page and whether another follows need only the best offset + limit + 1 (the index ranks exactly,
    # so they are the first of the full ranking): fewer matches explained. The nationality filter drops
    # matches after ranking, so it still takes the whole ranking.
    wanted = MAX_SEARCH_RESULTS if nationality else min(MAX_SEARCH_RESULTS, offset + limit + 1)
    matches = names.index.search(by.org_id, q, limit=wanted, threshold=SEARCH_THRESHOLD)
    if nationality:
        matches = [m for m in matches if nationality in names.nationalities.get(m.person_id, ())]
    window = matches[offset : offset + limit]
    query = owned(Person, by.org_id).where(col(Person.id).in_([m.person_id for m in window]))
    found = {p.id: p for p in session.exec(query)}
    hits = [(found[m.person_id], m.score) for m in window if m.person_id in found]
    audit.record(session, by=by, action="person.searched", kind="person")
    next_cursor = encode_cursor(offset + limit) if len(matches) > offset + limit else None
    return listed(session, [p for p, _ in hits], [score for _, score in hits]), next_cursor


def listed(
    session: Session, persons: Sequence[Person], scores: Sequence[float] | None = None
) -> list[PersonListItem]:
    related = related_of(session, [p.id for p in persons])
    return [
        PersonListItem.model_validate(
            person,
            update={
                "related_persons": related.get(person.id, []),
                "match_score": scores[i] if scores else None,
            },
        )
        for i, person in enumerate(persons)
    ]


def update(
    session: Session, person_id: str, *, data: PersonUpdate, expected_version: int, by: Principal
) -> Person:
    person = get_owned(session, Person, person_id, org_id=by.org_id, for_update=True)
    if person.version != expected_version:
        raise PreconditionFailed(f"The person has changed: it is at version {person.version}.")
    changes = data.model_dump(exclude_unset=True)
    changes = patch.changes(
        changes,
        required=("name",),
        defaults={
            "sex": Sex.unknown,
            "aliases": [],
            "nationalities": [],
            "categories": [],
            "affiliations": [],
            "sources": [],
            "related_persons": [],
        },
    )
    if not changes:
        patch.unchanged(session, kind="person", record_id=person.id, by=by)
        return person  # nothing to change: no new version
    related = (
        data.related_persons
        if data.related_persons is not None
        else ([] if "related_persons" in changes else None)
    )
    if related:
        _check_related(session, related, person_id=person.id, by=by)
    if "birth_date" in changes or "deceased_on" in changes:
        try:
            check_lifetime(
                changes.get("birth_date", person.birth_date), changes.get("deceased_on", person.deceased_on)
            )
        except ValueError as error:
            field = "deceased_on" if "deceased_on" in changes else "birth_date"
            raise Unprocessable(f"{error}.", loc=("body", field)) from None
    person.sqlmodel_update({k: v for k, v in changes.items() if k != "related_persons"})
    person.version += 1
    person.updated_at = utcnow()
    session.add(person)
    session.flush()
    _write_links(session, person, related=related)
    entry = audit.record(session, by=by, action="person.updated", kind="person", object_id=person.id)
    name_index.log_change(session, seq=entry.seq, person=person)
    return person


def erase(session: Session, person_id: str, *, by: Principal) -> None:
    """Erase the person and every record about them; the audit trail keeps the ids, never the data.

    The database cascades the delete to every dependent table (foreign keys ON DELETE CASCADE).
    """
    person = get_owned(session, Person, person_id, org_id=by.org_id, for_update=True)
    flag.touch_erased(session, person.id)
    idempotency.forget_person(session, org_id=by.org_id, person_id=person.id)
    session.exec(
        delete(PersonRelation).where(
            or_(col(PersonRelation.person_id) == person.id, col(PersonRelation.related_id) == person.id)
        )
    )
    session.delete(person)
    session.flush()
    entry = audit.record(session, by=by, action="person.erased", kind="person", object_id=person_id)
    name_index.log_change(session, seq=entry.seq, person=person, erased=True)
