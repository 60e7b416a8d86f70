"""The derived tables (`person_flag`, `person_state`, `group_notice`): after every write, `refresh`
recomputes the flags of every person the write can touch, in the same transaction, so no pooled figure is
stale once a write has returned.

Nothing is hooked at import: a unit of work (`app.db.unit_of_work`) installs `watch` on each session it
opens once an entry point has called `install` (the API and web interface in `create_app`, the command
line before any command, the tests in their conftest).
"""

import gc
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import ColumnElement, String, case, delete, event, func, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import db
from app.models.flag import AppMeta, Flag, FlagCode, GroupMemberNotice, PersonFlag, PersonState
from app.models.notice import Notice
from app.models.person import Person, PersonAffiliation, PersonRelation
from app.services.affiliation import affiliation_key, rekey_all
from app.services.flag_records import GroupCache, _chunks, group_notices, load
from app.services.flag_rules import Records, _group_window, compute, group_targeting, noncompliant_notices

BUILT_PREFIX = "flags_built_"


def _rules_version() -> str:
    """A digest of what the derived tables are computed from: the indicators (`flag_rules`), the loading of
    what they read (`flag_records`, and the loader and registry of records it reads through), the upkeep
    that stores them and the codes it stores (`app/models/flag.py`). A changed rule gives another version,
    and the next start (`ensure_built`) rebuilds the tables: no version to bump by hand."""
    return _digest(RULES_SOURCES)


