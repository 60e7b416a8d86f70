"""INTERPOL's public red notices: searches on a user's explicit request, and stored checks of a person.

Only name parts and nationality are ever sent (never notes, protection or whereabouts). A check asks
INTERPOL once per distinct romanised name part (as the family-name filter), scores every hit with the
same matcher as the name search, and keeps the hits that could be the person. Everything it calls
shares one budget, so a check answers within 30 s whatever INTERPOL does; a failure writes nothing.
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col

from app.clients.interpol import InterpolClient, InterpolError, RedNoticeSummary
from app.errors import Unprocessable, UpstreamFailed, UpstreamUnavailable
from app.models.base import utcnow
from app.models.fuzzy_date import FuzzyDate
from app.models.interpol_check import CheckHit, CheckSource, InterpolCheck, RedNoticeItem, RedNoticeList
from app.models.person import Person
from app.models.token import Principal
from app.services import audit
from app.services.matching import Candidate, score
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned
from app.services.transliteration import Script, parse_name

CHECK_BUDGET_S = 27.0  # below the contract's 30 s, leaving room for our own work
MAX_TERMS = 6
MAX_DETAILS = 10
MIN_HIT_SCORE = 0.5
MAX_HITS = 25


def upstream_error(exc: InterpolError) -> UpstreamFailed | UpstreamUnavailable:
    """INTERPOL's failure as our problem answer: 503 with Retry-After when it rate-limits, else 502."""
    if exc.retry_after_s is not None:
        return UpstreamUnavailable(
            exc.reason, headers={"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
        )
    return UpstreamFailed(exc.reason)


def search(
    client: InterpolClient,
    *,
    name: str | None,
    forename: str | None,
    nationality: str | None,
    requesting_state: str | None,
    page_number: int,
) -> RedNoticeList:
    if not any((name, forename, nationality, requesting_state)):
        raise Unprocessable(
            "Give at least one of name, forename, nationality or requesting_state.", loc=("query", "name")
        )
    try:
        found = client.red_notices(
            name=name,
            forename=forename,
            nationality=nationality,
            requesting_state=requesting_state,
            page=page_number,
        )
    except InterpolError as exc:
        raise upstream_error(exc) from None
    return RedNoticeList(
        total=found.total,
        capped=found.capped,
        items=[RedNoticeItem.model_validate(i.model_dump()) for i in found.items],
    )


def query_terms(names: Sequence[str]) -> list[str]:
    """Distinct romanised name parts, longest first, as INTERPOL writes names (upper-case Latin)."""
    terms: dict[str, None] = {}
    for name in names:
        for part in parse_name(name).parts:
            latin = next((f for f in part.forms if f.isascii() and f.replace("-", "").isalpha()), None)
            if latin and len(latin) >= 3 and part.script in (Script.latin, Script.cyrillic):
                terms[latin.upper()] = None
    return sorted(terms, key=lambda t: (-len(t), t))[:MAX_TERMS]


@dataclass
class Found:
    query: list[str]
    hits: list[CheckHit]


def find(
    client: InterpolClient,
    *,
    names: Sequence[str],
    nationalities: Sequence[str],
    birth_date: str | None,
    budget_s: float = CHECK_BUDGET_S,
) -> Found:
    """Search the public red notices for these names and score every hit against them."""
    started = time.monotonic()

    def remaining() -> float:
        left = budget_s - (time.monotonic() - started)
        if left <= 0:
            raise InterpolError("INTERPOL did not answer within the time a check may take", retry_after_s=60)
        return left

    query: list[str] = []
    seen: dict[str, RedNoticeSummary] = {}
    for term in query_terms(names):
        choices: list[str | None] = [*nationalities[:2]] or [None]
        for nationality in choices:
            query.append(f"{term} ({nationality})" if nationality else term)
            for item in client.red_notices(name=term, nationality=nationality, deadline_s=remaining()).items:
                seen.setdefault(item.entity_id, item)
    scored: list[CheckHit] = []
    for item in seen.values():
        full_name = " ".join(p for p in (item.forename, item.name) if p)
        target = Candidate(
            person_id=item.entity_id,
            org_id="interpol",
            names=(full_name,),
            birth_date=item.birth_date,
            nationalities=tuple(item.nationalities),
        )
        best = max(
            (
                score(
                    n, target, birth_date=birth_date, nationality=nationalities[0] if nationalities else None
                )
                for n in names
            ),
            key=lambda m: m.score,
        )
        if best.score >= MIN_HIT_SCORE:
            scored.append(
                CheckHit(
                    entity_id=item.entity_id,
                    name=item.name,
                    forename=item.forename,
                    birth_date=_fuzzy(item.birth_date),
                    nationalities=item.nationalities,
                    score=best.score,
                    requesting_states=[],
                    explanation=list(best.explanation),
                )
            )
    scored.sort(key=lambda h: (-h.score, h.entity_id))
    scored = scored[:MAX_HITS]
    for hit in scored[:MAX_DETAILS]:
        detail = client.red_notice(hit.entity_id, deadline_s=remaining())
        if detail is not None:
            hit.requesting_states = sorted(
                {w.issuing_country_id for w in detail.arrest_warrants if w.issuing_country_id}
            )
    return Found(query=query, hits=scored)


def _fuzzy(text: str | None) -> FuzzyDate | None:
    try:
        return FuzzyDate(text) if text else None
    except ValueError:
        return None


def person_names(session: Session, person_id: str, *, by: Principal) -> Person:
    """The person to check, read without taking the write lock (INTERPOL is called before any write)."""
    return get_owned(session, Person, person_id, org_id=by.org_id)


def run(client: InterpolClient, person: Person) -> Found:
    try:
        return find(
            client,
            names=[person.name, *person.aliases],
            nationalities=person.nationalities,
            birth_date=person.birth_date,
        )
    except InterpolError as exc:
        raise upstream_error(exc) from None


def store(session: Session, person_id: str, found: Found, *, by: Principal) -> InterpolCheck:
    """Store a completed check (the person is read again: it may have been erased meanwhile)."""
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    previous = session.exec(
        owned(InterpolCheck, by.org_id)
        .where(InterpolCheck.person_id == person.id)
        .where(InterpolCheck.source == CheckSource.interpol.value)  # not a screening's FtM entity ids
        .order_by(col(InterpolCheck.checked_at).desc())
    ).first()
    now_public = {h.entity_id for h in found.hits}
    gone = sorted({str(h["entity_id"]) for h in previous.hits} - now_public) if previous else []
    check = InterpolCheck(
        org_id=by.org_id,
        person_id=person.id,
        checked_at=utcnow(),
        query=found.query,
        hits=[h.model_dump(mode="json") for h in found.hits],
        no_longer_public=gone,
    )
    session.add(check)
    session.flush()
    audit.record(session, by=by, action="interpol.checked", kind="person", object_id=person.id)
    return check


def list_page(
    session: Session, person_id: str, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[InterpolCheck], str | None]:
    person = get_owned(session, Person, person_id, org_id=by.org_id)
    query = owned(InterpolCheck, by.org_id).where(InterpolCheck.person_id == person.id)
    rows, next_cursor = page(
        list(session.exec(newest_first(query, InterpolCheck, cursor=cursor, limit=limit))), limit=limit
    )
    audit.record(session, by=by, action="interpol.checks_listed", kind="person", object_id=person.id)
    return rows, next_cursor
