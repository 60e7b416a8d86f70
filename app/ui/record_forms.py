"""What the web interface can do to each kind of a person's records: the API model and service call of
adding one, correcting one (with the version it was read at), its actions (a release, a status change,
a challenge's event), taking back its last entry, and deleting it. Each entry calls exactly the service
function the API's route calls, so audit entries, flags and deadlines are the API's."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.models.challenge import ChallengeCreate, ChallengeStatus, ChallengeUpdate, EventIn
from app.models.detention import DetentionCreate, DetentionStatus, DetentionUpdate, ReleaseIn, SurrenderIn
from app.models.document import DocumentPublic, DocumentUpdate
from app.models.extradition import ExtraditionCreate, ExtraditionPublic, ExtraditionUpdate
from app.models.incident import IncidentCreate, IncidentPublic, IncidentUpdate
from app.models.notice import NoticeCreate, NoticeUpdate, StatusChangeIn
from app.models.protection import Protection, ProtectionCreate, ProtectionPublic, ProtectionUpdate
from app.models.token import Principal
from app.services import challenge as challenge_service
from app.services import detention as detention_service
from app.services import document as document_service
from app.services import extradition as extradition_service
from app.services import incident as incident_service
from app.services import notice as notice_service
from app.services import protection as protection_service
from app.services.tenancy import get_owned
from app.vocabulary import N_


@dataclass(frozen=True)
class Action:
    """A form posting one of a record's own actions; `when`: offered for a record as it stands."""

    name: str
    title: str
    model: type[BaseModel]
    run: Callable[[Session, str, Any, Principal], Any]
    when: Callable[[Any], bool] = lambda _record: True


@dataclass(frozen=True)
class Undo:
    """Taking back a record's last entry (a status change, a challenge's event), after a confirmation."""

    name: str
    title: str
    question: str
    run: Callable[[Session, str, int | None, Principal], Any]
    when: Callable[[Any], bool] = lambda _record: True


@dataclass(frozen=True)
class RecordForms:
    kind: str  # the registry's name (app/kinds)
    plural: str  # its segment in /ui addresses
    add_title: str
    edit_title: str
    create: type[BaseModel] | None
    update: type[BaseModel]
    read: Callable[[Session, str, Principal], Any]  # the API's read of one: audited, the stored row
    public: Callable[[Session, Any], BaseModel]  # as the API answers it
    add: Callable[[Session, str, Any, Principal], Any] | None
    correct: Callable[[Session, Any, Any, int, Principal], Any]
    remove: Callable[[Session, Any, int | None, Principal], None]
    actions: tuple[Action, ...] = ()
    undos: tuple[Undo, ...] = ()
    hide: Callable[[Any], frozenset[str]] = lambda _public: frozenset()
    omit: frozenset[str] = field(default_factory=lambda: frozenset({"person_id"}))

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def undo(self, name: str) -> Undo | None:
        return next((u for u in self.undos if u.name == name), None)


def _protection(session: Session, protection_id: str, by: Principal) -> Protection:
    row = get_owned(session, Protection, protection_id, org_id=by.org_id)
    return protection_service.get(session, row.person_id, protection_id, by=by)


_RELEASE = frozenset({"released_on", "release_reason", "release_conditions", "release_note", "ended_on"})
_SURRENDER = frozenset({"surrendered_on", "surrender_kind", "surrender_note"})


def _detention_hidden(public: Any) -> frozenset[str]:
    """A correction offers the release fields once released, the surrender's once surrendered."""
    hidden: set[str] = set()
    if public.status is not DetentionStatus.released:
        hidden |= _RELEASE
    elif public.released_on is not None:
        hidden.add("ended_on")
    if public.status is not DetentionStatus.surrendered:
        hidden |= _SURRENDER
    return frozenset(hidden)


_OPEN = frozenset(challenge_service.OPEN)

