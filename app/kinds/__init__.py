"""The registry of the kinds of records kept about a person: one declaration per kind (`app/kinds/<kind>.py`),
and this tuple, which everything that lists the kinds iterates: the timeline (whose same-day order is
this order), the loader of a person's records, the dossier, the person's page, the export and import
(parents before children: this order, after the person), the daily read quota and the catalog's words.

Adding a kind: its model, its migration, its service and router, its `app/kinds/<kind>.py`, one line
here, its tests. `tests/test_kinds.py` fails while a kind lacks any part.
"""

from collections.abc import Mapping

from app.kinds import (
    challenge,
    detention,
    document,
    extradition,
    incident,
    interpol_check,
    notice,
    protection,
)
from app.kinds.kind import RecordKind
from app.vocabulary import N_

KINDS: tuple[RecordKind, ...] = (
    protection.KIND,
    notice.KIND,
    detention.KIND,
    extradition.KIND,
    incident.KIND,
    challenge.KIND,
    interpol_check.KIND,
    document.KIND,
)
BY_NAME: Mapping[str, RecordKind] = {kind.name: kind for kind in KINDS}
ORDER: Mapping[str, int] = {kind.name: position for position, kind in enumerate(KINDS)}
# The catalog's words for each kind of record, and for the person the records are about.
LABELS: Mapping[str, str] = {"person": N_("person"), **{kind.name: kind.label for kind in KINDS}}


def in_dossier() -> tuple[RecordKind, ...]:
    """The kinds the dossier and the person's page show, in registry order."""
    return tuple(kind for kind in KINDS if kind.in_dossier)


def on_page() -> tuple[RecordKind, ...]:
    """The kinds the person's page lists: the dossier's, then the documents (the dossier's exhibits)."""
    return (*in_dossier(), document.KIND)
