"""Notices: create, read, update, delete, and the status history (appended, never overwritten, kept in
date order; only the entry recorded last may be retracted)."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete as delete_rows
from sqlmodel import Session, col, func, select

from app.errors import Conflict, PreconditionFailed, Unprocessable
from app.models.base import utcnow
from app.models.challenge import Challenge
from app.models.detention import Detention
from app.models.fuzzy_date import FuzzyDate
from app.models.notice import (
    CategorySource,
    Charge,
    ChargeCategory,
    ChargeIn,
    ChargePublic,
    Notice,
    NoticeCreate,
    NoticePublic,
    NoticeStatus,
    NoticeStatusChange,
    NoticeUpdate,
    StatusActor,
    StatusChangeIn,
    StatusEntry,
    StatusReason,
    initial_date,
    ordered,
)
from app.models.person import Person
from app.models.token import Principal
from app.services import audit, patch, webhook
from app.services import charge as charge_classifier
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned


def _write_charges(session: Session, notice: Notice, charges: Sequence[ChargeIn]) -> None:
    session.exec(delete_rows(Charge).where(col(Charge.notice_id) == notice.id))
    for position, item in enumerate(charges):
        if item.category is None:
            category, source = ChargeCategory(charge_classifier.classify(item.text)), CategorySource.auto
        else:
            category, source = item.category, CategorySource.user
        session.add(
            Charge(
                notice_id=notice.id,
                org_id=notice.org_id,
                position=position,
                text=item.text,
                category=category,
                category_source=source,
            )
        )


def initial_entry(notice: Notice) -> StatusEntry:
    """The first history entry: the initial status, dated `issued_on` unless it is `requested`."""
    return StatusEntry(
        status=notice.initial_status,
        on=initial_date(notice.initial_status, notice.requested_on, notice.issued_on),
        actor=notice.status_actor,
        reason=notice.status_reason,
        note=None,
        recorded_at=notice.created_at,
    )


def history(notice: Notice, changes: Sequence[NoticeStatusChange]) -> list[StatusEntry]:
    later = [
        StatusEntry(
            status=c.status, on=c.on, actor=c.actor, reason=c.reason, note=c.note, recorded_at=c.recorded_at
        )
        for c in ordered(changes)
    ]
    return [initial_entry(notice), *later]


def _refresh_status(session: Session, notice: Notice) -> None:
    changes = list(session.exec(select(NoticeStatusChange).where(NoticeStatusChange.notice_id == notice.id)))
    notice.status = ordered(changes)[-1].status if changes else notice.initial_status


def create(session: Session, *, data: NoticeCreate, by: Principal, action: str = "notice.created") -> Notice:
    """Record a notice (`action`: what the audit entry says, `import.notice` for an import)."""
    person = get_owned(session, Person, data.person_id, org_id=by.org_id)
    notice = Notice(
        org_id=by.org_id,
        person_id=person.id,
        initial_status=data.status,
        status=data.status,
        **data.model_dump(exclude={"person_id", "status", "charges"}),
    )
    session.add(notice)
    session.flush()
    _write_charges(session, notice, data.charges)
    session.flush()
    audit.record(session, by=by, action=action, kind="notice", object_id=notice.id)
    return notice


def get(session: Session, notice_id: str, *, by: Principal, action: str | None = "notice.read") -> Notice:
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id)
    if action:
        audit.record(session, by=by, action=action, kind="notice", object_id=notice.id)
    return notice


def publics(session: Session, notices: Sequence[Notice]) -> list[NoticePublic]:
    """The response shape of several notices, with charges and history loaded in two queries."""
    ids = [n.id for n in notices]
    charges: dict[str, list[Charge]] = defaultdict(list)
    changes: dict[str, list[NoticeStatusChange]] = defaultdict(list)
    if ids:
        for row in session.exec(
            select(Charge).where(col(Charge.notice_id).in_(ids)).order_by(col(Charge.position))
        ):
            charges[row.notice_id].append(row)
        for change in session.exec(
            select(NoticeStatusChange).where(col(NoticeStatusChange.notice_id).in_(ids))
        ):
            changes[change.notice_id].append(change)
    return [
        NoticePublic.model_validate(
            notice,
            update={
                "charges": [ChargePublic.model_validate(c) for c in charges[notice.id]],
                "status_history": history(notice, changes[notice.id]),
            },
        )
        for notice in notices
    ]


def public(session: Session, notice: Notice) -> NoticePublic:
    return publics(session, [notice])[0]


def list_page(
    session: Session,
    *,
    by: Principal,
    person_id: str | None,
    requesting_state: str | None,
    channel: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[NoticePublic], str | None]:
    query = owned(Notice, by.org_id)
    for column, value in (
        (Notice.person_id, person_id),
        (Notice.requesting_state, requesting_state),
        (Notice.channel, channel),
        (Notice.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, Notice, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(
        session, by=by, action="notice.listed", kind="person" if person_id else None, object_id=person_id
    )
    return publics(session, rows), next_cursor


def update(
    session: Session, notice_id: str, *, data: NoticeUpdate, expected_version: int, by: Principal
) -> Notice:
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id, for_update=True)
    if notice.version != expected_version:
        raise PreconditionFailed(f"The notice has changed: it is at version {notice.version}.")
    changes = data.model_dump(exclude_unset=True, exclude={"charges"})
    changes = patch.changes(
        changes,
        required=("channel", "requesting_state"),
        defaults={"public_extract": False, "in_absentia": False, "sources": []},
    )
    if not changes and data.charges is None:
        patch.unchanged(session, kind="notice", record_id=notice.id, by=by)
        return notice  # nothing to change: no new version
    requested_on = changes.get("requested_on", notice.requested_on)
    issued_on = changes.get("issued_on", notice.issued_on)
    if requested_on is not None and issued_on is not None and issued_on.start < requested_on.start:
        raise Unprocessable("issued_on must not be before requested_on.", loc=("body", "issued_on"))
    new_date = requested_on if requested_on is not None else issued_on
    dated = [
        c.on
        for c in session.exec(select(NoticeStatusChange).where(NoticeStatusChange.notice_id == notice.id))
        if c.on
    ]
    if new_date is not None and any(on.start < new_date.start for on in dated):
        field = "requested_on" if requested_on is not None else "issued_on"
        raise Unprocessable("A recorded status change would precede the notice's date.", loc=("body", field))
    new_state = changes.get("requesting_state")
    if new_state and new_state != notice.requesting_state:
        linked = session.exec(
            select(func.count()).select_from(Detention).where(Detention.notice_id == notice.id)
        ).one()
        if linked:
            raise Conflict("Detentions on this notice name its requesting state; change them first.")
    notice.sqlmodel_update(changes)
    if data.charges is not None:
        _write_charges(session, notice, data.charges)
    notice.version += 1
    notice.updated_at = utcnow()
    session.add(notice)
    session.flush()
    audit.record(session, by=by, action="notice.updated", kind="notice", object_id=notice.id)
    return notice


def append_status(
    session: Session,
    notice: Notice,
    *,
    status: NoticeStatus,
    on: FuzzyDate | None,
    actor: StatusActor,
    reason: StatusReason | None,
    note: str | None,
    by: Principal,
) -> Notice:
    """Append a status change to a locked notice of the caller's organisation (also used by challenges)."""
    if on is not None and notice.date is not None and on.start < notice.date.start:
        raise Unprocessable("A status change cannot precede the notice's own date.", loc=("body", "on"))
    last = session.exec(
        select(func.max(NoticeStatusChange.position)).where(NoticeStatusChange.notice_id == notice.id)
    ).one()
    position = 0 if last is None else last + 1  # after a retraction, positions can have gaps
    session.add(
        NoticeStatusChange(
            notice_id=notice.id,
            org_id=notice.org_id,
            status=status,
            on=on,
            actor=actor,
            reason=reason,
            note=note,
            position=position,
        )
    )
    session.flush()
    _refresh_status(session, notice)
    notice.version += 1
    notice.updated_at = utcnow()
    session.add(notice)
    session.flush()
    audit.record(session, by=by, action=f"notice.status.{status.value}", kind="notice", object_id=notice.id)
    webhook.enqueue(
        session,
        org_id=notice.org_id,
        event="notice.status_changed",
        data={"notice_id": notice.id, "person_id": notice.person_id, "status": notice.status.value},
    )
    return notice


