"""Detentions: record one, release or surrender it (each once, never before it began), correct or
delete one, list them."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.errors import InvalidTransition, Unprocessable
from app.models.base import utcnow
from app.models.detention import (
    Custody,
    Detention,
    DetentionBasis,
    DetentionCreate,
    DetentionPublic,
    DetentionStatus,
    DetentionUpdate,
    ReleaseIn,
    SurrenderIn,
)
from app.models.extradition import Extradition
from app.models.fuzzy_date import FuzzyDate
from app.models.notice import Notice
from app.models.person import Person
from app.models.token import Principal
from app.services import audit, patch
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned


def create(session: Session, *, data: DetentionCreate, by: Principal) -> Detention:
    person = get_owned(session, Person, data.person_id, org_id=by.org_id)
    requesting_state = data.requesting_state
    if data.notice_id is not None:
        notice = get_owned(session, Notice, data.notice_id, org_id=by.org_id)
        if notice.person_id != person.id:
            raise Unprocessable("The notice is about another person.", loc=("body", "notice_id"))
        if requesting_state is not None and requesting_state != notice.requesting_state:
            raise Unprocessable(
                f"The notice was requested by {notice.requesting_state}, not {requesting_state}: "
                "a detention on it has the notice's requesting state.",
                loc=("body", "requesting_state"),
            )
        requesting_state = notice.requesting_state
    if requesting_state is None:
        raise Unprocessable(
            "requesting_state is required unless notice_id is given.", loc=("body", "requesting_state")
        )
    detention = Detention(
        org_id=by.org_id,
        **data.model_dump(exclude={"requesting_state"}),
        requesting_state=requesting_state,
    )
    session.add(detention)
    session.flush()
    audit.record(session, by=by, action="detention.created", kind="detention", object_id=detention.id)
    return detention


RELEASE_FIELDS = ("released_on", "release_reason", "release_conditions", "release_note", "ended_on")
SURRENDER_FIELDS = ("surrendered_on", "surrender_kind", "surrender_note")


def update(
    session: Session, detention_id: str, *, data: DetentionUpdate, expected_version: int, by: Principal
) -> Detention:
    """Correct a detention; `custody_days` follows the corrected dates."""
    detention = get_owned(session, Detention, detention_id, org_id=by.org_id, for_update=True)
    patch.check_version(detention, expected_version, what="detention")
    changes = patch.changes(
        data.model_dump(exclude_unset=True),
        required=("host_state", "requesting_state", "detained_on", "release_reason")
        + ("surrendered_on", "surrender_kind"),
        defaults={
            "basis": DetentionBasis.unknown,
            "sources": [],
            "custody": Custody.detention,
            "other_bases": [],
        },
    )
    if not changes:
        patch.unchanged(session, kind="detention", record_id=detention.id, by=by)
        return detention  # nothing to change: no new version
    for fields, status, action in (
        (RELEASE_FIELDS, DetentionStatus.released, "release"),
        (SURRENDER_FIELDS, DetentionStatus.surrendered, "surrender"),
    ):
        sent = next((f for f in fields if f in changes), None)
        if sent is not None and detention.status is not status:
            raise InvalidTransition(
                f"The detention is {detention.status.value}: {sent} can be corrected only after a {action} "
                f"(record it with POST /api/v1/detentions/{{detention_id}}/{action})."
            )
    merged = detention.model_copy(update=changes)
    if "notice_id" in changes or "requesting_state" in changes:
        merged.requesting_state = _linked_state(
            session,
            merged.notice_id,
            person_id=detention.person_id,
            requesting_state=changes.get("requesting_state"),
            current=merged.requesting_state,
            by=by,
        )
    if merged.status is DetentionStatus.released and (merged.released_on is None) == (
        merged.ended_on is None
    ):
        sent = "ended_on" if "ended_on" in changes else "released_on"
        raise Unprocessable(
            "A release has released_on (its date) or, when the custody ended in a way nobody recorded, "
            "ended_on (the date by which it had ended): one of the two.",
            loc=("body", sent),
        )
    for field in ("released_on", "surrendered_on", "ended_on"):
        ended = getattr(merged, field)
        if ended is not None and ended.start < merged.detained_on.start:
            wrong = "detained_on" if "detained_on" in changes and field not in changes else field
            raise Unprocessable(
                f"{field} ({ended}) must not be before detained_on ({merged.detained_on}).",
                loc=("body", wrong),
            )
    changes["requesting_state"] = merged.requesting_state
    detention.sqlmodel_update(changes)
    return _saved(session, detention, action="detention.updated", by=by)


def _linked_state(
    session: Session,
    notice_id: str | None,
    *,
    person_id: str,
    requesting_state: str | None,
    current: str,
    by: Principal,
) -> str:
    """The requesting state of a detention on this notice: the notice's (a different one sent is a 422)."""
    if notice_id is None:
        return requesting_state or current
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id)
    if notice.person_id != person_id:
        raise Unprocessable("The notice is about another person.", loc=("body", "notice_id"))
    if requesting_state is not None and requesting_state != notice.requesting_state:
        raise Unprocessable(
            f"The notice was requested by {notice.requesting_state}, not {requesting_state}: "
            "a detention on it has the notice's requesting state.",
            loc=("body", "requesting_state"),
        )
    return notice.requesting_state


