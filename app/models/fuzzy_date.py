"""FuzzyDate: a date known to the year, the month or the day, kept exactly as given."""

import re
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema
from sqlalchemy.engine import Dialect

PATTERN = r"^[12]\d{3}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_MATCH = re.compile(PATTERN)
FORMS = "write a year (2016), a year and month (2016-02) or a full date (2016-02-22)"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@lru_cache(maxsize=8192)
def _first_day(text: str) -> date:
    """The first day of the period 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' stands for (cached: few distinct values)."""
    parts = [int(p) for p in text.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


class FuzzyDate(str):
    """'2015', '2015-01' or '2015-01-03', exactly as given.

    Zero-padded ISO text already sorts like the first day of each period, so the column sorts in SQL;
    `.start` is that first day, for every "not before" rule.
    """

    __slots__ = ()

    def __new__(cls, text: str) -> "FuzzyDate":
        if type(text) is cls:  # already checked: models copied from models skip a second parse
            return text
        if not isinstance(text, str) or not _MATCH.match(text):
            raise ValueError(f"not a date: {FORMS}")
        try:
            _first_day(text)
        except ValueError:
            raise ValueError(f"no such day in the calendar: {FORMS}") from None
        return super().__new__(cls, text)

    @classmethod
    def _validate(cls, text: str) -> "FuzzyDate":
        """For pydantic: the message says in words which forms are accepted (never the pattern)."""
        try:
            return cls(text)
        except ValueError as error:
            raise PydanticCustomError("fuzzy_date", str(error)) from None

    @property
    def start(self) -> date:
        return _first_day(self)

    @property
    def precision(self) -> str:
        return ("year", "month", "day")[self.count("-")]

    @property
    def exact(self) -> date | None:
        """The date when known to the day, else None."""
        return self.start if self.precision == "day" else None

    @property
    def end(self) -> date:
        """The last day of the period the date stands for."""
        start = self.start
        if self.precision == "day":
            return start
        if self.precision == "month":
            next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return date.fromordinal(next_month.toordinal() - 1)
        return date(start.year, 12, 31)

    @property
    def in_words(self) -> str:
        """The date as prose says it, at its own precision: 'in 2017', 'in March 2016', 'on 22 February 2016'."""
        start = self.start
        if self.precision == "year":
            return f"in {start.year}"
        if self.precision == "month":
            return f"in {_MONTHS[start.month - 1]} {start.year}"
        return f"on {start.day} {_MONTHS[start.month - 1]} {start.year}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls._validate, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(
            pattern=PATTERN,  # published, so generated clients and schema-driven tests send valid dates
            format="fuzzy-date",
            description="YYYY, YYYY-MM or YYYY-MM-DD, returned exactly as given; compared by the first day of its period.",
            examples=["2015", "2015-01", "2015-01-03"],
        )
        return json_schema


class FuzzyDateType(sa.TypeDecorator[FuzzyDate]):
    """A fuzzy date column: ISO text, so ORDER BY sorts by the first day of each period."""

    impl = sa.String(10)
    cache_ok = True

    def process_bind_param(self, value: str | None, _dialect: Dialect) -> str | None:
        return None if value is None else str(FuzzyDate(value))

    def process_result_value(self, value: str | None, _dialect: Dialect) -> FuzzyDate | None:
        return None if value is None else FuzzyDate(value)
