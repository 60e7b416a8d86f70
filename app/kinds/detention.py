"""Detention: the person held in a host state at a requesting state's request, until released or surrendered."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.detention import Detention, DetentionCreate, ReleaseIn, SurrenderIn, custody_days
from app.models.state import state_name
from app.vocabulary import N_, capitalized, english

HELD = {
    "detention": "Detained",
    "house_arrest": "Placed under house arrest",
    "supervision": "Placed under supervision",
}


def facts(d: Detention, _children: Sequence[Any]) -> Iterable[Fact]:
    where = state_name(d.host_state) + (f" ({d.place})" if d.place else "")
    ref = (d.created_at, d.id)
    basis = "" if d.basis.value == "unknown" else f" on a {english('detention_basis', d.basis)}"
    text = f"{HELD[d.custody.value]} in {where} at {state_name(d.requesting_state)}'s request{basis}"
    yield Fact(d.detained_on, 0, *ref, "detention.detained", text)
    custody = custody_days(d.detained_on, d.released_on or d.surrendered_on)
    days = f" after {custody} days" if custody is not None else ""
    if d.ended_on and not d.released_on and d.release_reason:
        how = (
            "" if d.release_reason.value == "unknown" else f" ({english('release_reason', d.release_reason)})"
        )
        text = f"Custody in {state_name(d.host_state)} had ended by this date; when and how were not recorded{how}"
        yield Fact(d.ended_on, 1, *ref, "detention.ended", text)
    if d.released_on and d.release_reason:
        conditions = (
            f", under {english('release_conditions', d.release_conditions)}"
            if d.release_conditions and d.release_conditions.value != "none"
            else ""
        )
        text = f"Released in {state_name(d.host_state)}{days} ({english('release_reason', d.release_reason)}{conditions})"
        yield Fact(d.released_on, 1, *ref, "detention.released", text)
    if d.surrendered_on and d.surrender_kind:
        text = f"{capitalized(english('surrender_kind', d.surrender_kind))} from {state_name(d.host_state)} to {state_name(d.requesting_state)}{days}"
        yield Fact(d.surrendered_on, 1, *ref, "detention.surrendered", text)


KIND = RecordKind(
    name="detention",
    model=Detention,
    label=N_("detention"),
    heading=N_("Detentions"),
    icon="detained",
    reads=frozenset({"detention.read", "detention.listed"}),
    writes=frozenset(
        {"detention.created", "detention.released", "detention.surrendered", "detention.updated"}
    ),
    listed="detention.listed",
    export=(
        ExportTable(
            "detention",
            owner="person_id",
            shapes=(
                Shape(DetentionCreate),
                Shape(
                    ReleaseIn,
                    {"reason": "release_reason", "conditions": "release_conditions", "note": "release_note"},
                    when="released_on",
                ),
                Shape(
                    SurrenderIn, {"kind": "surrender_kind", "note": "surrender_note"}, when="surrendered_on"
                ),
            ),
        ),
    ),
    facts=facts,
    involves=("requesting_state",),
    dated_by=("detained_on",),
    deferred=("release_note", "surrender_note", "note", "sources"),
    event_icons={
        "detention.detained": "detained",
        "detention.released": "released",
        "detention.ended": "released",
        "detention.surrendered": "surrendered",
    },
)
