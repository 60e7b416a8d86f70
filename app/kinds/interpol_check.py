"""INTERPOL check: a stored search of INTERPOL's public red notices for the person's names.

A check is our search, not a fact about the person; what a watch's check found changed since its previous
check (a notice that appeared, is no longer public, or changed) is: those changes are the check's child
rows (`interpol_change`) and its events on the person's timeline (`interpol.appeared`…)."""

from collections.abc import Iterable, Sequence

from app.kinds.kind import Children, ExportTable, Fact, RecordKind, Shape
from app.language import ENGLISH, Prose
from app.models.fuzzy_date import FuzzyDate
from app.models.interpol_check import InterpolCheck, InterpolCheckPublic
from app.models.watch import ChangeKind, InterpolChange, InterpolChangeRow
from app.vocabulary import N_


def facts(check: InterpolCheck, changes: Sequence[InterpolChange], words: Prose = ENGLISH) -> Iterable[Fact]:
    """One event per change a watch's check found (none for the check itself)."""
    for change in changes:
        what = words.gettext("INTERPOL red notice {entity} {change}").format(
            entity=change.entity_id, change=words.label("interpol_change", change.change)
        )
        if change.change == ChangeKind.changed and change.fields:
            what += ": " + ", ".join(words.label("changed_field", f) for f in change.fields)
        yield Fact(
            FuzzyDate(change.at.date().isoformat()),
            0,  # same-day changes in the order they were found: by the check's time, then their position
            change.at,
            check.id,
            f"interpol.{ChangeKind(change.change).value}",
            what,
        )


KIND = RecordKind(
    name="interpol_check",
    model=InterpolCheck,
    label=N_("INTERPOL check"),
    heading=N_("INTERPOL checks"),
    icon="search",
    reads=frozenset({"interpol.checks_listed"}),
    writes=frozenset({"interpol.checked"}),
    listed="interpol.checks_listed",
    export=(
        ExportTable("interpol_check", owner="person_id", shapes=(Shape(InterpolCheckPublic),)),
        ExportTable("interpol_change", owner="check_id", shapes=(Shape(InterpolChangeRow),)),
    ),
    facts=facts,
    fact_columns=("id",),
    dated_by=(),
    children=Children(
        InterpolChange, parent="check_id", fact_columns=("entity_id", "change", "fields", "at")
    ),
    deferred=("query", "hits"),
    in_dossier=False,
)
