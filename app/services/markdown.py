"""User text made inert in Markdown (CommonMark and GitHub's extensions), for every document we render.

Names, courts, charges and sources are typed by users, or copied from a state's paperwork: in a
dossier they must read as the words they are, never as a heading, a link, HTML or a table cell.
"""

import re
import unicodedata
from urllib.parse import quote, urlsplit

# The ASCII punctuation CommonMark, GitHub or a common extension gives a meaning to, backslash-escaped
# (CommonMark lets any of it be): no emphasis, code, link, image, autolink (GitHub's bare `https://`,
# `www.` and `a@b.c` included), raw HTML, entity, table pipe, strikethrough, math, heading, list or quote
# can start in the text. A hyphen between two letters or digits (a date, a double name) cannot start
# anything, so it stays as written; so do ' " , ; ? % and /, which no construct uses.
_SIGNIFICANT = re.compile(r"[!#$&()*+.:<=>@\[\\\]^_`{|}~]|(?<![^\W_])-|-(?![^\W_])")
_IN_AUTOLINK = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "<>")


def escape(text: object) -> str:
    """`text` as inline Markdown that renders exactly as the text, on one line: line breaks and other
    control characters become spaces (a new line could start a heading or end a table row)."""
    flat = "".join(" " if unicodedata.category(c) == "Cc" else c for c in str(text))
    return _SIGNIFICANT.sub(lambda found: "\\" + found.group(), " ".join(flat.split()))


def http_address(text: str) -> str | None:
    """`text` as an http(s) address to link to, or None (`javascript:`, `data:`, plain words)."""
    address = text.strip()
    try:
        parts = urlsplit(address)
    except ValueError:  # e.g. a bracket left open around an IPv6 host
        return None
    if (
        parts.scheme.lower() in ("http", "https")
        and parts.netloc
        and address.isprintable()
        and " " not in address
    ):
        return address
    return None


def link(url: str) -> str:
    """An http(s) address as an autolink; anything else (`javascript:`, `data:`, plain words) as text."""
    address = http_address(url)
    if address is None:
        return escape(url)
    return f"<{quote(address, safe=_IN_AUTOLINK)}>"  # a < or > would end or break the link
