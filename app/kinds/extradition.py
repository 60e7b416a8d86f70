"""Extradition: a proceeding in a requested state on a requesting state's request, and its decision."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.extradition import Extradition, ExtraditionCreate
from app.vocabulary import N_


def facts(e: Extradition, _children: Sequence[Any], words: Prose = ENGLISH) -> Iterable[Fact]:
    _ = words.gettext
    ref = (e.created_at, e.id)
    by = f"{words.state_name(e.requesting_state)} → {words.state_name(e.requested_state)}"
    court = f" ({e.court})" if e.court else ""
    if e.opened_on:
        text = _("Extradition proceeding opened, {by}{court}").format(by=by, court=court)
        yield Fact(e.opened_on, 0, *ref, "extradition.opened", text)
    if e.decided_on and e.decision.value != "pending":
        grounds = (
            _(" on {grounds}").format(grounds=", ".join(words.label("ground", g) for g in e.grounds))
            if e.grounds
            else ""
        )
        stage = _(" at {stage} stage").format(stage=words.label("stage", e.stage)) if e.stage else ""
        text = _("Extradition {decision}{stage}{court}, {by}{grounds}").format(
            decision=words.label("decision", e.decision), stage=stage, court=court, by=by, grounds=grounds
        )
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
    fact_columns=(
        "id",
        "created_at",
        "requesting_state",
        "requested_state",
        "court",
        "opened_on",
        "decided_on",
        "decision",
        "grounds",
        "stage",
    ),
    involves=("requesting_state",),
    dated_by=("opened_on", "decided_on"),
    deferred=("note", "sources"),
)
