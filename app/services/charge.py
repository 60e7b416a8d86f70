"""Charge classification: a charge text, in the requesting state's words, to one contract category."""

# Caveats (domain.md §7); the UI repeats them:
# - Triage, never a finding. The category follows the state's label, not the conduct: "justification
#   of terrorism" is speech filed as terrorism and stays terrorism here; political cases are dressed
#   as fraud or violence; real crimes get extremism labels.
# - Users override the result (`category_source: user`) and the raw text is always kept, so a lawyer
#   can still argue Art. 83 (private disputes, defamation, debts, unfunded cheques have no category).
# - Where phrases overlap in the text, the longest one wins ("terror propaganda" is speech, not
#   terrorism), counted in words without stop words; equal lengths go by the priority order of the
#   rules file. Length decides nothing else.
# - Phrases that do not overlap, in one piece or in different pieces of the text (lines, `;`, the
#   parts between article numbers), go by the priority order alone: terrorism > extremism >
#   separatism > speech > public_order > violent > drugs > economic > property > other, and `other`
#   loses to any specific category. So "Terrorism\nFraud\nOrganising a criminal group" is terrorism,
#   although "criminal group" has more words.
# - False friends are whole-phrase rules that win by length over the words they cover: "уклонение от
#   призыва" (draft evasion) is other, neither tax evasion nor "призывы" (calls).
# - Article numbers differ per country: they count only when the text names a code with a table in
#   the rules file (Russia's), and then only when no phrase matched anywhere in the text.
#
# The rules are data (app/data/charge_rules.json). A cue is a sequence of stems, each matching the
# start of a word; `$` after a stem asks for the whole word, `…` between stems skips up to
# _GAP_WORDS words. Cyrillic cues also run over a romanised copy, for "moshennichestvo"; each romanised
# word keeps the place of the word it came from, so phrases overlap across the two copies too.

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib.resources import files

from anyascii import anyascii

GAP = "…"
EXACT = "$"
_GAP_WORDS = 6  # "по мотивам политической, идеологической, расовой, национальной или религиозной ненависти"

_FOLD = str.maketrans(
    {
        "ı": "i",
        "ş": "s",
        "ğ": "g",
        "ç": "c",
        "ö": "o",
        "ü": "u",
        "â": "a",
        "î": "i",
        "û": "u",
        "ё": "е",
        "\u0307": None,  # the dot a decomposed İ leaves after lower()
    }
)
_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHES = "'\"`’ʼ"
# What the romanised copy reads as one word: apostrophes join ("deyatel'nost"), as _romanise drops them.
_ROMAN_TOKEN = re.compile(rf"\w+(?:[{_APOSTROPHES}]+\w+)*")
# Pieces end at line breaks, semicolons and numbers, with the article words that lead to a number.
_REFERENCE = r"(?:\b(?:ч|п|пп|ст|стат\w*|art|arts|article|articles|part|para|paragraph|md|madde|moddai|ch|st)\.?\s*|[§№]\s*)"
_SPLIT = re.compile(rf"\r\n|\r|\n|;|{_REFERENCE}*\d+(?:[.,/-]\d+)*", re.IGNORECASE)
_ARTICLES = re.compile(
    r"\b(ст|стат\w*|st|stat\w*|art|arts|article|articles)\.?\s*(\d+(?:\.\d+)?(?:\s*(?:,|и|and|or|или|&)\s*\d+(?:\.\d+)?)*)"
)
_ARTICLE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ROMAN_SPELLINGS = (  # variant spellings of one Russian sound, folded in this order
    ("kh", "h"),
    ("zh", "z"),
    ("ch", "c"),
    ("sh", "s"),
    ("ts", "c"),
    ("y", "i"),
    ("j", "i"),
    ("w", "v"),
    ("x", "h"),
)
_PUNCTUATION = " \t,.:()[]«»\"'-–—/"


@dataclass(frozen=True)
class _Cue:
    stems: tuple[str, ...]
    category: str
    length: int  # stems, gaps not counted
    rank: int  # index in the priority order: lower wins a tie


