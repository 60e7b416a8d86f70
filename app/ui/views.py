"""What each page shows, gathered through the same service calls as the API reads it replaces.

A page that shows a person's data therefore writes exactly the audit entries a script reading the
same data through the API would write, under the same action names, in the page's transaction.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from sqlmodel import Session

from app import kinds
from app.kinds.kind import RecordKind
from app.language import ENGLISH, Prose
from app.models.challenge import ChallengePublic
from app.models.deadline import DeadlineKind, DeadlinePublic
from app.models.flag import Flag
from app.models.person import PersonPublic
from app.models.timeline import HistoryEvent
from app.models.token import Principal
from app.models.watch import WatchPublic
from app.services import challenge as challenge_service
from app.services import deadline as deadline_service
from app.services import detention as detention_service
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import notice as notice_service
from app.services import person as person_service
from app.services import records as records_service
from app.services import watch as watch_service

PAGE = 200  # the API's largest page: a person with more records costs one more call (and entry) per page
T = TypeVar("T")

# What a person's page shows, and the API read (and so the audit action) each part stands for: the person
# (GET /persons/{id}), the timeline, the flags, and the list of their records of each kind the page shows.
PERSON_PAGE_ACTIONS = (
    "person.read",
    "person.history_read",
    "person.flags_read",
    *(kind.listed for kind in kinds.on_page()),
)
# Records shown as the API answers them (with their charges and status history, their events), not as rows.
_PUBLIC: dict[str, Callable[[Session, list[Any]], list[Any]]] = {
    "notice": notice_service.publics,
    "detention": detention_service.publics,
    "challenge": lambda session, rows: challenge_service.publics(session, rows),
}


def _every(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> list[T]:
    rows, cursor = fetch(None)
    while cursor is not None:
        more, cursor = fetch(cursor)
        rows += more
    return rows


def _by_date(kind: RecordKind, record: Any) -> tuple[date, datetime]:
    """Records sort by their first known date (the kind's `dated_by`), undated ones last."""
    dates = (getattr(record, name) for name in kind.dated_by)
    return next((d.start for d in dates if d is not None), date.max), record.created_at


@dataclass
class Section:
    kind: RecordKind
    records: list[Any]


@dataclass
class PersonPage:
    person: PersonPublic
    events: list[HistoryEvent]
    flags: list[Flag]
    sections: list[Section]
    watch: WatchPublic | None = None

    def record(self, kind: str, record_id: str) -> object | None:
        """A record shown on the page, for the words of a link to it (None: not on this page)."""
        rows = next((s.records for s in self.sections if s.kind.name == kind), [])
        return next((r for r in rows if r.id == record_id), None)


def person_page(session: Session, person_id: str, *, by: Principal, prose: Prose = ENGLISH) -> PersonPage:
    """Everything the person's page shows (one 404 for unknown and foreign ids, before any entry is written),
    the timeline and the explanations in `prose`'s language."""
    person = person_service.get(session, person_id, by=by)
    shown = kinds.on_page()
    records = records_service.read(session, person, by=by, kinds=shown)
    # The timeline is the API's history: it also shows what watches found at INTERPOL (the changes are
    # children of the stored checks, a kind the page has no section for), read under the history's entry.
    unshown = [kind for kind in kinds.KINDS if not kind.in_dossier]
    more = records_service.for_person(session, person, kinds=unshown)
    for kind in unshown:
        records.by_kind[kind.name] = more.of(kind.name)
    records.children.update(more.children)
    events = history_service.read(session, person, by=by, records=records, prose=prose)
    flags = flag_service.read(session, person, by=by, prose=prose)
    watch = watch_service.of_person(session, person.id, org_id=by.org_id)
    sections = []
    for kind in shown:
        rows = sorted(records.of(kind.name), key=partial(_by_date, kind))
        sections.append(Section(kind, _PUBLIC[kind.name](session, rows) if kind.name in _PUBLIC else rows))
    return PersonPage(
        person=person_service.public(session, person),
        events=events,
        flags=sorted(flags, key=lambda f: (f.requesting_state, ("high", "medium", "low").index(f.severity))),
        sections=sections,
        watch=next(iter(watch_service.public(session, [watch])), None) if watch is not None else None,
    )


def _names(session: Session, person_ids: Iterable[str], *, by: Principal) -> dict[str, str]:
    """The names of these persons (each name shown is a person read, audited as the API's)."""
    names: dict[str, str] = {}
    for person_id in person_ids:
        if person_id not in names:
            names[person_id] = person_service.get(session, person_id, by=by).name
    return names


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
    names = _names(session, (c.person_id for c in due), by=by)
    return [
        DueChallenge(
            challenge=public,
            person_name=names[public.person_id],
            days_left=(deadlines[public.id] - today).days,
        )
        for public in challenge_service.publics(session, due, today=today)
    ]


@dataclass(frozen=True)
class DueDeadline:
    deadline: DeadlinePublic
    person_name: str
    days_left: int


@dataclass(frozen=True)
class WatchNews:
    unseen: watch_service.Unseen
    person_name: str


@dataclass(frozen=True)
class HomePage:
    challenges: list[DueChallenge]
    watches: list[WatchNews]
    deadlines: list[DueDeadline]


def home_page(session: Session, *, by: Principal, within_days: int, today: date) -> HomePage:
    """What needs attention, for the landing page: challenges due or overdue, watches whose INTERPOL changes
    nobody has seen yet, and the other deadlines (hearings, protections ending, the ECHR time limit) due
    within `within_days` or overdue. CCF decisions are deadlines too; they are listed once, as challenges."""
    challenges = due_challenges(session, by=by, within_days=within_days, today=today)
    deadlines = [
        d
        for d in _every(
            lambda cursor: deadline_service.list_page(
                session, by=by, within_days=within_days, limit=PAGE, cursor=cursor, today=today
            )
        )
        if d.kind is not DeadlineKind.ccf_decision
    ]
    unseen = watch_service.unseen_changes(session, by=by)
    names = _names(session, [*(d.person_id for d in deadlines), *(u.person_id for u in unseen)], by=by)
    return HomePage(
        challenges=challenges,
        watches=[WatchNews(unseen=u, person_name=names[u.person_id]) for u in unseen],
        deadlines=[
            DueDeadline(
                deadline=d,
                person_name=names[d.person_id],
                days_left=(date.fromisoformat(d.due_on) - today).days,
            )
            for d in deadlines
        ],
    )
