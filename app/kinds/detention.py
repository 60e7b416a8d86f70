"""Detention: the person held in a host state at a requesting state's request, until released or surrendered."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.detention import Detention, DetentionCreate, ReleaseIn, SurrenderIn, custody_days
from app.vocabulary import N_, capitalized

HELD = {
    "detention": N_("Detained in {where} at {state}'s request{basis}"),
    "house_arrest": N_("Placed under house arrest in {where} at {state}'s request{basis}"),
    "supervision": N_("Placed under supervision in {where} at {state}'s request{basis}"),
}


def facts(d: Detention, _children: Sequence[Any], words: Prose = ENGLISH) -> Iterable[Fact]:
    _ = words.gettext
    where = words.state_name(d.host_state) + (f" ({d.place})" if d.place else "")
    ref = (d.created_at, d.id)
    if d.basis.value == "unknown":
        basis = ""
    elif d.basis.value == "immigration":  # grounds, not "a grounds"
        basis = _(" on {basis}").format(basis=words.label("detention_basis", d.basis))
    else:
        basis = _(" on a {basis}").format(basis=words.label("detention_basis", d.basis))
    text = _(HELD[d.custody.value]).format(
        where=where, state=words.state_name(d.requesting_state), basis=basis
    )
    yield Fact(d.detained_on, 0, *ref, "detention.detained", text)
    custody = custody_days(d.detained_on, d.released_on or d.surrendered_on)
    days = (
        words.ngettext(" after {count} day", " after {count} days", custody).format(count=custody)
        if custody is not None
        else ""
    )
    if d.ended_on and not d.released_on and d.release_reason:
        how = (
            ""
            if d.release_reason.value == "unknown"
            else f" ({words.label('release_reason', d.release_reason)})"
        )
        text = _("Custody in {host} had ended by this date; when and how were not recorded{how}").format(
            host=words.state_name(d.host_state), how=how
        )
        yield Fact(d.ended_on, 1, *ref, "detention.ended", text)
    if d.released_on and d.release_reason:
        conditions = (
            _(", under {conditions}").format(
                conditions=words.label("release_conditions", d.release_conditions)
            )
            if d.release_conditions and d.release_conditions.value != "none"
            else ""
        )
        text = _("Released in {host}{days} ({reason}{conditions})").format(
            host=words.state_name(d.host_state),
            days=days,
            reason=words.label("release_reason", d.release_reason),
            conditions=conditions,
        )
        yield Fact(d.released_on, 1, *ref, "detention.released", text)
    if d.surrendered_on and d.surrender_kind:
        text = capitalized(
            _("{kind} from {host} to {state}{days}").format(
                kind=words.label("surrender_kind", d.surrender_kind),
                host=words.state_name(d.host_state),
                state=words.state_name(d.requesting_state),
                days=days,
            )
        )
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
    fact_columns=(
        "id",
        "created_at",
        "host_state",
        "requesting_state",
        "place",
        "basis",
        "custody",
        "detained_on",
        "ended_on",
        "released_on",
        "release_reason",
        "release_conditions",
        "surrendered_on",
        "surrender_kind",
    ),
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
