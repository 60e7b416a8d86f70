"""Loading what the indicators read, in a few set-based queries for any number of persons: each person's
records through the one loader (`app.services.records`), with their notices' charges, status history and
CCF decisions, their relatives' records and their groups' dated notices (pooled across organisations)."""

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, distinct, func, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app import kinds
from app.models.challenge import Challenge, Forum, Outcome
from app.models.detention import Detention
from app.models.flag import GroupMemberNotice
from app.models.incident import Incident
from app.models.notice import Charge, Notice, NoticeStatusChange
from app.models.person import Person, PersonAffiliation, PersonRelation
from app.services import notice as notice_service
from app.services import records as records_service
from app.services.flag_rules import (
    COLUMNS_READ,
    GROUP_MIN_PERSONS,
    GROUP_SPAN_DAYS,
    GroupNotice,
    GroupNotices,
    GroupWindow,
    NoticeFacts,
    Records,
    _group_order,
)

MAX_DATE_RANGES = 200  # per group query; past it, one range per state (a refresh of 500 persons at once)

CHUNK = 500


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


GroupCache = dict[str, dict[str, list[GroupNotice]]]


def _near(dates: dict[str, set[date]]) -> ColumnElement[bool] | None:
    """Group notices of these states dated (by the first day of their period) within GROUP_SPAN_DAYS of
    any of the dates given for that state: a window holding one of those dates holds nothing else, so
    leaving the rest out changes no flag and no explanation."""
    notice = GroupMemberNotice.__table__.c  # type: ignore[attr-defined]
    span = timedelta(days=GROUP_SPAN_DAYS)
    by_state: dict[str, list[list[date]]] = {}
    for state, days in sorted(dates.items()):
        merged = by_state.setdefault(state, [])
        for day in sorted(days):
            if merged and day - span <= merged[-1][1]:
                merged[-1][1] = day + span
            else:
                merged.append([day - span, day + span])
    if sum(map(len, by_state.values())) > MAX_DATE_RANGES:  # SQLite nests OR terms, at most 1000 deep
        by_state = {state: [[spans[0][0], spans[-1][1]]] for state, spans in by_state.items()}
    ranges = [
        and_(
            notice.requesting_state == state,
            notice.first_day >= low.isoformat(),
            notice.first_day <= high.isoformat(),
        )
        for state, merged in by_state.items()
        for low, high in merged
    ]
    return or_(*ranges) if ranges else None


def group_notices(
    session: Session,
    keys: Iterable[str],
    cache: GroupCache | None = None,
    *,
    near: dict[str, set[date]] | None = None,
) -> GroupCache:
    """Dated notices of every member of each affiliation, by state (pooled across organisations).

    `near` (state -> dates of the persons' own notices) keeps only the notices that can share a window
    with those: a person's `group_targeting` looks at nothing else, and the largest groups hold
    thousands of notices. Not with `cache`, which must hold every notice.
    """
    if cache is not None and near is not None:
        raise ValueError("a shared cache holds every notice: pass `cache` or `near`, not both")
    wanted = [k for k in dict.fromkeys(keys) if cache is None or k not in cache]
    found: GroupCache = {k: defaultdict(GroupNotices) for k in wanted}
    notice = GroupMemberNotice.__table__.c  # type: ignore[attr-defined]
    query = sa_select(
        notice.key,
        notice.person_id,
        notice.org_id,
        notice.notice_id,
        notice.requesting_state,
        notice.first_day,
    )
    if near is not None:
        condition = _near(near)
        if condition is None:
            return found
        query = query.where(condition)
    for chunk in _chunks(wanted):
        for key, person_id, org_id, notice_id, state, day in session.connection().execute(
            query.where(notice.key.in_(chunk))
        ):
            found[key][state].append(
                GroupNotice(
                    on=date.fromisoformat(day), person_id=person_id, org_id=org_id, notice_id=notice_id
                )
            )
    for by_state in found.values():
        for notices in by_state.values():
            notices.sort(key=_group_order)  # once here, not for every member that looks at the group
    if cache is not None:
        cache.update(found)
        return cache
    return found