def change_status(session: Session, notice_id: str, *, data: StatusChangeIn, by: Principal) -> Notice:
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id, for_update=True)
    return append_status(
        session,
        notice,
        status=data.status,
        on=data.on,
        actor=data.actor,
        reason=data.reason,
        note=data.note,
        by=by,
    )


def retract(session: Session, notice: Notice, entry: NoticeStatusChange, *, by: Principal) -> Notice:
    """Remove one later status entry of a locked notice (entered in error); the status follows."""
    session.delete(entry)
    session.flush()
    _refresh_status(session, notice)
    notice.version += 1
    notice.updated_at = utcnow()
    session.add(notice)
    session.flush()
    audit.record(session, by=by, action="notice.status.retracted", kind="notice", object_id=notice.id)
    webhook.enqueue(
        session,
        org_id=notice.org_id,
        event="notice.status_changed",
        data={"notice_id": notice.id, "person_id": notice.person_id, "status": notice.status.value},
    )
    return notice


def retract_latest(
    session: Session, notice_id: str, *, by: Principal, expected_version: int | None = None
) -> Notice:
    """Retract the status entry recorded last (not necessarily the last by date). The initial status is
    part of the notice itself and is never retracted: with no later entry, 409."""
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id, for_update=True)
    patch.check_version(notice, expected_version, what="notice")
    entry = session.exec(
        select(NoticeStatusChange)
        .where(NoticeStatusChange.notice_id == notice.id)
        .order_by(col(NoticeStatusChange.position).desc())
    ).first()
    if entry is None:
        raise Conflict(
            "The notice has only its initial status, which is part of the notice: there is no later entry to retract."
        )
    return retract(session, notice, entry, by=by)


def delete(session: Session, notice_id: str, *, by: Principal, expected_version: int | None = None) -> None:
    """Remove a notice entered in error, with its charges and status history. Detentions and challenges
    that named it stay, without the link."""
    notice = get_owned(session, Notice, notice_id, org_id=by.org_id, for_update=True)
    patch.check_version(notice, expected_version, what="notice")
    linked: list[Detention | Challenge] = [
        *session.exec(owned(Detention, by.org_id).where(Detention.notice_id == notice.id)),
        *session.exec(owned(Challenge, by.org_id).where(Challenge.notice_id == notice.id)),
    ]
    for record in linked:
        record.notice_id = None
        record.version += 1
        record.updated_at = utcnow()
        session.add(record)
    session.exec(delete_rows(Charge).where(col(Charge.notice_id) == notice.id))
    session.exec(delete_rows(NoticeStatusChange).where(col(NoticeStatusChange.notice_id) == notice.id))
    session.delete(notice)
    session.flush()
    audit.record(session, by=by, action="notice.deleted", kind="notice", object_id=notice_id)
