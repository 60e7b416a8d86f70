"""A filing as a Word document (python-docx), for lawyers who edit filings in Word.

Noto Serif is embedded in the file (obfuscated, as ECMA-376 Part 1 §17.8.1 prescribes), so the Tajik,
Kazakh, Turkish and Azerbaijani letters show the same on a machine without the font. Headings use
Word's heading styles, so Word's navigation pane and the table of contents (a field Word fills in on
opening) find them; the footer numbers the pages."""

import io
import uuid
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph as WordParagraph

from app.services.filing import Cell, Filing, Heading, Items, Link, Paragraph, Table, plain

FONT = "Noto Serif"
_FONT_FILES = {"embedRegular": "NotoSerif-Regular.ttf", "embedBold": "NotoSerif-Bold.ttf"}
_OBFUSCATED = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# The settings that come after these two in the schema's sequence (CT_Settings), the first ones found.
_AFTER_EMBED_FONTS = (
    "w:saveSubsetFonts",
    "w:saveFormsData",
    "w:mirrorMargins",
    "w:alignBordersAndEdges",
    "w:bordersDoNotSurroundHeader",
    "w:bordersDoNotSurroundFooter",
    "w:gutterAtTop",
    "w:hideSpellingErrors",
    "w:hideGrammaticalErrors",
    "w:activeWritingStyle",
    "w:proofState",
    "w:formsDesign",
    "w:attachedTemplate",
    "w:linkStyles",
    "w:stylePaneFormatFilter",
    "w:stylePaneSortMethod",
    "w:documentType",
    "w:mailMerge",
    "w:revisionView",
    "w:trackRevisions",
    "w:doNotTrackMoves",
    "w:doNotTrackFormatting",
    "w:documentProtection",
    "w:autoFormatOverride",
    "w:styleLockTheme",
    "w:styleLockQFSet",
    "w:defaultTabStop",
)
_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


def render(filing: Filing) -> bytes:
    document = Document()
    _set_fonts(document)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.8)
    _footer_page_numbers(document, filing.words.get("page", "Page"))
    _header_confidential(document, filing.words.get("confidentiality", "Privileged and confidential"))
    title = f"{filing.title}: {plain(filing.subject)}"
    document.core_properties.title = title
    _styled(document, "Title").add_run(title)
    header = document.add_table(rows=0, cols=2)
    for label, value in filing.header:
        row = header.add_row().cells
        row[0].paragraphs[0].add_run(plain(label)).bold = True
        row[1].text = plain(value)
    _styled(document, "Heading1").add_run(filing.words.get("contents", "Contents"))
    _field(
        document.add_paragraph(),
        'TOC \\o "1-2" \\h \\z \\u',
        filing.words.get("contents_placeholder", "Word fills in the contents when the document is opened."),
    )
    for block in filing.blocks:
        if isinstance(block, Heading):
            _styled(document, f"Heading{block.level - 1}").add_run(block.text)
        elif isinstance(block, Paragraph):
            _lead(document.add_paragraph(), block)
        elif isinstance(block, Items):
            for item in block.items:
                _lead(_styled(document, "ListBullet"), item)
        else:
            _table(document, block)
    _embed_fonts(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _styled(document: WordDocument, style_id: str) -> WordParagraph:
    """A paragraph in a style given by its id: python-docx's lookup by name scans every style each time."""
    paragraph = document.add_paragraph()
    paragraph._p.style = style_id
    return paragraph


def _lead(paragraph: WordParagraph, block: Paragraph) -> None:
    if block.lead:
        paragraph.add_run(plain(block.lead) + " ").bold = True
    paragraph.add_run(plain(block.text))


def _table(document: WordDocument, block: Table) -> None:
    """A table in the "Table Grid" style, its header row repeated on each page. The rows are written as
    XML in one go: python-docx's cell by cell API takes seconds for a few hundred rows."""
    table = document.add_table(rows=0, cols=len(block.header))
    table.style = "Table Grid"
    rows = [_row([plain(h) for h in block.header], header=True)]
    rows += [_row([_cell(value) for value in values]) for values in block.rows]
    body = "".join(rows)
    for row in parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>"):
        table._tbl.append(row)
    document.add_paragraph()


def _row(cells: list[str], *, header: bool = False) -> str:
    properties = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    bold = "<w:b/>" if header else ""
    return (
        f"<w:tr>{properties}"
        + "".join(
            '<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f'<w:r><w:rPr>{bold}<w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
            for text in cells
        )
        + "</w:tr>"
    )


def _cell(value: Cell) -> str:
    if isinstance(value, Link):
        return plain(value.text)
    return "—" if value is None else plain(value)


def _set_fonts(document: WordDocument) -> None:
    """Noto Serif for the body and every heading, in all four font slots Word picks from by script."""
    for style_name in ("Normal", "Title", *(f"Heading {n}" for n in range(1, 4))):
        style = document.styles[style_name]
        style.font.name = FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(slot), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)
    document.styles["Normal"].font.size = Pt(10)