def dense_windows(
    session: Session, person: Person, keys: list[str], own: dict[str, set[date]]
) -> dict[tuple[str, str], GroupWindow]:
    """The windows of this person's groups that hold their first notice from a state, counted by the
    database: at a million persons a large group has hundreds of notices in a window, and reading them to
    count them was most of a flags read.

    The window `_group_window` finds for a person is the first of at most GROUP_SPAN_DAYS, in date order,
    that holds this person and GROUP_MIN_PERSONS persons. When the span ending on the person's first
    notice from the state (`own`'s earliest day) holds that many, that span is the window: nothing before
    the person's first notice can be in a window with them, and the scan reaches that day first. Only
    the (group, state) pairs where it does not are left out, for `group_notices` to read."""
    notice = GroupMemberNotice.__table__.c  # type: ignore[attr-defined]
    span = timedelta(days=GROUP_SPAN_DAYS)
    first = {state: min(days) for state, days in own.items()}

    def each_span(columns: Sequence[Any], *where: Any, group: bool = False) -> Any:
        """One statement: a part per state, each one range of the window index, joined by UNION ALL. An
        OR of the ranges is a bitmap scan, which reads the table's pages too (1,800 of them for a large
        group at a million persons, 17 ms); each range alone is read from the index only (1.6 ms)."""
        parts = []
        for state, day in sorted(first.items()):
            part = sa_select(*columns).where(
                notice.key.in_(keys),
                notice.requesting_state == state,
                notice.first_day >= (day - span).isoformat(),
                notice.first_day <= day.isoformat(),
                *where,
            )
            parts.append(part.group_by(notice.key, notice.requesting_state) if group else part)
        return parts[0] if len(parts) == 1 else union_all(*parts)

    connection = session.connection()
    persons = {
        (key, state): count
        for key, state, count in connection.execute(
            each_span(
                (notice.key, notice.requesting_state, func.count(distinct(notice.person_id))), group=True
            )
        )
    }
    colleagues: dict[tuple[str, str], set[str]] = defaultdict(set)
    mine: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (first day, notice id)
    # The organisation's rows of the same spans, from the window index. The organisation is compared
    # through coalesce() so that no index on it can serve the query: SQLite, without statistics, otherwise
    # walks the organisation's own index, every group notice it recorded (21 ms at 100,000 persons).
    for key, state, day, person_id, notice_id in connection.execute(
        each_span(
            (notice.key, notice.requesting_state, notice.first_day, notice.person_id, notice.notice_id),
            func.coalesce(notice.org_id, "") == person.org_id,
        )
    ):
        if person_id == person.id:
            mine[(key, state)].append((day, notice_id))
        else:
            colleagues[(key, state)].add(person_id)
    return {
        pair: GroupWindow(
            persons=count,
            colleagues=sorted(colleagues[pair]),
            notice_ids=[notice_id for _, notice_id in sorted(mine[pair])],
        )
        for pair, count in persons.items()
        if count >= GROUP_MIN_PERSONS and pair in mine  # the person's own notice opens no window otherwise
    }


# The kinds of record the indicators read (their notices' charges, status history and CCF decisions are
# attached here, with the person's relatives and groups).
_KINDS = tuple(
    kinds.BY_NAME[name] for name in ("protection", "notice", "detention", "extradition", "incident")
)


def load(
    session: Session,
    person_ids: Sequence[str],
    *,
    key_name: Callable[[str], str],
    groups: GroupCache | None = None,
    known: Sequence[Person] = (),
    bare: Collection[str] = (),
) -> dict[str, Records]:
    """The records of each person (of any organisation: callers scope the ids), by person id, as the
    session's objects (a unit of work's pending records among them: the ORM's reads flush first).

    `known`: persons among them already loaded in this session, not read (and decrypted) again.
    `bare`: persons known to have no record yet, whose records are not queried (`records.load`)."""
    loaded = records_service.load(session, person_ids, kinds=_KINDS, children=False, known=known, bare=bare)
    return _complete(session, loaded, person_ids, key_name=key_name, groups=groups)