def delete(
    session: Session, detention_id: str, *, by: Principal, expected_version: int | None = None
) -> None:
    """Remove a detention entered in error; extradition proceedings that named it stay, without the link."""
    detention = get_owned(session, Detention, detention_id, org_id=by.org_id, for_update=True)
    patch.check_version(detention, expected_version, what="detention")
    for extradition in session.exec(
        owned(Extradition, by.org_id).where(Extradition.detention_id == detention.id)
    ):
        extradition.detention_id = None
        extradition.version += 1
        extradition.updated_at = utcnow()
        session.add(extradition)
    session.delete(detention)
    session.flush()
    audit.record(session, by=by, action="detention.deleted", kind="detention", object_id=detention_id)


def public(session: Session, detention: Detention) -> DetentionPublic:
    """The answer for one detention: its custody shows as ended when its person has died."""
    return publics(session, [detention])[0]


def publics(session: Session, detentions: Sequence[Detention]) -> list[DetentionPublic]:
    """The answers for these detentions, reading each person's date of death once."""
    ids = sorted({d.person_id for d in detentions if d.status is DetentionStatus.in_custody})
    died: dict[str, FuzzyDate | None] = {}
    if ids:
        query = select(Person.id, Person.deceased_on).where(col(Person.id).in_(ids))
        died = {person_id: FuzzyDate(on) if on else None for person_id, on in session.exec(query)}
    return [DetentionPublic.of(d, deceased_on=died.get(d.person_id)) for d in detentions]


def get(
    session: Session, detention_id: str, *, by: Principal, action: str | None = "detention.read"
) -> Detention:
    detention = get_owned(session, Detention, detention_id, org_id=by.org_id)
    if action:
        audit.record(session, by=by, action=action, kind="detention", object_id=detention.id)
    return detention


def _ending(
    session: Session, detention_id: str, *, ended_on: FuzzyDate, field: str, by: Principal
) -> Detention:
    detention = get_owned(session, Detention, detention_id, org_id=by.org_id, for_update=True)
    if detention.status is not DetentionStatus.in_custody:
        raise InvalidTransition(
            f"The detention is already {detention.status.value}; only a detention in custody can end."
        )
    if ended_on.start < detention.detained_on.start:
        raise Unprocessable(
            f"{field} must not be before detained_on ({detention.detained_on}).", loc=("body", field)
        )
    return detention


def release(session: Session, detention_id: str, *, data: ReleaseIn, by: Principal) -> Detention:
    """A release on its date, or (`ended_on`) custody known to have ended by a date, in a way nobody recorded."""
    field = "released_on" if data.released_on is not None else "ended_on"
    ended_on = data.released_on or data.ended_on
    assert ended_on is not None  # noqa: S101 - ReleaseIn requires one of the two
    detention = _ending(session, detention_id, ended_on=ended_on, field=field, by=by)
    detention.status = DetentionStatus.released
    detention.released_on = data.released_on
    detention.ended_on = data.ended_on
    detention.release_reason = data.reason
    detention.release_conditions = data.conditions
    detention.release_note = data.note
    return _saved(session, detention, action="detention.released", by=by)


def surrender(session: Session, detention_id: str, *, data: SurrenderIn, by: Principal) -> Detention:
    detention = _ending(session, detention_id, ended_on=data.surrendered_on, field="surrendered_on", by=by)
    detention.status = DetentionStatus.surrendered
    detention.surrendered_on = data.surrendered_on
    detention.surrender_kind = data.kind
    detention.surrender_note = data.note
    return _saved(session, detention, action="detention.surrendered", by=by)


def _saved(session: Session, detention: Detention, *, action: str, by: Principal) -> Detention:
    detention.version += 1
    detention.updated_at = utcnow()
    session.add(detention)
    session.flush()
    audit.record(session, by=by, action=action, kind="detention", object_id=detention.id)
    return detention


def list_page(
    session: Session,
    *,
    by: Principal,
    person_id: str | None,
    host_state: str | None,
    requesting_state: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Detention], str | None]:
    query = owned(Detention, by.org_id)
    for column, value in (
        (Detention.person_id, person_id),
        (Detention.host_state, host_state),
        (Detention.requesting_state, requesting_state),
        (Detention.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Detention, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(
        session, by=by, action="detention.listed", kind="person" if person_id else None, object_id=person_id
    )
    return rows, next_cursor
