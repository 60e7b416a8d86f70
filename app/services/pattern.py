"""Pooled figures per requesting state: the only queries that count across organisations.

Functions here are named `pooled_*` and return figures, never another organisation's identities:
the only person ids they return are the caller's own.

The score of a state, in [0, 1], higher = stronger evidence of abuse:

    strength = 1 − Π_codes (1 − weight(severity) × persons_with_code / persons)
    score    = strength × persons / (persons + 10)

- severity: a high indicator weighs 0.6, a medium one 0.35, a low one 0.15, so findings by courts
  and INTERPOL's own bodies count for more than the shape of a charge;
- share: each indicator counts by the share of the state's persons it touches (a "noisy OR": every
  indicator adds evidence, none can push the strength past 1);
- shrinkage: the factor persons / (persons + 10) pulls states with few persons toward 0, as if ten
  more persons without any indicator had been recorded. Two persons can never score above 2/12 ≈ 0.17,
  which thirty persons reach with modest evidence (e.g. a quarter of them released without
  extradition and half facing security charges).
The score is rounded to four decimals; ties are broken by the state code.
"""

from collections import defaultdict
from statistics import median

from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models.detention import Detention, DetentionStatus
from app.models.extradition import Decision, Extradition
from app.models.flag import (
    SEVERITY,
    FlagCode,
    HostSummary,
    Pattern,
    PersonFlag,
    PersonState,
    Severity,
    StateCounts,
    StateDetail,
    StateSummary,
)
from app.models.notice import Notice
from app.models.token import Principal

WEIGHT = {Severity.high: 0.6, Severity.medium: 0.35, Severity.low: 0.15}
PRIOR_PERSONS = 10
CODE_ORDER = {code: i for i, code in enumerate(FlagCode)}


def score(persons: int, with_code: dict[FlagCode, int]) -> float:
    if persons <= 0:
        return 0.0
    remaining = 1.0
    for code, k in with_code.items():
        remaining *= 1 - WEIGHT[SEVERITY[code]] * min(k, persons) / persons
    return round((1 - remaining) * persons / (persons + PRIOR_PERSONS), 4)


def _count_by(session: Session, column: object, *where: object) -> dict[str, int]:
    query = sa_select(column, func.count()).group_by(column)  # type: ignore[call-overload]
    for condition in where:
        query = query.where(condition)
    return {state: int(n) for state, n in session.connection().execute(query)}


def _released_without_extradition(session: Session, state: str | None = None) -> dict[str, int]:
    """Released detentions of persons never surrendered to that state, by state, in one set-based query
    (an anti-join on the surrendered (person, state) pairs, not a subquery per detention)."""
    table = Detention.__table__  # type: ignore[attr-defined]
    surrendered = (
        sa_select(table.c.person_id, table.c.requesting_state)
        .where(table.c.status == DetentionStatus.surrendered.value)
        .distinct()
        .subquery()
    )
    joined = table.outerjoin(
        surrendered,
        and_(
            surrendered.c.person_id == table.c.person_id,
            surrendered.c.requesting_state == table.c.requesting_state,
        ),
    )
    query = (
        sa_select(table.c.requesting_state, func.count())
        .select_from(joined)
        .where(
            table.c.status == DetentionStatus.released.value,
            table.c.released_on.is_not(None),  # an end recorded only as `ended_on` is no sourced release
            surrendered.c.person_id.is_(None),
        )
        .group_by(table.c.requesting_state)
    )
    if state:
        query = query.where(table.c.requesting_state == state)
    return {s: int(n) for s, n in session.connection().execute(query)}


def _counts(session: Session, state: str | None = None) -> dict[str, StateCounts]:
    def only(column: object) -> list[object]:
        return [column == state] if state else []

    persons = _count_by(session, col(PersonState.state), *only(col(PersonState.state)))
    notices = _count_by(session, col(Notice.requesting_state), *only(col(Notice.requesting_state)))
    detentions = _count_by(session, col(Detention.requesting_state), *only(col(Detention.requesting_state)))
    released = _released_without_extradition(session, state)
    refused = _count_by(
        session,
        col(Extradition.requesting_state),
        col(Extradition.decision) == Decision.refused.value,
        *only(col(Extradition.requesting_state)),
    )
    noncompliant_query = sa_select(col(PersonFlag.state), func.sum(col(PersonFlag.notices))).where(
        col(PersonFlag.code) == FlagCode.interpol_found_noncompliant.value
    )
    if state:
        noncompliant_query = noncompliant_query.where(col(PersonFlag.state) == state)
    noncompliant = {
        s: int(n or 0)
        for s, n in session.connection().execute(noncompliant_query.group_by(col(PersonFlag.state)))
    }
    states = set(persons) | set(notices) | set(detentions) | set(refused)
    return {
        s: StateCounts(
            persons=persons.get(s, 0),
            notices=notices.get(s, 0),
            detentions=detentions.get(s, 0),
            released_without_extradition=released.get(s, 0),
            extraditions_refused=refused.get(s, 0),
            interpol_noncompliant=noncompliant.get(s, 0),
        )
        for s in states
    }


