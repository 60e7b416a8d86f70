"""The European Convention on Human Rights: which states were bound by it on a given day (pure).

Dates are the Convention's entry into force for each state (Council of Europe Treaty Office, chart of
signatures and ratifications of ETS No. 005). A state that joined or left is a party on the days in
[joined, left). Greece, which left in 1970 and returned on 28 November 1974, is kept from its return:
no extradition decision of the years before matters for a time limit today. The Czech Republic and
Slovakia are bound since their creation on 1 January 1993; Serbia and Montenegro since 2004 and 2006.
The Russian Federation ceased to be a party on 16 September 2022; Belarus never was one; Kosovo is not.
"""

from datetime import date

PARTIES: dict[str, tuple[date, date | None]] = {
    "AD": (date(1996, 1, 22), None),
    "AL": (date(1996, 10, 2), None),
    "AM": (date(2002, 4, 26), None),
    "AT": (date(1958, 9, 3), None),
    "AZ": (date(2002, 4, 15), None),
    "BA": (date(2002, 7, 12), None),
    "BE": (date(1955, 6, 14), None),
    "BG": (date(1992, 9, 7), None),
    "CH": (date(1974, 11, 28), None),
    "CY": (date(1962, 10, 6), None),
    "CZ": (date(1993, 1, 1), None),
    "DE": (date(1953, 9, 3), None),
    "DK": (date(1953, 9, 3), None),
    "EE": (date(1996, 4, 16), None),
    "ES": (date(1979, 10, 4), None),
    "FI": (date(1990, 5, 10), None),
    "FR": (date(1974, 5, 3), None),
    "GB": (date(1953, 9, 3), None),
    "GE": (date(1999, 5, 20), None),
    "GR": (date(1974, 11, 28), None),
    "HR": (date(1997, 11, 5), None),
    "HU": (date(1992, 11, 5), None),
    "IE": (date(1953, 9, 3), None),
    "IS": (date(1953, 9, 3), None),
    "IT": (date(1955, 10, 26), None),
    "LI": (date(1982, 9, 8), None),
    "LT": (date(1995, 6, 20), None),
    "LU": (date(1953, 9, 3), None),
    "LV": (date(1997, 6, 27), None),
    "MC": (date(2005, 11, 30), None),
    "MD": (date(1997, 9, 12), None),
    "ME": (date(2006, 6, 6), None),
    "MK": (date(1997, 4, 10), None),
    "MT": (date(1967, 1, 23), None),
    "NL": (date(1954, 8, 31), None),
    "NO": (date(1953, 9, 3), None),
    "PL": (date(1993, 1, 19), None),
    "PT": (date(1978, 11, 9), None),
    "RO": (date(1994, 6, 20), None),
    "RS": (date(2004, 3, 3), None),
    "RU": (date(1998, 5, 5), date(2022, 9, 16)),
    "SE": (date(1953, 9, 3), None),
    "SI": (date(1994, 6, 28), None),
    "SK": (date(1993, 1, 1), None),
    "SM": (date(1989, 3, 22), None),
    "TR": (date(1954, 5, 18), None),
    "UA": (date(1997, 9, 11), None),
}
# Protocol No. 15 shortened the time limit of Art. 35(1) from six months to four, for final domestic
# decisions taken on or after 1 February 2022 (its Art. 8(3)).
FOUR_MONTHS_FROM = date(2022, 2, 1)


def is_party(state: str, on: date) -> bool:
    """Whether `state` (ISO alpha-2) was bound by the Convention on `on`."""
    span = PARTIES.get(state)
    return span is not None and span[0] <= on and (span[1] is None or on < span[1])


def joined_by(state: str, on: date) -> bool:
    """Whether `state` had joined the Convention on or before `on` (whether or not it has left since)."""
    span = PARTIES.get(state)
    return span is not None and span[0] <= on


def application_months(final_decision_on: date) -> int:
    """Art. 35(1): months to apply to the Court after the final domestic decision."""
    return 4 if final_decision_on >= FOUR_MONTHS_FROM else 6
