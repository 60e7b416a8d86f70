"""INTERPOL check: a stored search of INTERPOL's public red notices for the person's names."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.interpol_check import InterpolCheck, InterpolCheckPublic
from app.vocabulary import N_


def facts(_check: InterpolCheck, _children: Sequence[Any]) -> Iterable[Fact]:
    """None: a check is our search of INTERPOL's public list, not a dated fact about the person."""
    return ()


KIND = RecordKind(
    name="interpol_check",
    model=InterpolCheck,
    label=N_("INTERPOL check"),
    heading=N_("INTERPOL checks"),
    icon="search",
    reads=frozenset({"interpol.checks_listed"}),
    writes=frozenset({"interpol.checked"}),
    listed="interpol.checks_listed",
    export=(ExportTable("interpol_check", owner="person_id", shapes=(Shape(InterpolCheckPublic),)),),
    facts=facts,
    dated_by=(),
    deferred=("query", "hits"),
    in_dossier=False,
)
