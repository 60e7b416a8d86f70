"""Rows of a spreadsheet as NGOs keep them: a CSV file in UTF-8 or a common Cyrillic encoding
(Windows-1251, KOI8-R, UTF-16, …; detected, not guessed from the name), or an Excel workbook (.xlsx,
its first sheet). The first row names the columns; every cell comes back as stripped text."""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import charset_normalizer
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from app.errors import Unprocessable

_BOMS = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


def rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, data rows). A file that is neither a readable CSV nor an .xlsx workbook is 422."""
    if content.startswith(b"PK\x03\x04"):
        return _split(list(_workbook_rows(content)))
    text = _text(content)  # decoded once: detecting an encoding reads the whole file
    return _split(list(csv.reader(io.StringIO(text), _dialect(text))))


def _split(table: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise Unprocessable(
            "The file has no rows: the first row must name the columns.", loc=("body", "file")
        )
    header = [cell.strip() for cell in table[0]]
    return header, [[cell.strip() for cell in row] for row in table[1:]]


def _text(content: bytes) -> str:
    for bom, encoding in _BOMS.items():
        if content.startswith(bom):
            return content.decode(encoding)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = None if b"\x00" in content else charset_normalizer.from_bytes(content).best()  # NUL: not text
    if best is None:
        raise Unprocessable(
            "The file is neither an .xlsx workbook nor text in a known encoding (UTF-8, Windows-1251, "
            "KOI8-R, UTF-16…).",
            loc=("body", "file"),
        )
    return str(best)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (Excel in Russian and most of Europe) or tab, whichever the first lines use."""
    try:
        return csv.Sniffer().sniff("\n".join(text.splitlines()[:20]), delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _workbook_rows(content: bytes) -> Iterator[list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, InvalidFileException) as exc:
        raise Unprocessable(
            f"The .xlsx workbook cannot be read ({type(exc).__name__}).", loc=("body", "file")
        ) from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _cell(value: object) -> str:
    """A cell as text: dates as ISO dates (a spreadsheet turns "2016-02-22" into a date), whole numbers
    without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
