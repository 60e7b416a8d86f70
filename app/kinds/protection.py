"""Protection: a status (asylum, refugee status…) that a host state gave the person against a state."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.protection import Protection, ProtectionCreate
from app.models.state import state_name
from app.vocabulary import N_, capitalized, english


def facts(p: Protection, _children: Sequence[Any]) -> Iterable[Fact]:
    what = (
        f"{english('protection', p.kind)} in {state_name(p.host_state)} against {state_name(p.against_state)}"
    )
    if p.since:
        yield Fact(p.since, 0, p.created_at, p.id, "protection.since", capitalized(what))
    if p.until:
        yield Fact(p.until, 1, p.created_at, p.id, "protection.until", f"End of {what}")


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
    dated_by=("since",),
    deferred=("note", "sources"),
)
