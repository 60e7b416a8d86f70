"""Document: a file kept as an exhibit of the person's case, supporting some of their records."""

from collections.abc import Iterable, Sequence
from typing import Any

from app.kinds.kind import ExportTable, Fact, RecordKind, Shape
from app.models.document import Document, DocumentChunkLine, DocumentFields
from app.vocabulary import N_


def facts(_document: Document, _children: Sequence[Any], _words: object = None) -> Iterable[Fact]:
    """None: a document is evidence of the facts of other records (its `records`), not a fact itself;
    the dossier lists it among the exhibits."""
    return ()


KIND = RecordKind(
    name="document",
    model=Document,
    label=N_("document"),
    heading=N_("Documents"),
    icon="document",
    reads=frozenset({"document.read", "document.listed", "document.content_read"}),
    writes=frozenset({"document.created", "document.updated"}),
    listed="document.listed",
    export=(
        ExportTable("document", owner="person_id", shapes=(Shape(DocumentFields),)),
        # The bytes: exported as plain base64 and sealed again under the target's keys on import.
        ExportTable("document_chunk", owner="document_id", shapes=(Shape(DocumentChunkLine),)),
    ),
    facts=facts,
    dated_by=("dated",),
    deferred=("title",),
    in_dossier=False,
)