FORMS: Mapping[str, RecordForms] = {
    f.plural: f
    for f in (
        RecordForms(
            kind="protection",
            plural="protections",
            add_title=N_("Add a protection status"),
            edit_title=N_("Correct a protection status"),
            create=ProtectionCreate,
            update=ProtectionUpdate,
            read=_protection,
            public=lambda _s, row: ProtectionPublic.model_validate(row),
            add=lambda s, pid, data, by: protection_service.create(s, pid, data=data, by=by),
            correct=lambda s, row, data, v, by: protection_service.update(
                s, row.person_id, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: protection_service.delete(
                s, row.person_id, row.id, by=by, expected_version=v
            ),
            omit=frozenset(),
        ),
        RecordForms(
            kind="notice",
            plural="notices",
            add_title=N_("Add a notice or request"),
            edit_title=N_("Correct a notice"),
            create=NoticeCreate,
            update=NoticeUpdate,
            read=lambda s, rid, by: notice_service.get(s, rid, by=by),
            public=notice_service.public,
            add=lambda s, _pid, data, by: notice_service.create(s, data=data, by=by),
            correct=lambda s, row, data, v, by: notice_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: notice_service.delete(s, row.id, by=by, expected_version=v),
            actions=(
                Action(
                    "status",
                    N_("Record a status change"),
                    StatusChangeIn,
                    lambda s, rid, data, by: notice_service.change_status(s, rid, data=data, by=by),
                ),
            ),
            undos=(
                Undo(
                    "retract-status",
                    N_("Retract the last status change"),
                    N_(
                        "Retract the status change recorded last? The notice's status follows the earlier ones."
                    ),
                    lambda s, rid, v, by: notice_service.retract_latest(s, rid, by=by, expected_version=v),
                    when=lambda public: len(public.status_history) > 1,
                ),
            ),
        ),
        RecordForms(
            kind="detention",
            plural="detentions",
            add_title=N_("Add a detention"),
            edit_title=N_("Correct a detention"),
            create=DetentionCreate,
            update=DetentionUpdate,
            read=lambda s, rid, by: detention_service.get(s, rid, by=by),
            public=detention_service.public,
            add=lambda s, _pid, data, by: detention_service.create(s, data=data, by=by),
            correct=lambda s, row, data, v, by: detention_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: detention_service.delete(s, row.id, by=by, expected_version=v),
            actions=(
                Action(
                    "release",
                    N_("Record the release"),
                    ReleaseIn,
                    lambda s, rid, data, by: detention_service.release(s, rid, data=data, by=by),
                    when=lambda public: public.status is DetentionStatus.in_custody,
                ),
                Action(
                    "surrender",
                    N_("Record the surrender"),
                    SurrenderIn,
                    lambda s, rid, data, by: detention_service.surrender(s, rid, data=data, by=by),
                    when=lambda public: public.status is DetentionStatus.in_custody,
                ),
            ),
            hide=_detention_hidden,
        ),
        RecordForms(
            kind="extradition",
            plural="extraditions",
            add_title=N_("Add extradition proceedings"),
            edit_title=N_("Correct extradition proceedings"),
            create=ExtraditionCreate,
            update=ExtraditionUpdate,
            read=lambda s, rid, by: extradition_service.get(s, rid, by=by),
            public=lambda _s, row: ExtraditionPublic.model_validate(row),
            add=lambda s, _pid, data, by: extradition_service.create(s, data=data, by=by),
            correct=lambda s, row, data, v, by: extradition_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: extradition_service.delete(s, row.id, by=by, expected_version=v),
        ),
        RecordForms(
            kind="incident",
            plural="incidents",
            add_title=N_("Add an incident"),
            edit_title=N_("Correct an incident"),
            create=IncidentCreate,
            update=IncidentUpdate,
            read=lambda s, rid, by: incident_service.get(s, rid, by=by),
            public=lambda _s, row: IncidentPublic.model_validate(row),
            add=lambda s, _pid, data, by: incident_service.create(s, data=data, by=by),
            correct=lambda s, row, data, v, by: incident_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: incident_service.delete(s, row.id, by=by, expected_version=v),
        ),
        RecordForms(
            kind="challenge",
            plural="challenges",
            add_title=N_("Open a challenge"),
            edit_title=N_("Correct a challenge"),
            create=ChallengeCreate,
            update=ChallengeUpdate,
            read=lambda s, rid, by: challenge_service.get(s, rid, by=by),
            public=lambda s, row: challenge_service.publics(s, [row])[0],
            add=lambda s, _pid, data, by: challenge_service.create(s, data=data, by=by),
            correct=lambda s, row, data, v, by: challenge_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: challenge_service.delete(s, row.id, by=by, expected_version=v),
            actions=(
                Action(
                    "event",
                    N_("Record what happened"),
                    EventIn,
                    lambda s, rid, data, by: challenge_service.apply_event(s, rid, data=data, by=by),
                    when=lambda public: public.status in _OPEN or public.status is ChallengeStatus.draft,
                ),
            ),
            undos=(
                Undo(
                    "undo-event",
                    N_("Remove the last event"),
                    N_(
                        "Remove the challenge's last event? Its status, dates and deadline return to what the earlier events give."
                    ),
                    lambda s, rid, v, by: challenge_service.delete_last_event(
                        s, rid, by=by, expected_version=v
                    ),
                    when=lambda public: bool(public.events),
                ),
            ),
        ),
        RecordForms(
            kind="document",
            plural="documents",
            add_title=N_("Add a document"),
            edit_title=N_("Correct a document's details"),
            create=None,  # an upload: its own form (app/routers/ui_documents.py)
            update=DocumentUpdate,
            read=lambda s, rid, by: document_service.get(s, rid, by=by),
            public=lambda _s, row: DocumentPublic.model_validate(row),
            add=None,
            correct=lambda s, row, data, v, by: document_service.update(
                s, row.id, data=data, expected_version=v, by=by
            ),
            remove=lambda s, row, v, by: document_service.delete(s, row.id, by=by, expected_version=v),
        ),
    )
}
