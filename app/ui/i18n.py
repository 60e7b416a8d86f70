"""Languages of the web interface: which one a request gets, its gettext catalog and its Jinja environment.

The reader's choice wins: `?lang=` (remembered in a cookie), then that cookie, then the browser's
Accept-Language, then English. Each language has its own Jinja environment with its catalog
installed, so concurrent requests in different languages never share translation state.
Catalogs: `app/locale/<lang>/LC_MESSAGES/messages.po`, compiled to `.mo` (see babel.cfg).
"""

from collections.abc import Callable
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app import kinds, vocabulary
from app.language import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from app.language import LANGUAGE_NAMES as LANGUAGE_NAMES
from app.language import LANGUAGES as LANGUAGES
from app.language import LOCALE_DIR as LOCALE_DIR
from app.language import from_accept_language as from_accept_language
from app.language import supported as supported
from app.language import translations as translations
from app.models.flag import Pattern
from app.models.state import state_name
from app.ui import charts

LANG_COOKIE = "a3_lang"


def choose(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    return supported(query) or supported(cookie) or from_accept_language(accept_language) or DEFAULT_LANGUAGE


def _filters(lang: str) -> dict[str, Callable[..., str]]:
    locale = Locale.parse(lang)
    translate = translations(lang).gettext

    def state(code: str | None) -> str:
        if not code:
            return ""
        return str(locale.territories.get(code) or state_name(code))

    def label(value: object, group: str) -> str:
        """The reader's words for a code; group `record`: the kind of a record (the registry's word)."""
        if group == "record":
            return translate(kinds.LABELS.get(str(value), str(value)))
        return translate(vocabulary.english(group, value))

    def decimal(value: float, digits: int = 2) -> str:
        return str(format_decimal(value, format="#,##0." + "0" * digits, locale=locale))

    def percent(value: float) -> str:
        return str(format_percent(value, format="#,##0%", locale=locale))

    def integer(value: int) -> str:
        return str(format_decimal(value, format="#,##0", locale=locale))

    def figure(value: float) -> str:
        """A count that may be a half (a median): 12 or 12.5, never 12.0."""
        return str(format_decimal(value, format="#,##0.#", locale=locale))

    return {
        "state": state,
        "label": label,
        "decimal": decimal,
        "percent": percent,
        "integer": integer,
        "figure": figure,
    }


def _charts(lang: str) -> dict[str, Callable[..., Markup]]:
    translate = translations(lang).gettext

    def indicator_chart(patterns: list[Pattern], *, chart_id: str, title: str, description: str) -> Markup:
        bars = [
            charts.Bar(
                label=translate(vocabulary.english("flag", p.code)),
                value=p.persons,
                emphasis=p.recurrent,
                note=translate("recurrent") if p.recurrent else "",
            )
            for p in patterns
        ]
        return charts.horizontal_bars(bars, chart_id=chart_id, title=title, description=description)

    def year_chart(series: list[tuple[str, int]], *, chart_id: str, title: str, description: str) -> Markup:
        return charts.columns(series, chart_id=chart_id, title=title, description=description)

    return {"indicator_chart": indicator_chart, "year_chart": year_chart}


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("app", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_filters(lang))
    env.globals.update(_charts(lang))
    env.globals["record_kinds"] = kinds.BY_NAME

    def record_template(kind: str) -> str:
        """How the person's page shows a kind of record: its own `records/<kind>.html`, or the plain one."""
        name = f"records/{kind}.html"
        return name if name in shown else "records/_record.html"

    shown = frozenset(env.list_templates(filter_func=lambda name: name.startswith("records/")))
    env.globals["record_template"] = record_template
    return env
