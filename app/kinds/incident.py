"""Incident: an act against the person or their family beyond legal channels, attributed to a state."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.incident import Incident, IncidentCreate
from app.models.state import state_name
from app.vocabulary import N_, capitalized, english


def facts(i: Incident, _children: Sequence[Any]) -> Iterable[Fact]:
    if i.occurred_on:
        where = f" in {state_name(i.host_state)}" if i.host_state else ""
        text = f"{capitalized(english('incident', i.kind))}{where}, attributed to {state_name(i.perpetrator_state)} ({english('certainty', i.certainty)})"
        yield Fact(i.occurred_on, 0, i.created_at, i.id, f"incident.{i.kind.value}", text)


KIND = RecordKind(
    name="incident",
    model=Incident,
    label=N_("incident"),
    heading=N_("Incidents"),
    icon="incident",
    reads=frozenset({"incident.read", "incident.listed"}),
    writes=frozenset({"incident.created", "incident.updated"}),
    listed="incident.listed",
    export=(ExportTable("incident", owner="person_id", shapes=(Shape(IncidentCreate),)),),
    facts=facts,
    involves=("perpetrator_state",),
    dated_by=("occurred_on",),
    deferred=("description", "sources"),
)
