"""Protection: a status (asylum, refugee status…) that a host state gave the person against a state."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.protection import Protection, ProtectionCreate
from app.vocabulary import N_, capitalized


def facts(p: Protection, _children: Sequence[Any], words: Prose = ENGLISH) -> Iterable[Fact]:
    what = words.gettext("{kind} in {host} against {against}").format(
        kind=words.label("protection", p.kind),
        host=words.state_name(p.host_state),
        against=words.state_name(p.against_state),
    )
    if p.since:
        yield Fact(p.since, 0, p.created_at, p.id, "protection.since", capitalized(what))
    if p.until:
        yield Fact(
            p.until,
            1,
            p.created_at,
            p.id,
            "protection.until",
            words.gettext("End of {what}").format(what=what),
        )


KIND = RecordKind(
    name="protection",
    model=Protection,
    label=N_("protection"),
    heading=N_("Protections"),
    icon="protection",
    reads=frozenset({"protection.listed", "protection.read"}),
    writes=frozenset({"protection.created", "protection.updated"}),
    listed="protection.listed",
    export=(ExportTable("protection", owner="person_id", shapes=(Shape(ProtectionCreate),)),),
    facts=facts,
    fact_columns=("id", "created_at", "kind", "host_state", "against_state", "since", "until"),
    dated_by=("since",),
    deferred=("note", "sources"),
)
