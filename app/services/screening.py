"""Screening: every person of an organisation against a FollowTheMoney dataset of red notices, at once.

The dataset is FtM JSON Lines, one entity a line, as OpenSanctions publishes its INTERPOL crawl: a
`Person` per notice (`name`, `firstName`, `lastName`, `alias`, `birthDate`, `nationality`, `country` of
birth) and a `Sanction` per arrest warrant (`entity` = the person, `country` = the issuing state,
`program` "Red Notice", `authorityId` = INTERPOL's notice id). Every line is read by the followthemoney
library's model; a file it cannot read is refused whole, before anything is written.

One pass: each name of each notice is looked up in the organisation's in-memory name index, the same
index and scores as `POST /match` (blocking on name keys, so no notice is compared with every person).
A score of 0.7 or more is a hit. Each person hit gets a stored check (`source: "ftm"`), as do persons
whose previous check against a dataset of that name had hits, so that a notice gone from the list is
recorded as no longer public.
"""

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.proxy import EntityProxy
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import Unprocessable
from app.models.base import utcnow
from app.models.fuzzy_date import FuzzyDate
from app.models.interpol_check import CheckHit, CheckSource, InterpolCheck
from app.models.person import Person
from app.models.screening import ScreeningHit, ScreeningResult
from app.models.token import Principal
from app.services import audit
from app.services.matching import Match
from app.services.name_index import LiveNameIndex

MAX_FILE_BYTES = 64 * 1024 * 1024  # OpenSanctions' INTERPOL crawl is a few MiB
MAX_ENTITIES = 500_000
MIN_SCORE = 0.7  # the matcher's line between a spelling of the name and another name
MAX_NAMES = 10  # names of one notice looked up
MAX_NATIONALITIES = 3
MATCHES_PER_NAME = 20
MAX_HITS = 25  # per stored check, as for a check against INTERPOL
ERASED_LATER = 500  # persons read back per query


@dataclass
class Notice:
    """One FtM Person entity, as much of it as the matcher and a check's hit need."""

    entity_id: str
    names: tuple[str, ...]
    name: str
    forename: str | None
    birth_date: str | None
    nationalities: tuple[str, ...]
    requesting_states: set[str] = field(default_factory=set)


@dataclass
class Dataset:
    name: str
    date: str | None
    entities: int
    notices: list[Notice]


def _problem(line: int, message: str) -> Unprocessable:
    return Unprocessable(f"Line {line}: {message}", loc=("body", "file"))


def _first_date(values: Iterable[str]) -> str | None:
    for value in values:
        try:
            return str(FuzzyDate(value[:10]))
        except ValueError:
            continue
    return None


def _notice(proxy: EntityProxy) -> Notice | None:
    first, last = proxy.first("firstName"), proxy.first("lastName")
    names: dict[str, str] = {}
    for value in (*proxy.get("name"), *proxy.get("alias"), *proxy.get("previousName")):
        names.setdefault(value.casefold(), value)
    joined = " ".join(p for p in (first, last) if p)
    if joined:
        names.setdefault(joined.casefold(), joined)
    if not names:
        return None
    found = list(names.values())
    nationalities = dict.fromkeys(c.upper() for c in (*proxy.get("nationality"), *proxy.get("citizenship")))
    return Notice(
        entity_id=str(proxy.id),
        names=tuple(found[:MAX_NAMES]),
        name=last or found[0],
        forename=first if last else None,
        birth_date=_first_date(sorted(proxy.get("birthDate"))),
        nationalities=tuple(nationalities),
    )


def parse(lines: Iterable[bytes], *, fallback_name: str) -> Dataset:
    """Read a FollowTheMoney JSON Lines file; 422 naming the first line it cannot read, or when it holds
    no Person entity. The dataset's name is the one its entities name most (`datasets`), else
    `fallback_name`; its date, the newest `last_seen` (or `last_change`) of its entities."""
    notices: dict[str, Notice] = {}
    warrants: list[tuple[str, str]] = []  # (person entity id, issuing country)
    datasets: Counter[str] = Counter()
    newest: str | None = None
    entities = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        entities += 1
        if entities > MAX_ENTITIES:
            raise _problem(number, f"more than {MAX_ENTITIES:,} entities; split the file.")
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            raise _problem(
                number, "not a JSON object (a FollowTheMoney file has one entity a line)."
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("schema"), str) or not data.get("id"):
            raise _problem(number, 'an entity needs "id" and "schema".')
        if not isinstance(data.get("properties", {}), dict):
            raise _problem(number, '"properties" must be an object.')
        try:
            proxy = model.get_proxy(data, cleaned=False)
        except (FollowTheMoneyException, TypeError, ValueError) as exc:
            raise _problem(number, f"not a FollowTheMoney entity ({exc}).") from None
        for name in data.get("datasets") or ():
            if isinstance(name, str):
                datasets[name] += 1
        seen = data.get("last_seen") or data.get("last_change")
        if isinstance(seen, str) and (newest is None or seen > newest):
            newest = seen
        if proxy.schema.is_a("Person"):
            if (notice := _notice(proxy)) is not None:
                notices[notice.entity_id] = notice
        elif proxy.schema.is_a("Sanction"):
            warrants += [(e, c.upper()) for e in proxy.get("entity") for c in proxy.get("country")]
    if not notices:
        raise Unprocessable("The file holds no Person entity with a name.", loc=("body", "file"))
    for person_id, country in warrants:
        if person_id in notices:
            notices[person_id].requesting_states.add(country)
    when = _first_date([newest]) if newest else None
    name = datasets.most_common(1)[0][0] if datasets else fallback_name
    return Dataset(name=name[:200], date=when, entities=entities, notices=list(notices.values()))


