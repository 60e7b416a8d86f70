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


@lru_cache(maxsize=512)
def state_name(code: str) -> str:
    """The English short name of a state, for summaries a human reads."""
    if code == "XK":
        return "Kosovo"
    country = pycountry.countries.get(alpha_2=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


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