def _digest(sources: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


_SERVICES = Path(__file__).resolve().parent
RULES_SOURCES = (
    _SERVICES / "flag_rules.py",
    _SERVICES / "flag_records.py",
    _SERVICES / "flag_upkeep.py",
    _SERVICES / "records.py",
    _SERVICES / "affiliation.py",  # its keys are rebuilt with the tables
    _SERVICES.parent / "models" / "flag.py",
    *sorted((_SERVICES.parent / "kinds").glob("*.py")),
)


FLAGS_BUILT = BUILT_PREFIX + _rules_version()


def _first_day_of(text: ColumnElement[str]) -> ColumnElement[str]:
    """'YYYY' → 'YYYY-01-01', 'YYYY-MM' → 'YYYY-MM-01', a full date as it is, in SQL (both databases)."""
    length = func.length(text)
    return case((length == 4, text + "-01-01"), (length == 7, text + "-01"), else_=text)


def store_group_notices(session: Session, person_ids: Iterable[str] | None) -> None:
    """Replace the `group_notice` rows of these persons (of everyone, with None) from their affiliations
    and dated notices. Runs before anything reads the groups in the same transaction."""
    notice = Notice.__table__.c  # type: ignore[attr-defined]
    link = PersonAffiliation.__table__.c  # type: ignore[attr-defined]
    dated = func.coalesce(notice.requested_on, notice.issued_on, type_=String)
    rows = (
        sa_select(
            link.key,
            notice.id,
            notice.requesting_state,
            _first_day_of(dated),
            notice.person_id,
            notice.org_id,
        )
        .join_from(PersonAffiliation, Notice, notice.person_id == link.person_id)
        .where(dated.is_not(None))
    )
    columns = ["key", "notice_id", "requesting_state", "first_day", "person_id", "org_id"]
    target = insert(GroupMemberNotice)
    if person_ids is None:
        session.exec(delete(GroupMemberNotice))
        session.connection().execute(target.from_select(columns, rows))
        return
    for chunk in _chunks(list(person_ids)):
        session.exec(delete(GroupMemberNotice).where(col(GroupMemberNotice.person_id).in_(chunk)))
        session.connection().execute(target.from_select(columns, rows.where(link.person_id.in_(chunk))))


# --- keeping the pooled tables current ------------------------------------------------------------


Row = dict[str, str | int]


def _rows(records: Records, flags: list[Flag]) -> tuple[list[Row], list[Row]]:
    person = records.person
    states: list[Row] = [
        {"person_id": person.id, "state": s, "org_id": person.org_id} for s in records.states()
    ]
    counts = {s: len(noncompliant_notices(records, s)) for s in records.states()}
    flag_rows: list[Row] = [
        {
            "person_id": person.id,
            "state": f.requesting_state,
            "code": f.code.value,
            "org_id": person.org_id,
            "notices": counts[f.requesting_state] if f.code is FlagCode.interpol_found_noncompliant else 0,
        }
        for f in flags
    ]
    return states, flag_rows


def store(session: Session, records: dict[str, Records], *, forget: Iterable[str] = ()) -> None:
    """Replace the derived rows of these persons (and drop those of persons that no longer exist)."""
    ids = list(records) + list(forget)
    for chunk in _chunks(ids):
        session.exec(delete(PersonFlag).where(col(PersonFlag.person_id).in_(chunk)))
        session.exec(delete(PersonState).where(col(PersonState.person_id).in_(chunk)))
    state_rows: list[Row] = []
    flag_rows: list[Row] = []
    for r in records.values():
        s, f = _rows(r, compute(r))
        state_rows += s
        flag_rows += f
    if state_rows:
        session.connection().execute(insert(PersonState), state_rows)
    if flag_rows:
        session.connection().execute(insert(PersonFlag), flag_rows)


def refresh_groups(session: Session, keys: Iterable[str], *, skip: set[str]) -> None:
    """Recompute `group_targeting` for every member of these affiliations (pooled), except `skip`."""
    cache = group_notices(session, keys)
    members: dict[str, set[str]] = defaultdict(set)  # person -> keys
    org_of: dict[str, str] = {}
    for key, by_state in cache.items():
        for notices in by_state.values():
            for g in notices:
                members[g.person_id].add(key)
                org_of[g.person_id] = g.org_id
    targets = [p for p in members if p not in skip]
    if not targets:
        return
    rows: list[Row] = []
    for person_id in targets:
        states = {
            s
            for k in members[person_id]
            for s, ns in cache[k].items()
            if any(g.person_id == person_id for g in ns)
        }
        for state in sorted(states):
            if any(_group_window(cache[k].get(state, []), person_id) for k in members[person_id]):
                rows.append(
                    {
                        "person_id": person_id,
                        "state": state,
                        "code": FlagCode.group_targeting.value,
                        "org_id": org_of[person_id],
                        "notices": 0,
                    }
                )
    rows += _held_through_other_groups(
        session, targets, found={(str(r["person_id"]), str(r["state"])) for r in rows}
    )
    for chunk in _chunks(targets):
        session.exec(
            delete(PersonFlag).where(
                col(PersonFlag.person_id).in_(chunk), col(PersonFlag.code) == FlagCode.group_targeting.value
            )
        )
    if rows:
        session.connection().execute(insert(PersonFlag), rows)


def _held_through_other_groups(
    session: Session, targets: list[str], *, found: set[tuple[str, str]]
) -> list[Row]:
    """The `group_targeting` rows of these persons that the recomputed groups no longer give but that may
    rest on another of their groups: recomputed from all their groups, the way their flags are read."""
    stored: set[tuple[str, str]] = set()
    for chunk in _chunks(targets):
        stored.update(
            session.exec(
                select(PersonFlag.person_id, PersonFlag.state).where(
                    col(PersonFlag.person_id).in_(chunk),
                    col(PersonFlag.code) == FlagCode.group_targeting.value,
                )
            )
        )
    doubtful = stored - found
    if not doubtful:
        return []
    records = load(
        session, sorted({p for p, _ in doubtful}), key_name=lambda name: affiliation_key(session, name)
    )
    return [
        {
            "person_id": person_id,
            "state": state,
            "code": FlagCode.group_targeting.value,
            "org_id": records[person_id].person.org_id,
            "notices": 0,
        }
        for person_id, state in sorted(doubtful)
        if person_id in records and group_targeting(records[person_id], state) is not None
    ]


def mark_built(session: Session) -> None:
    """Note that the derived tables hold what these rules compute (and forget earlier rules' notes)."""
    session.exec(
        delete(AppMeta).where(col(AppMeta.key).startswith(BUILT_PREFIX), col(AppMeta.key) != FLAGS_BUILT)
    )
    if session.get(AppMeta, FLAGS_BUILT) is None:
        session.add(AppMeta(key=FLAGS_BUILT, value="1"))
    session.flush()


# --- the refresh hook: every unit of work recomputes what its writes can change, before it commits --


def touch_erased(session: Session, person_id: str) -> None:
    """Before erasing a person: remember their relatives and groups, which lose evidence with them."""
    links = session.exec(
        select(PersonRelation).where(
            or_(col(PersonRelation.person_id) == person_id, col(PersonRelation.related_id) == person_id)
        )
    )
    touched: set[str] = session.info.setdefault("flag_touched", set())
    touched.update({x for link in links for x in (link.person_id, link.related_id)})
    touch_groups(session, person_id)


def touch(session: Session, person_ids: Iterable[str], *, groups: bool) -> None:
    """Persons a write changed with Core statements, which no flush sees: recomputed before the commit
    like those `_collect` finds (`groups`: their group notices and groups too, as for a Person row)."""
    touched: set[str] = session.info.setdefault("flag_touched", set())
    touched.update(person_ids)
    if groups:
        session.info["flag_groups"] = True


KNOWN = "flag_known"


def keep_new(session: Session) -> None:
    """This unit of work keeps the persons it inserts (`know`) for the refresh before its commit, which
    then neither reads nor decrypts them back (the write group: a batch of new persons)."""
    session.info[KNOWN] = {}


def know(session: Session, person: Person) -> None:
    """A person just inserted as it stands, with Core statements (not in the session), and with no record
    yet, when the unit of work keeps them (`keep_new`). A flush of that person's row, or of a row of
    theirs (a record, a link), forgets it again (`_collect`): it is then read back like any other."""
    known: dict[str, Person] | None = session.info.get(KNOWN)
    if known is not None:
        known[person.id] = person


def known_mark(session: Session) -> int:
    """Where the persons kept so far end: `forget_since` undoes what a savepoint rolled back added."""
    return len(session.info.get(KNOWN, ()))


def forget_since(session: Session, mark: int) -> None:
    """A savepoint rolled back: the persons it inserted are not in the database, so they must not be
    recomputed from memory (the refresh reads them, finds none, and leaves no derived row)."""
    known: dict[str, Person] | None = session.info.get(KNOWN)
    if known is not None:
        for person_id in list(known)[mark:]:
            del known[person_id]


def touch_groups(session: Session, person_id: str) -> None:
    """Before a person's affiliations are replaced or erased: remember the groups they are in now, so the
    groups they leave are recomputed too (their other members may lose `group_targeting`)."""
    keys: set[str] = session.info.setdefault("flag_keys", set())
    keys.update(session.exec(select(PersonAffiliation.key).where(PersonAffiliation.person_id == person_id)))


def _collect(session: Session, _context: object) -> None:
    touched: set[str] = session.info.setdefault("flag_touched", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (PersonFlag, PersonState)):
            continue
        if isinstance(obj, Person):
            touched.add(obj.id)
            session.info.get(KNOWN, {}).pop(obj.id, None)  # changed since it was inserted: read it back
            session.info["flag_groups"] = True
        elif isinstance(obj, PersonRelation):
            touched.update((obj.person_id, obj.related_id))
            for linked in (obj.person_id, obj.related_id):
                session.info.get(KNOWN, {}).pop(linked, None)
        elif isinstance(person_id := getattr(obj, "person_id", None), str):
            touched.add(person_id)
            session.info.get(KNOWN, {}).pop(person_id, None)  # a record of theirs: no longer bare
            if isinstance(obj, (Notice, PersonAffiliation)):
                session.info["flag_groups"] = True


def refresh(
    session: Session,
    person_ids: Iterable[str],
    *,
    extra_keys: Iterable[str] = (),
    groups: bool = True,
    known: Iterable[Person] = (),
) -> None:
    """Recompute the derived rows of these persons, their relatives and (pooled) their groups' members.

    `known`: persons among them as this transaction inserted them, with no record yet (`know`): not
    read (and decrypted) back, and their records not queried.

    `groups`: the write changed notices, persons or affiliations, so the persons' group notices are
    replaced and their groups recomputed (an import does both itself, once for all its persons)."""
    ids = set(person_ids)
    links = session.exec(
        select(PersonRelation).where(
            or_(col(PersonRelation.person_id).in_(ids), col(PersonRelation.related_id).in_(ids))
        )
    )
    ids |= {x for link in links for x in (link.person_id, link.related_id)}
    if groups:
        store_group_notices(session, ids)
    records = load(
        session,
        sorted(ids),
        key_name=lambda name: affiliation_key(session, name),
        known=[p for p in known if p.id in ids],
        bare={p.id for p in known},
    )
    store(session, records, forget=ids - set(records))
    if groups:
        keys = set(extra_keys) | {k for r in records.values() for k in r.groups}
        if keys:
            refresh_groups(session, keys, skip=set(records))


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint's release: the outer commit brings every person the transaction touched up to
        # date at once (app/services/write_group.py runs a batch of writes, one savepoint each).
        return
    session.flush()
    touched: set[str] = session.info.pop("flag_touched", set())
    keys: set[str] = session.info.pop("flag_keys", set())
    groups = bool(session.info.pop("flag_groups", False)) or bool(keys)
    known: dict[str, Person] = session.info.pop(KNOWN, None) or {}
    if touched or keys:
        refresh(session, touched, extra_keys=keys, groups=groups, known=known.values())
        session.flush()


def rebuild(session: Session) -> int:
    """Recompute the derived tables for every person (start-up of an older database, or on demand).

    The garbage collector pauses meanwhile: the loop makes millions of short-lived objects that reference
    counting frees, and the collector's passes over them took a third of the time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _rebuild(session)
    finally:
        if collecting:
            gc.enable()


def _rebuild(session: Session) -> int:
    rekey_all(session)  # the affiliation keys first: the groups below read them
    store_group_notices(session, None)
    session.exec(delete(PersonFlag))
    session.exec(delete(PersonState))
    ids = list(session.exec(select(Person.id)))
    cache: GroupCache = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        store(
            session, load(session, chunk, key_name=lambda name: affiliation_key(session, name), groups=cache)
        )
        session.expunge_all()  # read-only objects: without this the session holds every record at once
    mark_built(session)
    return len(ids)


def ensure_built(session: Session) -> None:
    """Rebuild the derived tables unless they were built by these very rules."""
    if session.get(AppMeta, FLAGS_BUILT) is None:
        rebuild(session)


def watch(session: Session) -> None:
    """Keep the derived tables of this session's writes: what a flush changes is collected, and recomputed
    before the session commits (listeners on this session alone)."""
    if not event.contains(session, "after_flush", _collect):
        event.listen(session, "after_flush", _collect)
        event.listen(session, "before_commit", _before_commit)


def install() -> None:
    """Have every unit of work from now on keep the derived tables (`watch` each of its sessions). Each entry
    point calls this once as it starts; calling it again changes nothing."""
    db.install_upkeep(watch)