def _hit(notice: Notice, match: Match) -> CheckHit:
    return CheckHit(
        entity_id=notice.entity_id,
        name=notice.name,
        forename=notice.forename,
        birth_date=FuzzyDate(notice.birth_date) if notice.birth_date else None,
        nationalities=list(notice.nationalities),
        score=match.score,
        requesting_states=sorted(notice.requesting_states),
        explanation=list(match.explanation),
    )


def find(names: LiveNameIndex, dataset: Dataset, *, org_id: str) -> dict[str, list[CheckHit]]:
    """Each person of the organisation hit by a notice, with the hits best first: every name of every
    notice looked up once in the name index (once per nationality when the notice gives several)."""
    best: dict[str, dict[str, tuple[Match, Notice]]] = {}
    for notice in dataset.notices:
        nationalities: tuple[str | None, ...] = notice.nationalities[:MAX_NATIONALITIES] or (None,)
        for name in notice.names:
            for nationality in nationalities:
                found = names.index.search(
                    org_id,
                    name,
                    birth_date=notice.birth_date,
                    nationality=nationality,
                    limit=MATCHES_PER_NAME,
                    threshold=MIN_SCORE,
                )
                for match in found:
                    kept = best.setdefault(match.person_id, {}).get(notice.entity_id)
                    if kept is None or match.score > kept[0].score:
                        best[match.person_id][notice.entity_id] = (match, notice)
    hits: dict[str, list[CheckHit]] = {}
    for person_id, by_entity in best.items():
        ordered = sorted(by_entity.values(), key=lambda m: (-m[0].score, m[1].entity_id))
        hits[person_id] = [_hit(notice, match) for match, notice in ordered[:MAX_HITS]]
    return hits


def _previous_hits(session: Session, *, org_id: str, dataset: str) -> dict[str, set[str]]:
    """For each person, the entity ids of their latest check against a dataset of this name."""
    rows = session.exec(
        select(InterpolCheck)
        .where(
            InterpolCheck.org_id == org_id,
            InterpolCheck.source == CheckSource.ftm.value,
            InterpolCheck.dataset == dataset,
        )
        .order_by(col(InterpolCheck.checked_at))
    )
    latest: dict[str, set[str]] = {}
    for check in rows:
        latest[check.person_id] = {str(h["entity_id"]) for h in check.hits}
    return latest


def _alive(session: Session, org_id: str, person_ids: list[str]) -> set[str]:
    alive: set[str] = set()
    for start in range(0, len(person_ids), ERASED_LATER):
        chunk = person_ids[start : start + ERASED_LATER]
        alive.update(
            session.exec(select(Person.id).where(Person.org_id == org_id, col(Person.id).in_(chunk)))
        )
    return alive


def find_hits(
    session: Session, dataset: Dataset, *, names: LiveNameIndex, org_id: str
) -> dict[str, list[CheckHit]]:
    """The matching alone, on a read session: the index caught up, then `find`."""
    names.catch_up(session)
    return find(names, dataset, org_id=org_id)


def screen(
    session: Session,
    dataset: Dataset,
    *,
    names: LiveNameIndex,
    by: Principal,
    hits: dict[str, list[CheckHit]] | None = None,
) -> ScreeningResult:
    """Match every person of the caller's organisation against the dataset (unless `hits` holds what
    `find_hits` found, outside the write transaction) and store the checks."""
    if hits is None:
        hits = find_hits(session, dataset, names=names, org_id=by.org_id)
    previous = _previous_hits(session, org_id=by.org_id, dataset=dataset.name)
    gone_for = {pid: seen for pid, seen in previous.items() if seen}
    candidates = sorted(set(hits) | set(gone_for))
    alive = _alive(session, by.org_id, candidates)
    screening_id = str(uuid.uuid4())
    now = utcnow()
    results: list[ScreeningHit] = []
    for person_id in candidates:
        if person_id not in alive:
            continue
        found = hits.get(person_id, [])
        gone = sorted(gone_for.get(person_id, set()) - {h.entity_id for h in found})
        check = InterpolCheck(
            org_id=by.org_id,
            person_id=person_id,
            checked_at=now,
            query=[],
            hits=[h.model_dump(mode="json") for h in found],
            no_longer_public=gone,
            source=CheckSource.ftm.value,
            dataset=dataset.name,
            dataset_date=dataset.date,
            screening_id=screening_id,
        )
        session.add(check)  # flushed with its audit entry
        audit.record(session, by=by, action="screening.checked", kind="person", object_id=person_id)
        if found:
            results.append(
                ScreeningHit(
                    person_id=person_id,
                    check_id=check.id,
                    score=found[0].score,
                    entity_ids=[h.entity_id for h in found],
                )
            )
    screened = session.exec(select(func.count()).select_from(Person).where(Person.org_id == by.org_id)).one()
    audit.record(session, by=by, action="screening.ran", kind="screening", object_id=screening_id)
    results.sort(key=lambda r: (-r.score, r.person_id))
    return ScreeningResult(
        id=screening_id,
        dataset=dataset.name,
        dataset_date=FuzzyDate(dataset.date) if dataset.date else None,
        entities=dataset.entities,
        notices=len(dataset.notices),
        persons_screened=int(screened),
        hits=results,
    )
