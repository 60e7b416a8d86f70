"""What each page shows, gathered through the same service calls as the API reads it replaces.

A page that shows a person's data therefore writes exactly the audit entries a script reading the
same data through the API would write, under the same action names, in the page's transaction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session

from app.models.challenge import ChallengePublic
from app.models.detention import Detention
from app.models.extradition import Extradition
from app.models.flag import Flag
from app.models.fuzzy_date import FuzzyDate
from app.models.incident import Incident
from app.models.notice import NoticePublic
from app.models.person import PersonPublic
from app.models.protection import Protection
from app.models.timeline import HistoryEvent
from app.models.token import Principal
from app.services import audit
from app.services import challenge as challenge_service
from app.services import detention as detention_service
from app.services import extradition as extradition_service
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import incident as incident_service
from app.services import notice as notice_service
from app.services import person as person_service
from app.services import protection as protection_service

PAGE = 200  # the API's largest page: a person with more records costs one more call (and entry) per page
T = TypeVar("T")

# What a person's page shows, and the API read (and so the audit action) each part stands for.
PERSON_PAGE_ACTIONS = (
    "person.read",  # GET /persons/{id}
    "person.history_read",  # GET /persons/{id}/history
    "person.flags_read",  # GET /persons/{id}/flags
    "protection.listed",  # GET /persons/{id}/protections
    "notice.listed",  # GET /notices?person_id=
    "detention.listed",  # GET /detentions?person_id=
    "extradition.listed",  # GET /extraditions?person_id=
    "incident.listed",  # GET /incidents?person_id=
    "challenge.listed",  # GET /challenges?person_id=
)


def _every(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> list[T]:
    rows, cursor = fetch(None)
    while cursor is not None:
        more, cursor = fetch(cursor)
        rows += more
    return rows


def _by_date(*dates: FuzzyDate | None) -> date:
    """Records sort by their first known date; undated ones last."""
    return next((d.start for d in dates if d is not None), date.max)


@dataclass
class PersonPage:
    person: PersonPublic
    events: list[HistoryEvent]
    flags: list[Flag]
    protections: list[Protection]
    notices: list[NoticePublic]
    detentions: list[Detention]
    extraditions: list[Extradition]
    incidents: list[Incident]
    challenges: list[ChallengePublic]

    def record(self, kind: str, record_id: str) -> object | None:
        """A record shown on the page, for the words of a link to it (None: not on this page)."""
        tables: dict[str, Sequence[Any]] = {
            "protection": self.protections,
            "notice": self.notices,
            "detention": self.detentions,
            "extradition": self.extraditions,
            "incident": self.incidents,
            "challenge": self.challenges,
        }
        rows = tables.get(kind, ())
        return next((r for r in rows if r.id == record_id), None)


def person_page(session: Session, person_id: str, *, by: Principal) -> PersonPage:
    """Everything the person's page shows (one 404 for unknown and foreign ids, before any entry is written)."""
    person = person_service.get(session, person_id, by=by)
    audit.record(session, by=by, action="person.history_read", kind="person", object_id=person.id)
    events = history_service.events(session, person)
    audit.record(session, by=by, action="person.flags_read", kind="person", object_id=person.id)
    flags = flag_service.for_person(session, person)
    protections = protection_service.list_for_person(session, person.id, by=by)
    notices = _every(
        lambda cursor: notice_service.list_page(
            session,
            by=by,
            person_id=person.id,
            requesting_state=None,
            channel=None,
            status=None,
            limit=PAGE,
            cursor=cursor,
        )
    )
    detentions = _every(
        lambda cursor: detention_service.list_page(
            session,
            by=by,
            person_id=person.id,
            host_state=None,
            requesting_state=None,
            status=None,
            limit=PAGE,
            cursor=cursor,
        )
    )
    extraditions = _every(
        lambda cursor: extradition_service.list_page(
            session,
            by=by,
            person_id=person.id,
            requesting_state=None,
            requested_state=None,
            decision=None,
            limit=PAGE,
            cursor=cursor,
        )
    )
    incidents = _every(
        lambda cursor: incident_service.list_page(
            session,
            by=by,
            person_id=person.id,
            kind=None,
            perpetrator_state=None,
            host_state=None,
            limit=PAGE,
            cursor=cursor,
        )
    )
    challenges = _every(
        lambda cursor: challenge_service.list_page(
            session, by=by, person_id=person.id, status=None, overdue=None, limit=PAGE, cursor=cursor
        )
    )
    return PersonPage(
        person=person_service.public(session, person),
        events=events,
        flags=sorted(flags, key=lambda f: (f.requesting_state, ("high", "medium", "low").index(f.severity))),
        protections=protections,
        notices=sorted(notices, key=lambda n: (_by_date(n.requested_on, n.issued_on), n.created_at)),
        detentions=sorted(detentions, key=lambda d: (d.detained_on.start, d.created_at)),
        extraditions=sorted(extraditions, key=lambda e: (_by_date(e.opened_on, e.decided_on), e.created_at)),
        incidents=sorted(incidents, key=lambda i: (_by_date(i.occurred_on), i.created_at)),
        challenges=challenge_service.publics(
            session, sorted(challenges, key=lambda c: (_by_date(c.filed_on), c.created_at))
        ),
    )


@dataclass(frozen=True)
class DueChallenge:
    challenge: ChallengePublic
    person_name: str
    days_left: int


def due_challenges(session: Session, *, by: Principal, within_days: int, today: date) -> list[DueChallenge]:
    """The organisation's open challenges whose deadline has passed or falls within `within_days`,
    soonest first, with the name of the person each concerns (each name shown is a person read)."""
    rows = _every(
        lambda cursor: challenge_service.list_page(
            session,
            by=by,
            person_id=None,
            status=None,
            overdue=None,
            limit=PAGE,
            cursor=cursor,
            today=today,
        )
    )
    deadlines = {
        c.id: c.deadline_on.start
        for c in rows
        if c.status in challenge_service.OPEN and c.deadline_on is not None
    }
    due = sorted(
        (c for c in rows if c.id in deadlines and (deadlines[c.id] - today).days <= within_days),
        key=lambda c: (deadlines[c.id], c.id),
    )
    names: dict[str, str] = {}
    for challenge in due:
        if challenge.person_id not in names:
            names[challenge.person_id] = person_service.get(session, challenge.person_id, by=by).name
    return [
        DueChallenge(
            challenge=public,
            person_name=names[public.person_id],
            days_left=(deadlines[public.id] - today).days,
        )
        for public in challenge_service.publics(session, due, today=today)
    ]
