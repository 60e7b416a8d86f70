"""A filing as PDF, typeset in-process by Typst (the `typst` binding: no system renderer, no network)
in Noto Serif, embedded, which covers Latin, Cyrillic with the Tajik and Kazakh letters, Turkish and
Azerbaijani; Noto Naskh Arabic (Uyghur, Persian, Arabic) and Droid Sans Fallback (Chinese) set what it
lacks. The outline goes to the template as JSON, so user text is only ever set as text."""

import json
import threading
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import typst

from app.services.filing import Filing, Heading, Items, Link, Paragraph, Table, plain
from app.services.markdown import http_address

_TEMPLATES = Path(str(resources.files("app") / "templates" / "typst"))  # the template's root: nothing else
_FONTS = str(resources.files("app") / "fonts")
_local = threading.local()


def render(filing: Filing) -> bytes:
    data = {
        "title": f"{filing.title}: {plain(filing.subject)}",
        "lang": filing.lang,
        "confidentiality": filing.words.get("confidentiality", "Privileged and confidential"),
        "page_word": filing.words.get("page", "Page"),
        "contents_word": filing.words.get("contents", "Contents"),
        "header": [[plain(label), plain(value)] for label, value in filing.header],
        "blocks": [_block(block) for block in filing.blocks],
    }
    pdf = _compiler().compile(sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    if not isinstance(pdf, bytes):  # a PDF is one document, never one image per page
        raise TypeError("Typst answered pages, not a PDF")
    return pdf


def _compiler() -> typst.Compiler:
    """This thread's Typst compiler: it reads the template and the fonts once (a compiler serves one
    call at a time, and the API renders in a pool of threads)."""
    compiler: typst.Compiler | None = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = typst.Compiler(
            str(_TEMPLATES / "filing.typ"),
            root=str(_TEMPLATES),
            font_paths=[_FONTS],
            ignore_system_fonts=True,
        )
        _local.compiler = compiler
    return compiler


def _block(block: Heading | Paragraph | Items | Table) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"type": "heading", "text": plain(block.text), "level": block.level}
    if isinstance(block, Paragraph):
        return {"type": "paragraph", **_paragraph(block)}
    if isinstance(block, Items):
        return {"type": "items", "items": [_paragraph(p) for p in block.items]}
    return {
        "type": "table",
        "header": [plain(h) for h in block.header],
        "rows": [[_cell(c) for c in row] for row in block.rows],
        "wide": block.wide,
    }


def _paragraph(paragraph: Paragraph) -> dict[str, Any]:
    data = asdict(paragraph)
    return {"text": plain(data["text"]), "lead": plain(data["lead"]) if data["lead"] else None}


def _cell(cell: str | Link | None) -> str | dict[str, Any] | None:
    if isinstance(cell, Link):
        return {"text": plain(cell.text), "url": http_address(cell.text)}
    return None if cell is None else plain(cell)
