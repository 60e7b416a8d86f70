"""Indicators for one person (contract section 10), the public face of three modules:

- `app.services.flag_rules`: the indicators, pure functions over a person's loaded records;
- `app.services.flag_records`: loading those records, for any number of persons at once;
- `app.services.flag_upkeep`: the derived tables (`person_flag`, `person_state`) kept by every unit of
  work, and rebuilt when the rules change.

Importing any of them installs nothing: the entry points call `flag_upkeep.install`.
"""

from sqlmodel import Session

from app.language import ENGLISH, Prose
from app.models.flag import Flag
from app.models.person import Person
from app.models.token import Principal
from app.services import audit
from app.services.affiliation import affiliation_key
from app.services.flag_records import group_notices as group_notices
from app.services.flag_records import load as load
from app.services.flag_records import load_one as load_one
from app.services.flag_rules import INDICATORS as INDICATORS
from app.services.flag_rules import Records as Records
from app.services.flag_rules import compute as compute
from app.services.flag_upkeep import BUILT_PREFIX as BUILT_PREFIX
from app.services.flag_upkeep import FLAGS_BUILT as FLAGS_BUILT
from app.services.flag_upkeep import _rules_version as _rules_version
from app.services.flag_upkeep import ensure_built as ensure_built
from app.services.flag_upkeep import forget_since as forget_since
from app.services.flag_upkeep import install as install
from app.services.flag_upkeep import keep_new as keep_new
from app.services.flag_upkeep import know as know
from app.services.flag_upkeep import known_mark as known_mark
from app.services.flag_upkeep import rebuild as rebuild
from app.services.flag_upkeep import refresh as refresh
from app.services.flag_upkeep import refresh_groups as refresh_groups
from app.services.flag_upkeep import store_group_notices as store_group_notices
from app.services.flag_upkeep import touch as touch
from app.services.flag_upkeep import touch_erased as touch_erased
from app.services.flag_upkeep import touch_groups as touch_groups


def for_person(session: Session, person: Person, prose: Prose = ENGLISH) -> list[Flag]:
    """The flags of one person of the caller's organisation, computed from the records as they are now,
    their explanations in `prose`'s language (the stored rows of `person_flag` keep only the codes'
    English explanations: a reader's language is rendered here, at read time). Its records are read as
    rows (`load_one`): callers read, with nothing of the person's pending in the session."""
    records = load_one(session, person, key_name=lambda name: affiliation_key(session, name))
    return compute(records, prose)


def read(session: Session, person: Person, *, by: Principal, prose: Prose = ENGLISH) -> list[Flag]:
    """`for_person`, its reading audited as the API's."""
    audit.record(session, by=by, action="person.flags_read", kind="person", object_id=person.id)
    return for_person(session, person, prose)
