"""The reader's language, for everything a person reads: the API's explanations, the dossier, the web pages.

`from_accept_language` picks a supported language from an Accept-Language header (the API and the web
interface both use it). `Prose` is what a text-writing function is handed: the catalog's words
(`gettext`, `ngettext` with the language's plural rule), the code words of `app.vocabulary`, state names
and dates, each in that language. English is the source language: its texts are the message ids, so an
English `Prose` returns them as written. Catalogs: `app/locale/<lang>/LC_MESSAGES/messages.po` (see
babel.cfg and CONTRIBUTING.md, "Adding a language").

In Russian a state keeps its nominative name (Babel's, from CLDR) and the sentences are built so the
name never has to be declined ("запрашивающее государство — Таджикистан").
"""

import gettext as gettext_module
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.support import Translations

from app.models.fuzzy_date import FuzzyDate
from app.models.state import state_in_prose, state_name, states_possessive
from app.vocabulary import N_, english

LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MAX_ACCEPT_LANGUAGE_CHARS = 500
# What a header or a document says the language is called, in that language.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

# Months as prose says them at month precision ("in March 2016"): whole phrases, so a language can
# decline the month ("в марте 2016 г.").
MONTHS_IN = (
    N_("in January {year}"),
    N_("in February {year}"),
    N_("in March {year}"),
    N_("in April {year}"),
    N_("in May {year}"),
    N_("in June {year}"),
    N_("in July {year}"),
    N_("in August {year}"),
    N_("in September {year}"),
    N_("in October {year}"),
    N_("in November {year}"),
    N_("in December {year}"),
)


def supported(value: str | None) -> str | None:
    code = (value or "").strip().lower()
    return code if code in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header, by its q weight (ties: order given)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:MAX_ACCEPT_LANGUAGE_CHARS].split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else None


def negotiate(header: str | None) -> str:
    """The API's language for an Accept-Language header: a supported one it prefers, else English."""
    return from_accept_language(header) or DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()  # the sources are written in English
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


@lru_cache(maxsize=4096)
def _label(lang: str, group: str, value: object) -> str:
    """`Prose.label`, remembered: a timeline or a dossier names the same few codes hundreds of times."""
    return translations(lang).gettext(english(group, value))


@dataclass(frozen=True)
class Prose:
    """The words of one language for the texts the code writes (explanations, the dossier)."""

    lang: str = DEFAULT_LANGUAGE

    @property
    def english(self) -> bool:
        return self.lang == DEFAULT_LANGUAGE

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        """A message whose words depend on where it stands (`"timeline", "Died"`: an event, not a label)."""
        return translations(self.lang).pgettext(context, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form for `count` by the language's plural rule (Russian has three)."""
        return translations(self.lang).ngettext(singular, plural, count)

    def label(self, group: str, value: object) -> str:
        """The words for a code of `app.vocabulary`, translated."""
        try:
            return _label(self.lang, group, value)
        except TypeError:  # a value that cannot be a key of the cache
            return self.gettext(english(group, value))

    def state_name(self, code: str) -> str:
        """The state's short name: "Russian Federation"; in Russian its nominative ("Россия")."""
        if self.english:
            return state_name(code)
        return str(_territories(self.lang).get(code) or state_name(code))

    def state(self, code: str) -> str:
        """The state as a sentence names it: "the Russian Federation"; in Russian the nominative name."""
        return state_in_prose(code) if self.english else self.state_name(code)

    def states_possessive(self, code: str) -> str:
        """English only ("the Russian Federation's"): other languages' sentences name the state apart."""
        return states_possessive(code) if self.english else self.state_name(code)

    def in_words(self, day: FuzzyDate) -> str:
        """The date at its precision: 'in 2017', 'in March 2016', 'on 22 February 2016'."""
        start = day.start
        if day.precision == "year":
            return self.gettext("in {year}").format(year=start.year)
        if day.precision == "month":
            return self.gettext(MONTHS_IN[start.month - 1]).format(year=start.year)
        if self.english:
            return day.in_words
        return self.gettext("on {date}").format(date=format_date(start, "d MMMM y 'года'", locale=self.lang))

    def when(self, day: FuzzyDate | None) -> str:
        """A date in a sentence: an exact day as recorded ("on 2016-03-05"), a month or a year in words
        ("in March 2016", "in 2013")."""
        if day is None:
            return self.gettext("on a date not recorded")
        if day.precision == "day":
            return self.gettext("on {date}").format(date=day)
        return self.in_words(day)

    def join(self, items: list[str]) -> str:
        """'a, b and c'."""
        if len(items) == 1:
            return items[0]
        return self.gettext("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


@cache
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


ENGLISH = Prose()


@cache
def prose(lang: str) -> Prose:
    return Prose(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
