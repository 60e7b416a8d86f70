"""Incident: an act against the person or their family beyond legal channels, attributed to a state."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.incident import Incident, IncidentCreate
from app.vocabulary import N_, capitalized


def facts(i: Incident, _children: Sequence[Any], words: Prose = ENGLISH) -> Iterable[Fact]:
    if i.occurred_on:
        said = {
            "kind": capitalized(words.label("incident", i.kind)),
            "state": words.state_name(i.perpetrator_state),
            "certainty": words.label("certainty", i.certainty),
        }
        text = (
            words.gettext("{kind} in {host}, attributed to {state} ({certainty})").format(
                host=words.state_name(i.host_state), **said
            )
            if i.host_state
            else words.gettext("{kind}, attributed to {state} ({certainty})").format(**said)
        )
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
    fact_columns=("id", "created_at", "kind", "perpetrator_state", "host_state", "occurred_on", "certainty"),
    involves=("perpetrator_state",),
    dated_by=("occurred_on",),
    deferred=("description", "sources"),
)
