"""User text in Markdown: whatever it holds, it renders as exactly that text and adds no structure.

Checked with markdown-it-py in its GitHub-like mode (tables, strikethrough, bare-URL autolinks), in
every place the dossier puts user text: a heading, a paragraph, a list item, a table cell.
"""

import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.services.markdown import escape, link

GFM = MarkdownIt("gfm-like")
CONTEXTS = {
    "heading": "# Dossier: {}",
    "paragraph": "{}",
    "list item": "- **Name:** {}",
    "bare list item": "- {}",
    "table cell": "| date | event |\n|---|---|\n| 2020 | {} |",
}
# Texts built from what Markdown reacts to, so that hypothesis tries their combinations often.
MARKUP = st.sampled_from(
    ["#", "-", "+", "*", "_", "`", "~", "|", "[", "]", "(", ")", "<", ">", "!", "&", "\\", ":", "@", ".", "=",
     "$", "{", "}", "^", "1.", "\n", "\r", "\t", "\x00", "\u2028", "    ", "---", "```", "<script>", "</div>",
     "&lt;", "&#60;", "javascript:", "https://", "www.", "a@b.co", "[x](javascript:alert(1))", "<http://x.y>",
     "![i](http://x.y/i.png)", "\n# Forged", "\n| x | y |", "x|y", " ", "a", "Иван", "1)", "**", "__"]
)  # fmt: skip
TEXT = st.one_of(st.text(), st.lists(MARKUP | st.text(max_size=3), max_size=12).map("".join))


def _blocks(tokens: list[Token]) -> list[tuple[str, str]]:
    return [(t.type, t.tag) for t in tokens if t.type != "inline"]


def _inline(tokens: list[Token]) -> list[Token]:
    return [child for t in tokens if t.type == "inline" for child in t.children or []]


def _plain(text: str) -> str:
    """What the reader must see: the text on one line, controls and line breaks as single spaces."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


@pytest.mark.parametrize("context", CONTEXTS)
@given(text=TEXT)
@example(text="Ivan\n# Forged heading\n<script>alert(1)</script>")
@example(text="[click](javascript:alert(1)) <javascript:alert(1)> www.evil.example a|b|c")
def test_user_text_reads_as_written_and_adds_no_structure(context: str, text: str) -> None:
    assume(_plain(text))  # nothing to show is no structure either (a bullet stays empty)
    template = CONTEXTS[context]
    expected = GFM.parse(template.format("x"))
    found = GFM.parse(template.format(escape(text)))
    assert _blocks(found) == _blocks(expected)  # no heading, list, quote, code block, table cell or row
    children = _inline(found)
    assert [c.type for c in children if c.type != "text"] == [
        c.type for c in _inline(expected) if c.type != "text"
    ]  # no link, image, HTML, code, emphasis or strikethrough
    user = "".join(c.content for c in children if c.type == "text")
    assert user.endswith(_plain(text))  # after the template's own words, exactly the text


@given(url=TEXT | st.from_regex(r"\Ahttps?://[a-z.]{1,12}/[ -~]{0,20}\Z") | st.just("HTTP://x.y/é"))
def test_a_source_links_only_to_http_addresses(url: str) -> None:
    assume(_plain(url))
    tokens = GFM.parse(f"- {link(url)}")
    links = [c for c in _inline(tokens) if c.type == "link_open"]
    assert _blocks(tokens) == _blocks(GFM.parse("- x"))
    assert len(links) <= 1
    for opened in links:
        assert str(opened.attrs["href"]).lower().startswith(("http://", "https://"))
        assert url.strip().lower().startswith(("http://", "https://"))
    assert not [c for c in _inline(tokens) if c.type in ("html_inline", "image")]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.interpol.int/en/How-we-work", "<https://www.interpol.int/en/How-we-work>"),
        ("https://example.org/a<b>", "<https://example.org/a%3Cb%3E>"),
        ("https://example.org/мир", "<https://example.org/%D0%BC%D0%B8%D1%80>"),
        ("javascript:alert(1)", "javascript\\:alert\\(1\\)"),
        ("data:text/html,<b>x</b>", "data\\:text/html,\\<b\\>x\\</b\\>"),
        ("Court of Appeal, 2019", "Court of Appeal, 2019"),
    ],
)
def test_links_and_what_is_not_one(url: str, expected: str) -> None:
    assert link(url) == expected


def test_dates_and_double_names_stay_readable() -> None:
    assert escape("Jean-Pierre O'Brien, born 1979-11-03") == "Jean-Pierre O'Brien, born 1979-11-03"
    assert escape("Абу-Бакр; 50%? a/b") == "Абу-Бакр; 50%? a/b"
    assert escape("- a - b --") == "\\- a \\- b \\-\\-"