@dataclass(frozen=True)
class _Word:
    text: str
    start: int  # character offsets in the normalised piece, shared by its romanised copy
    end: int


@dataclass(frozen=True)
class _Match:
    cue: _Cue
    start: int  # character offsets in the normalised piece: from the first matched word to the last
    end: int


@dataclass(frozen=True)
class _CodeTable:
    names: tuple[tuple[str, ...], ...]  # stems of the phrases naming the country's criminal code
    romanised_names: tuple[tuple[str, ...], ...]
    numbers: dict[str, str]  # article number -> category


@dataclass(frozen=True)
class _Rules:
    priority: tuple[str, ...]
    stopwords: frozenset[str]
    romanised_stopwords: frozenset[str]
    cues: tuple[_Cue, ...]
    romanised_cues: tuple[_Cue, ...]  # the Cyrillic cues, romanised
    codes: tuple[_CodeTable, ...]


def normalise(text: str) -> str:
    """Lower-cased after Turkish folding, ё as е, Turkish letters folded, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).replace("İ", "i")
    return " ".join(text.lower().translate(_FOLD).split())


def classify(text: str) -> str:
    """The category of a charge text: the first in the priority order among its phrases that no longer
    phrase overlaps; failing any phrase, among the article numbers of a named code; else other."""
    rules = _rules()
    phrases = [cue for _, cues in _classified_pieces(text, rules) for cue in cues]
    best = _first(phrases) or _first([cue for _, cue in _article_matches(normalise(text), rules)])
    return best.category if best else "other"


def classify_pieces(text: str) -> list[tuple[str, str]]:
    """Each piece of a charge text with its category; article references of a named code come last."""
    rules = _rules()
    pieces = [(piece, _first(cues)) for piece, cues in _classified_pieces(text, rules)]
    articles: list[tuple[str, _Cue | None]] = list(_article_matches(normalise(text), rules))
    return [(piece, cue.category if cue else "other") for piece, cue in pieces + articles]


def _classified_pieces(text: str, rules: _Rules) -> list[tuple[str, list[_Cue]]]:
    """Each piece with the cues that hold their words: of overlapping matches, only the longest."""
    return [(piece, _longest(_piece_matches(normalise(piece), rules))) for piece in _pieces(text, rules)]


def _first(cues: list[_Cue]) -> _Cue | None:
    """The first cue in the priority order; other loses to any specific category."""
    return min(cues, key=lambda cue: (cue.category == "other", cue.rank), default=None)


def _strength(cue: _Cue) -> tuple[int, int]:
    return cue.length, -cue.rank


def _longest(matches: list[_Match]) -> list[_Cue]:
    """Where matches overlap, the longest (equal lengths: the first in the priority order) keeps the
    words; strongest first, a match stays if it overlaps no match that stayed."""
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda match: _strength(match.cue), reverse=True):
        if all(match.end <= other.start or other.end <= match.start for other in kept):
            kept.append(match)
    return [match.cue for match in kept]


def _pieces(text: str, rules: _Rules) -> list[str]:
    stripped = (piece.strip(_PUNCTUATION) for piece in _SPLIT.split(text))
    return [piece for piece in stripped if _words(normalise(piece), rules.stopwords)]


def _piece_matches(normalised: str, rules: _Rules) -> list[_Match]:
    words = _words(normalised, rules.stopwords)
    romanised = _romanised_words(normalised, rules.romanised_stopwords)
    return [
        _Match(cue, words[first].start, words[last].end)
        for cues, words in ((rules.cues, words), (rules.romanised_cues, romanised))
        for cue in cues
        for first, last in _spans(cue.stems, [word.text for word in words])
    ]


def _article_matches(normalised: str, rules: _Rules) -> list[tuple[str, _Cue]]:
    """Article numbers of a code the text names, as zero-length cues: any phrase beats them."""
    words = [word.text for word in _words(normalised, rules.stopwords)]
    romanised = [word.text for word in _romanised_words(normalised, rules.romanised_stopwords)]
    found: list[tuple[str, _Cue]] = []
    for code in rules.codes:
        named = any(_spans(name, words) for name in code.names)
        if not (named or any(_spans(name, romanised) for name in code.romanised_names)):
            continue
        for keyword, numbers in _ARTICLES.findall(normalised):
            for number in _ARTICLE_NUMBER.findall(numbers):
                if category := code.numbers.get(number):
                    cue = _Cue((number,), category, 0, rules.priority.index(category))
                    found.append((f"{keyword} {number}", cue))
    return found


def _words(normalised: str, stopwords: frozenset[str]) -> list[_Word]:
    return [
        _Word(match[0], match.start(), match.end())
        for match in _WORD.finditer(normalised)
        if match[0] not in stopwords
    ]


def _romanised_words(normalised: str, stopwords: frozenset[str]) -> list[_Word]:
    """The romanised copy, word by word, each word at the place of the text it came from."""
    return [
        _Word(word, token.start(), token.end())
        for token in _ROMAN_TOKEN.finditer(normalised)
        for word in _WORD.findall(_romanise(token[0]))
        if word not in stopwords
    ]


def _romanise(normalised: str) -> str:
    """A lossy Latin key, so that moshennichestvo, mošenničestvo and мошенничество meet."""
    text = anyascii(normalised).lower()
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    for spelling, letter in _ROMAN_SPELLINGS:
        text = text.replace(spelling, letter)
    return re.sub(r"(\w)\1+", r"\1", text)


def _spans(stems: tuple[str, ...], words: list[str]) -> list[tuple[int, int]]:
    """Where the stems match: the first and last word of each match, one match per first word."""
    return [
        (start, end) for start in range(len(words)) if (end := _match_end(stems, words, start)) is not None
    ]


def _match_end(stems: tuple[str, ...], words: list[str], at: int) -> int | None:
    """The last word of the stems matched from word `at` (the nearest way through the gaps), or None."""
    stem = stems[0]
    if not (words[at] == stem[:-1] if stem.endswith(EXACT) else words[at].startswith(stem)):
        return None
    if len(stems) == 1:
        return at
    skip, rest = (_GAP_WORDS, stems[2:]) if stems[1] == GAP else (0, stems[1:])
    for after in range(at + 1, min(len(words), at + 2 + skip)):
        if (end := _match_end(rest, words, after)) is not None:
            return end
    return None


def _cue(phrase: str, category: str, rank: int) -> _Cue:
    stems = tuple(normalise(phrase).split())
    return _Cue(stems, category, sum(stem != GAP for stem in stems), rank)


def _romanised_stems(stems: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        stem if stem == GAP else _romanise(stem.removesuffix(EXACT)) + EXACT * stem.endswith(EXACT)
        for stem in stems
    )


def _is_cyrillic(stems: tuple[str, ...]) -> bool:
    return any(_CYRILLIC.search(stem) for stem in stems)


@functools.cache
def _rules() -> _Rules:
    """The rules file, parsed once; normalised like the texts they run over."""
    raw = json.loads((files("app") / "data" / "charge_rules.json").read_text(encoding="utf-8"))
    priority = tuple(raw["priority"])
    stopwords = frozenset(normalise(word) for words in raw["stopwords"].values() for word in words)
    cues = tuple(
        _cue(phrase, category, priority.index(category))
        for category, languages in raw["cues"].items()
        for phrases in languages.values()
        for phrase in phrases
    )
    codes = []
    for table in raw["articles"].values():
        names = tuple(tuple(normalise(phrase).split()) for phrase in table["code"])
        codes.append(
            _CodeTable(
                names=names,
                romanised_names=tuple(_romanised_stems(name) for name in names if _is_cyrillic(name)),
                numbers=dict(table["numbers"]),
            )
        )
    return _Rules(
        priority=priority,
        stopwords=stopwords,
        romanised_stopwords=frozenset(_romanise(word) for word in stopwords),
        cues=cues,
        romanised_cues=tuple(
            _Cue(_romanised_stems(cue.stems), cue.category, cue.length, cue.rank)
            for cue in cues
            if _is_cyrillic(cue.stems)
        ),
        codes=tuple(codes),
    )