def load_one(session: Session, person: Person, *, key_name: Callable[[str], str]) -> Records:
    """One person's records as read-only rows of the columns the indicators read (`COLUMNS_READ`), holding
    the values `load` would give (the columns' types convert them alike), none tracked by the session: the
    ORM's statement handling and bookkeeping of the objects cost more than reading them. For a read only:
    a Core statement does not flush, so a unit of work's pending records are `load`'s."""
    loaded = records_service.PersonRecords(person=person)
    connection = session.connection()
    for kind in records_service.held(session, person.id, _KINDS):
        query, row = records_service.person_rows(kind.name, _rule_columns(kind.name))
        loaded.by_kind[kind.name] = list(map(row._make, connection.execute(query, {"person_id": person.id})))
    return _complete(session, {person.id: loaded}, [person.id], key_name=key_name)[person.id]


@functools.cache
def _rule_columns(name: str) -> tuple[str, ...]:
    """What `load_one` reads of a kind's records: their id, their person and `COLUMNS_READ`, in table order."""
    kind = kinds.BY_NAME[name]
    wanted = {"id", kind.person_link, *COLUMNS_READ[name]}
    return tuple(column.key for column in kind.model.__table__.c if column.key in wanted)  # type: ignore[attr-defined]


def _complete(
    session: Session,
    loaded: dict[str, records_service.PersonRecords],
    person_ids: Sequence[str],
    *,
    key_name: Callable[[str], str],
    groups: GroupCache | None = None,
) -> dict[str, Records]:
    """The persons' `Records` of their loaded records, with what else the indicators read: their notices'
    charges, status history and CCF deletions, their relatives' records, their groups' notices."""
    out: dict[str, Records] = {
        person_id: Records(
            person=r.person,
            protections=r.of("protection"),
            detentions=r.of("detention"),
            extraditions=r.of("extradition"),
            incidents=r.of("incident"),
        )
        for person_id, r in loaded.items()
    }
    for ids in _chunks(person_ids):
        present = [i for i in ids if i in out]
        if not present:
            continue
        _attach_notices(session, out, [n for i in present for n in loaded[i].of("notice")])
        _attach_relatives(session, out, present)
        keys: dict[str, list[str]] = defaultdict(list)
        for person_id, key in session.connection().execute(_AFFILIATIONS, {"ids": present}):
            keys[person_id].append(key)
        wanted = [k for ks in keys.values() for k in ks]
        windows: dict[tuple[str, str], GroupWindow] = {}
        if groups is None:  # only notices near these persons' own can matter to them
            own: dict[str, set[date]] = defaultdict(set)
            for n in (n for i in present for n in out[i].notices):
                if when := n.notice.requested_on or n.notice.issued_on:
                    own[n.notice.requesting_state].add(when.start)
            if len(present) == 1 and wanted and own:
                windows = dense_windows(session, out[present[0]].person, wanted, own)
                wanted = [k for k in wanted if any((k, s) not in windows for s in own)]
                own = {s: days for s, days in own.items() if any((k, s) not in windows for k in wanted)}
            cache = group_notices(session, wanted, near=own) if wanted and own else {}
        else:
            cache = group_notices(session, wanted, groups)
        for person_id, person_keys in keys.items():
            records = out[person_id]
            records.groups = {k: cache.get(k, {}) for k in person_keys}
            records.windows = windows  # filled for one person's read only
            records.affiliation_names = {key_name(a): a for a in records.person.affiliations}
    return out


def _in(column: Any) -> Any:
    return column.in_(bindparam("ids", expanding=True))