def _codes(session: Session, state: str | None = None) -> dict[str, dict[FlagCode, int]]:
    query = sa_select(col(PersonFlag.state), col(PersonFlag.code), func.count()).group_by(
        col(PersonFlag.state), col(PersonFlag.code)
    )
    if state:
        query = query.where(col(PersonFlag.state) == state)
    found: dict[str, dict[FlagCode, int]] = defaultdict(dict)
    for s, code, k in session.connection().execute(query):
        found[s][FlagCode(code)] = int(k)
    return found


def _recurrent(codes: dict[FlagCode, int], minimum: int) -> list[FlagCode]:
    return sorted((c for c, k in codes.items() if k >= minimum), key=lambda c: CODE_ORDER[c])


def pooled_states(session: Session, *, min_persons: int) -> list[StateSummary]:
    """Every state in at least one (person, state) pair, ranked by score (ties: state code)."""
    counts = _counts(session)
    codes = _codes(session)
    summaries = [
        StateSummary(
            state=s,
            **c.model_dump(),
            patterns=_recurrent(codes.get(s, {}), min_persons),
            score=score(c.persons, codes.get(s, {})),
        )
        for s, c in counts.items()
        if c.persons > 0
    ]
    return sorted(summaries, key=lambda x: (-x.score, x.state))


def pooled_state(session: Session, state: str, *, min_persons: int, by: Principal) -> StateDetail:
    """One state's figures and patterns; evidence lists only the caller's own persons."""
    counts = _counts(session, state).get(state) or StateCounts(
        persons=0,
        notices=0,
        detentions=0,
        released_without_extradition=0,
        extraditions_refused=0,
        interpol_noncompliant=0,
    )
    codes = _codes(session, state).get(state, {})
    own: dict[str, list[str]] = defaultdict(list)
    rows = session.exec(
        select(PersonFlag.code, PersonFlag.person_id)
        .where(PersonFlag.state == state, PersonFlag.org_id == by.org_id)
        .order_by(col(PersonFlag.person_id))
    )
    for code, person_id in rows:
        own[FlagCode(code).value].append(person_id)
    patterns = [
        Pattern(
            code=code,
            persons=k,
            rate=round(k / counts.persons, 4) if counts.persons else 0.0,
            recurrent=k >= min_persons,
            evidence=own.get(code.value, []),
        )
        for code, k in sorted(codes.items(), key=lambda item: CODE_ORDER[item[0]])
    ]
    return StateDetail(state=state, counts=counts, patterns=patterns, score=score(counts.persons, codes))


def pooled_hosts(session: Session, state: str) -> list[HostSummary]:
    """Where the state's requests reached people, host by host: detentions, outcomes, extradition decisions."""
    by_host: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    custody: dict[str, list[int]] = defaultdict(list)
    detentions = session.exec(select(Detention).where(Detention.requesting_state == state))
    for d in detentions:
        figures = by_host[d.host_state]
        figures["detentions"] += 1
        if d.status is DetentionStatus.released and d.released_on is not None:
            figures["released"] += 1
        elif d.status is DetentionStatus.surrendered:
            figures["surrendered"] += 1
        if d.custody_days is not None:
            custody[d.host_state].append(d.custody_days)
    decisions = session.connection().execute(
        sa_select(col(Extradition.requested_state), col(Extradition.decision), func.count())
        .where(col(Extradition.requesting_state) == state)
        .group_by(col(Extradition.requested_state), col(Extradition.decision))
    )
    for host, decision, n in decisions:
        figures = by_host[host]  # a host with proceedings but no detention still gets its line
        if decision == Decision.granted.value:
            figures["extraditions_granted"] += int(n)
        elif decision == Decision.refused.value:
            figures["extraditions_refused"] += int(n)
    items = [
        HostSummary(
            host_state=host,
            detentions=f["detentions"],
            released=f["released"],
            surrendered=f["surrendered"],
            extraditions_granted=f["extraditions_granted"],
            extraditions_refused=f["extraditions_refused"],
            median_custody_days=float(median(custody[host])) if custody[host] else None,
        )
        for host, f in by_host.items()
    ]
    return sorted(items, key=lambda h: (-h.detentions, h.host_state))


def pooled_notices_by_year(session: Session, state: str) -> tuple[dict[int, int], int]:
    """({year: notices}, undated notices) on `state`'s request, pooled; a notice counts in the year it
    was requested, else issued (a fuzzy date's first four characters are its year)."""
    year = func.substr(func.coalesce(col(Notice.requested_on), col(Notice.issued_on)), 1, 4)
    query = sa_select(year, func.count()).where(col(Notice.requesting_state) == state).group_by(year)
    by_year: dict[int, int] = {}
    undated = 0
    for value, count in session.connection().execute(query):
        if value:
            by_year[int(value)] = int(count)
        else:
            undated += int(count)
    return by_year, undated
