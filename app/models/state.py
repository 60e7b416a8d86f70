"""StateCode: an ISO 3166-1 alpha-2 code (plus XK for Kosovo), upper-cased on the way in."""

from functools import lru_cache
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, WithJsonSchema

STATE_CODES: frozenset[str] = frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


def parse_state(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 3166-1 alpha-2 state code such as TJ")
    code = value.strip().upper()
    if code not in STATE_CODES:
        raise ValueError("unknown state: expected an ISO 3166-1 alpha-2 code such as TJ, RU or TR (or XK)")
    return code


# ISO's short names that read as an index entry ("Congo, The Democratic Republic of the"), as prose says them.
_PROSE_NAMES = {
    "XK": "Kosovo",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands",
    "BN": "Brunei",
    "FK": "Falkland Islands",
    "VA": "Holy See",
    "MF": "Saint Martin",
    "SX": "Sint Maarten",
    "BQ": "Caribbean Netherlands",
    "SH": "Saint Helena, Ascension and Tristan da Cunha",
}
# The states whose English name takes "the" in a sentence.
_WITH_ARTICLE = frozenset(
    [
        "AE",
        "BQ",
        "BS",
        "CC",
        "CD",
        "CF",
        "CG",
        "CK",
        "DO",
        "FK",
        "FO",
        "GB",
        "GM",
        "HM",
        "IO",
        "KM",
        "KY",
        "MH",
        "MP",
        "MV",
        "NL",
        "PH",
        "RU",
        "SB",
        "SC",
        "TC",
        "TF",
        "UM",
        "US",
        "VA",
        "VG",
        "VI",
    ]
)


@lru_cache(maxsize=512)
def state_name(code: str) -> str:
    """The English short name of a state, for summaries a human reads: "Russian Federation"."""
    if code in _PROSE_NAMES:
        return _PROSE_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


def state_in_prose(code: str) -> str:
    """The state as a sentence names it: "the Russian Federation", "the United Kingdom", "Tajikistan".
    Capitalise the first letter at the start of a sentence."""
    name = state_name(code)
    return f"the {name}" if code in _WITH_ARTICLE else name


def states_possessive(code: str) -> str:
    """ "the Russian Federation's", "Belarus's": the state's name as a possessive in prose."""
    return f"{state_in_prose(code)}'s"


StateCode = Annotated[
    str,
    BeforeValidator(parse_state),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(STATE_CODES) + sorted(code.lower() for code in STATE_CODES),
            "description": "ISO 3166-1 alpha-2 (plus XK); lower case is accepted and upper-cased.",
        }
    ),
]