def _field(paragraph: WordParagraph, instruction: str, placeholder: str) -> None:
    """A Word field (page number, table of contents) with the text shown until Word updates it."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, None), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = f" {instruction} "
            run._r.append(code)
        else:
            shown = OxmlElement("w:t")
            shown.text = placeholder
            run._r.append(shown)


def _footer_page_numbers(document: WordDocument, page: str) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = 1  # centred
    paragraph.add_run(f"{page} ")
    _field(paragraph, "PAGE", "1")
    paragraph.add_run(" / ")
    _field(paragraph, "NUMPAGES", "1")
    update = OxmlElement("w:updateFields")  # Word refreshes the contents and the page count on opening
    update.set(qn("w:val"), "true")
    _add_setting(document, update, before=_AFTER_UPDATE_FIELDS)


def _header_confidential(document: WordDocument, confidentiality: str) -> None:
    paragraph = document.sections[0].header.paragraphs[0]
    paragraph.alignment = 2  # right
    paragraph.add_run(confidentiality).italic = True


@cache
def _font(filename: str) -> bytes:
    """A font file of the package, read once per process (about 600 KB each)."""
    return (resources.files("app") / "fonts" / filename).read_bytes()


def _embed_fonts(document: WordDocument) -> None:
    """Each font as an obfuscated part of the font table: the first 32 bytes XORed with the key read
    from the GUID's hex digits backwards (ECMA-376 Part 1 §17.8.1)."""
    package = document.part.package
    font_table = next(p for p in package.iter_parts() if p.partname == "/word/fontTable.xml")
    embeds = []
    for number, (slot, filename) in enumerate(_FONT_FILES.items(), start=1):
        key = uuid.uuid4()
        data = bytearray(_font(filename))
        mask = bytes.fromhex("".join(key.hex[i : i + 2] for i in range(30, -2, -2)))
        for i in range(32):
            data[i] ^= mask[i % 16]
        part = Part(PackURI(f"/word/fonts/font{number}.odttf"), _OBFUSCATED, bytes(data), package)
        rid = font_table.relate_to(part, RELATIONSHIP_TYPE.FONT)
        embeds.append(f'<w:{slot} r:id="{rid}" w:fontKey="{{{str(key).upper()}}}"/>')
    entry = f'<w:font w:name="{FONT}">{"".join(embeds)}</w:font></w:fonts>'.encode()
    # The default template's font table declares the w: and r: prefixes on its root.
    font_table._blob = font_table.blob.replace(b"</w:fonts>", entry)
    _add_setting(document, OxmlElement("w:embedTrueTypeFonts"), before=_AFTER_EMBED_FONTS)


def _add_setting(document: WordDocument, element: object, *, before: tuple[str, ...]) -> None:
    """A setting in its place: Word refuses a settings part whose elements are out of the schema's order."""
    settings = document.settings.element
    later = [child for child in settings if child.tag in {qn(name) for name in before}]
    if later:
        later[0].addprevious(element)
    else:
        settings.append(element)
