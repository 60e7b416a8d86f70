"""Matching a batch of names (with birth dates and nationalities) against the caller's persons."""

from sqlmodel import Session

from app.models.match import MatchHit, MatchRequest, MatchResult
from app.models.token import Principal
from app.services import audit
from app.services.name_index import LiveNameIndex


def match(session: Session, *, names: LiveNameIndex, data: MatchRequest, by: Principal) -> list[MatchResult]:
    """Best matches first for each query; audited once per call, without the names asked for."""
    names.catch_up(session)
    results = []
    for index, query in enumerate(data.queries):
        found = names.index.search(
            by.org_id,
            query.name,
            birth_date=query.birth_date,
            nationality=query.nationality,
            limit=data.limit,
            threshold=data.threshold,
        )
        hits = [
            MatchHit(
                person_id=m.person_id,
                name=names.names.get(m.person_id, m.matched_name),
                score=m.score,
                explanation=list(m.explanation),
            )
            for m in found
        ]
        results.append(MatchResult(query_index=index, matches=hits))
    audit.record(session, by=by, action="person.matched", kind="person")
    return results
