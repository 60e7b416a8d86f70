"""Extradition: a proceeding in a requested state on a requesting state's request, and its decision."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.extradition import Extradition, ExtraditionCreate
from app.models.state import state_name
from app.vocabulary import N_, english


def facts(e: Extradition, _children: Sequence[Any]) -> Iterable[Fact]:
    ref = (e.created_at, e.id)
    by = f"{state_name(e.requesting_state)} → {state_name(e.requested_state)}"
    court = f" ({e.court})" if e.court else ""
    if e.opened_on:
        yield Fact(e.opened_on, 0, *ref, "extradition.opened", f"Extradition proceeding opened, {by}{court}")
    if e.decided_on and e.decision.value != "pending":
        grounds = f" on {', '.join(english('ground', g) for g in e.grounds)}" if e.grounds else ""
        stage = f" at {english('stage', e.stage)} stage" if e.stage else ""
        text = f"Extradition {english('decision', e.decision)}{stage}{court}, {by}{grounds}"
        yield Fact(e.decided_on, 1, *ref, "extradition.decided", text)


KIND = RecordKind(
    name="extradition",
    model=Extradition,
    label=N_("extradition"),
    heading=N_("Extraditions"),
    icon="extradition",
    reads=frozenset({"extradition.read", "extradition.listed"}),
    writes=frozenset({"extradition.created", "extradition.updated"}),
    listed="extradition.listed",
    export=(ExportTable("extradition", owner="person_id", shapes=(Shape(ExtraditionCreate),)),),
    facts=facts,
    involves=("requesting_state",),
    dated_by=("opened_on", "decided_on"),
    deferred=("note", "sources"),
)