_CHARGE = Charge.__table__.c  # type: ignore[attr-defined]
_CHANGE = NoticeStatusChange.__table__.c  # type: ignore[attr-defined]
_CHALLENGE = Challenge.__table__.c  # type: ignore[attr-defined]
_RELATION = PersonRelation.__table__.c  # type: ignore[attr-defined]
# Made once: statements are immutable, and SQLAlchemy then finds each compiled in its cache at once.
_CHARGES = (
    sa_select(*(c for c in _CHARGE if c.key != "text"))
    .where(_in(_CHARGE.notice_id))
    .order_by(_CHARGE.position)
)
_CHANGES = sa_select(NoticeStatusChange.__table__).where(_in(_CHANGE.notice_id))  # type: ignore[attr-defined]
_CCF_DELETIONS = (
    sa_select(_CHALLENGE.id, _CHALLENGE.notice_id)
    .where(_in(_CHALLENGE.notice_id), _CHALLENGE.forum == Forum.ccf, _CHALLENGE.outcome == Outcome.deleted)
    .order_by(_CHALLENGE.id)
)
_RELATIONS = sa_select(PersonRelation.__table__).where(  # type: ignore[attr-defined]
    or_(_in(_RELATION.person_id), _in(_RELATION.related_id))
)
_RELATIVES_RECORDS = [
    (
        kind,
        sa_select(table.c.person_id, table.c[state], table.c.id).where(_in(table.c.person_id)),
    )
    for kind, table, state in (
        ("notice", Notice.__table__, "requesting_state"),  # type: ignore[attr-defined]
        ("detention", Detention.__table__, "requesting_state"),  # type: ignore[attr-defined]
        ("incident", Incident.__table__, "perpetrator_state"),  # type: ignore[attr-defined]
    )
]
_AFFILIATION = PersonAffiliation.__table__.c  # type: ignore[attr-defined]
_AFFILIATIONS = sa_select(_AFFILIATION.person_id, _AFFILIATION.key).where(_in(_AFFILIATION.person_id))


def _attach_notices(session: Session, out: dict[str, Records], notices: list[Any]) -> None:
    """Each notice's charges, status history and CCF deletions, read as Core rows (the indicators only
    look at their values: the ORM's statement handling and objects cost a third of a flags read)."""
    ids = [n.id for n in notices]
    charges: dict[str, list[Any]] = defaultdict(list)
    changes: dict[str, list[Any]] = defaultdict(list)
    ccf_deleted: dict[str, list[str]] = defaultdict(list)
    connection = session.connection()
    for chunk in _chunks(ids):
        for charge in connection.execute(_CHARGES, {"ids": chunk}):
            charges[charge.notice_id].append(charge)
        for change in connection.execute(_CHANGES, {"ids": chunk}):
            changes[change.notice_id].append(change)
        for challenge_id, notice_id in connection.execute(_CCF_DELETIONS, {"ids": chunk}):
            ccf_deleted[notice_id].append(challenge_id)
    for notice in notices:
        facts = NoticeFacts(
            notice=notice,
            history=notice_service.history(notice, changes[notice.id]),
            charges=charges[notice.id],
            ccf_deleted_by=ccf_deleted[notice.id],
        )
        out[notice.person_id].notices.append(facts)


def _attach_relatives(session: Session, out: dict[str, Records], ids: list[str]) -> None:
    connection = session.connection()
    related: dict[str, set[str]] = defaultdict(set)  # relative -> the loaded persons related to them
    for link in connection.execute(_RELATIONS, {"ids": ids}):
        for me, other in ((link.person_id, link.related_id), (link.related_id, link.person_id)):
            if me in out:
                out[me].relatives[other] = link.relation.value
                related[other].add(me)
    if not related:
        return
    found: list[tuple[str, str, str, str]] = []  # (relative, state, kind, id)
    for chunk in _chunks(list(related)):
        for kind, query in _RELATIVES_RECORDS:
            found += [(p, s, kind, i) for p, s, i in connection.execute(query, {"ids": chunk})]
    for relative, state, kind, id_ in found:
        for me in related[relative]:
            out[me].relatives_states.setdefault(state, []).append((kind, id_, relative))
