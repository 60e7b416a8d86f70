"""A filing as Markdown (CommonMark with GitHub's tables): user text escaped, addresses as autolinks;
our own words (headings, labels, column names) as they are."""

from app.services import markdown as md
from app.services.filing import Block, Cell, Filing, Heading, Items, Link, Paragraph, Table


def render(filing: Filing) -> str:
    lines = [f"# {filing.title}: {md.escape(filing.subject)}", ""]
    lines += [f"- **{label}:** {md.escape(value)}" for label, value in filing.header]
    lines.append("")
    for block in filing.blocks:
        lines += _block(block)
    return "\n".join(lines).rstrip("\n") + "\n"


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'#' * block.level} {block.text}", ""]
    if isinstance(block, Paragraph):
        return [_paragraph(block), ""]
    if isinstance(block, Items):
        return [*(f"- {_paragraph(item)}" for item in block.items), ""]
    return _table(block)


def _paragraph(paragraph: Paragraph) -> str:
    text = md.escape(paragraph.text)
    return f"**{paragraph.lead}** {text}" if paragraph.lead else text


def _table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(table.header) + " |",
        "|" + "---|" * len(table.header),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def _cell(cell: Cell) -> str:
    """A table cell: user text escaped (a pipe cannot end the cell), a dash for nothing recorded."""
    if isinstance(cell, Link):
        link = md.link(cell.text)
        return link.replace("|", "%7C") if link.startswith("<") else link  # a pipe would end the cell
    return "—" if cell is None else md.escape(cell)
