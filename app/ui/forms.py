"""Forms of the web interface, read from the API's own request models.

A form is an API model (`PersonCreate`, `DetentionUpdate`, `ReleaseIn` …) shown field by field: each
field's widget follows its type (a fuzzy date is a text box with its hint, an enum a list of its words, a
list of enums a group of check boxes, a list of texts one per line, a list of objects repeated fieldsets
with an "add another" button, a state a list of states). What is posted is parsed back into the same
model, so validation is the API's; the service functions the API routers call do the rest, and their
problems (422 with a location, 409, 412) are put beside the field they name, in the reader's language.

A correction sends only what the reader changed against the record as it stood (`changed`), with the
record's version as `If-Match` does in the API: the service answers 412 if it changed meanwhile.
"""

import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app import vocabulary
from app.db import AUDIT_ACTIONS
from app.errors import AppError, Conflict, Forbidden, PreconditionFailed, Unprocessable
from app.models.fuzzy_date import FuzzyDate
from app.models.state import STATE_CODES
from app.models.token import Principal, Role
from app.ui import session as ui_session
from app.ui.pages import CsrfRejected
from app.vocabulary import N_

MAX_ROWS = 50  # repeated fieldsets shown at most (the API's longest lists allow 50)
WRITERS = (Role.admin, Role.editor)

# The words of every field a form shows, by the API's field name (one word for a name in every model).
LABELS: Mapping[str, str] = {
    "name": N_("Name"),
    "aliases": N_("Also written as"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "nationalities": N_("Nationalities"),
    "categories": N_("Categories"),
    "affiliations": N_("Affiliations"),
    "related_persons": N_("Related persons"),
    "notes": N_("Notes"),
    "sources": N_("Sources"),
    "place_of_birth": N_("Place of birth"),
    "deceased_on": N_("Date of death"),
    "person_id": N_("Person"),
    "relation": N_("Relation"),
    "kind": N_("Kind"),
    "host_state": N_("Host state"),
    "against_state": N_("State fled"),
    "since": N_("Since"),
    "until": N_("Until"),
    "note": N_("Note"),
    "channel": N_("Channel"),
    "requesting_state": N_("Requesting state"),
    "interpol_ref": N_("INTERPOL reference"),
    "case_number": N_("Case number"),
    "requested_on": N_("Requested on"),
    "issued_on": N_("Issued on"),
    "status": N_("Status"),
    "status_actor": N_("Decided by"),
    "status_reason": N_("Reason given"),
    "public_extract": N_("Public extract on INTERPOL's website"),
    "in_absentia": N_("Conviction in absentia"),
    "charges": N_("Charges"),
    "text": N_("Charge"),
    "category": N_("Category"),
    "on": N_("Date"),
    "actor": N_("Decided by"),
    "reason": N_("Reason"),
    "notice_id": N_("Notice"),
    "detained_on": N_("Detained on"),
    "place": N_("Place"),
    "basis": N_("Basis"),
    "custody": N_("Custody"),
    "court": N_("Court"),
    "other_bases": N_("Further bases"),
    "released_on": N_("Released on"),
    "release_reason": N_("Reason for the release"),
    "release_conditions": N_("Conditions of the release"),
    "release_note": N_("Note on the release"),
    "surrendered_on": N_("Surrendered on"),
    "surrender_kind": N_("Manner of surrender"),
    "surrender_note": N_("Note on the surrender"),
    "ended_on": N_("Ended by (date, when the release was not recorded)"),
    "conditions": N_("Conditions"),
    "requested_state": N_("Requested state"),
    "detention_id": N_("Detention"),
    "opened_on": N_("Opened on"),
    "stage": N_("Stage"),
    "decision": N_("Decision"),
    "decided_on": N_("Decided on"),
    "grounds": N_("Grounds"),
    "hearings": N_("Hearings"),
    "perpetrator_state": N_("Attributed to"),
    "occurred_on": N_("Occurred on"),
    "certainty": N_("Certainty"),
    "description": N_("Description"),
    "forum": N_("Forum"),
    "reference": N_("Reference"),
    "summary": N_("Summary"),
    "counsel": N_("Counsel"),
    "respondent_state": N_("Respondent state"),
    "type": N_("Event"),
    "outcome": N_("Outcome"),
    "title": N_("Title"),
    "dated": N_("Dated"),
    "language": N_("Language"),
    "records": N_("Records it supports"),
    "interval_hours": N_("Hours between checks"),
}
# A field whose model gives it a narrower sense than its name says elsewhere.
OWN_LABELS: Mapping[str, str] = {
    "ReleaseIn.reason": LABELS["release_reason"],
    "ReleaseIn.conditions": LABELS["release_conditions"],
    "ReleaseIn.note": LABELS["release_note"],
    "SurrenderIn.kind": LABELS["surrender_kind"],
    "SurrenderIn.note": LABELS["surrender_note"],
}
DATE_HINT = N_("A year, a month or a day: 2016, 2016-03 or 2016-03-14.")
HINTS: Mapping[str, str] = {
    "aliases": N_("Other names and spellings, one per line, in any script (Cyrillic, Latin …)."),
    "affiliations": N_("One organisation or group per line."),
    "sources": N_("One per line: a publication, a judgment, a link."),
    "nationalities": N_("Two-letter codes such as TJ or RU, separated by commas or one per line."),
    "interpol_ref": N_("For example 2015/12345 or A-1234/6-2015."),
    "language": N_("A language tag such as ru, tg or en-GB."),
    "ended_on": N_("Only when nobody recorded the day of the release: leave Released on empty then."),
    "category": N_("Leave empty to have it classified from the text."),
}
# Why a value was refused, by pydantic's error type, in words a reader understands.
MESSAGES: Mapping[str, str] = {
    "missing": N_("Fill this in."),
    "fuzzy_date": N_("Enter a date as 2016, 2016-03 or 2016-03-14."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "string_too_short": N_("Fill this in."),
    "string_too_long": N_("Shorten this to at most %(n)s characters."),
    "too_long": N_("Give at most %(n)s entries."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than_equal": N_("Enter at least %(n)s."),
    "less_than_equal": N_("Enter at most %(n)s."),
    "string_pattern_mismatch": N_("This is not in the expected form."),
}
# Our own validators' rules, by a part of their English text, in words the catalog translates.
KNOWN: Mapping[str, str] = {
    "cannot be in the future": N_("This date is in the future."),
    "must not be before": N_("The dates are out of order: a later step is dated before an earlier one."),
    "must not precede": N_("The dates are out of order: a later step is dated before an earlier one."),
    "is dated before": N_("The dates are out of order: a later step is dated before an earlier one."),
    "cannot be null": MESSAGES["missing"],
    "required unless notice_id": N_("Fill this in, or choose the notice it rests on."),
    "give released_on": N_(
        "Give the date of the release or, when nobody recorded it, the date by which the custody had ended: "
        "one of the two."
    ),
}
STATE_MESSAGE = N_("Choose a state from the list (a two-letter code such as TJ).")
OTHER_MESSAGE = N_("This value is not accepted:")
CONFLICT_MESSAGE = N_("This cannot be saved as it stands:")
CHANGED_MESSAGE = N_("Someone changed this record while you edited it.")
PROBLEMS_HEADING = N_("There is a problem")

Widget = typing.Literal[
    "text", "textarea", "date", "state", "states", "select", "checks", "lines", "check", "number", "rows",
    "record", "records", "hidden", "person",
]  # fmt: skip
ALWAYS_SENT = frozenset(
    {"text", "textarea", "date", "state", "states", "select", "lines", "number", "record"}
)
TEXTAREAS = frozenset({"note", "notes", "summary", "description", "release_note", "surrender_note"})
RECORD_KINDS = {"notice_id": "notice", "detention_id": "detention"}


@dataclass(frozen=True)
class Spec:
    """One field of a form: its API name, its widget, and for an enum its vocabulary group and values;
    for repeated fieldsets (`rows`) the fields of each."""

    name: str
    widget: Widget
    required: bool = False
    group: str = ""
    options: tuple[str, ...] = ()
    rows: tuple["Spec", ...] = ()
    max_length: int | None = None
    owner: str = ""  # the model's name, for words of its own (`ReleaseIn.reason`: "Reason for the release")

    @property
    def label(self) -> str:
        return OWN_LABELS.get(f"{self.owner}.{self.name}") or LABELS.get(
            self.name, vocabulary.words(self.name)
        )

    @property
    def hint(self) -> str | None:
        return DATE_HINT if self.widget == "date" else HINTS.get(self.name)


_GROUP_OF: dict[type[enum.Enum], str] = {e: g for g, e in vocabulary.ENUMS.items()}


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The type without `| None` and `Annotated[...]`, and whether None was allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, optional


def _is(annotation: Any, kind: type) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, kind)


def _max_length(info: Any) -> int | None:
    for item in getattr(info, "metadata", ()):
        value = getattr(item, "max_length", None)
        if isinstance(value, int):
            return value
    return None


def spec_of(
    name: str, annotation: Any, *, required: bool, max_length: int | None = None, in_row: bool = False
) -> Spec:
    """The widget a field of this type gets (`in_row`: a field of a repeated fieldset)."""
    base, _ = _strip(annotation)
    if typing.get_origin(base) is list:
        item, _ = _strip(typing.get_args(base)[0])
        if _is(item, BaseModel):
            return Spec(name, "rows", required, rows=specs(item, in_row=True))
        if _is(item, enum.Enum):
            return Spec(name, "checks", required, _GROUP_OF[item], tuple(m.value for m in item))
        if name == "records":
            return Spec(name, "records", required)
        if name == "nationalities":
            return Spec(name, "states", required)
        return Spec(name, "lines", required)
    if _is(base, FuzzyDate):
        return Spec(name, "date", required)
    if _is(base, enum.Enum):
        return Spec(name, "select", required, _GROUP_OF[base], tuple(m.value for m in base))
    if base is bool:
        return Spec(name, "check", required)
    if base is int:
        return Spec(name, "number", required)
    if name.endswith("_state"):
        return Spec(name, "state", required)
    if name in RECORD_KINDS:
        return Spec(name, "record", required)
    if name == "person_id":
        return Spec(name, "person" if in_row else "hidden", required)
    if name in TEXTAREAS or (max_length or 0) > 2000:
        return Spec(name, "textarea", required, max_length=max_length)
    return Spec(name, "text", required, max_length=max_length)


def specs(model: type[BaseModel], *, omit: Iterable[str] = (), in_row: bool = False) -> tuple[Spec, ...]:
    """Every field of an API model as a form field, in the model's order."""
    left_out = set(omit)
    return tuple(
        replace(
            spec_of(
                name,
                info.annotation,
                required=info.is_required(),
                max_length=_max_length(info),
                in_row=in_row,
            ),
            owner=model.__name__,
        )
        for name, info in model.model_fields.items()
        if name not in left_out
    )


# What was typed, as the browser sent it: every input's values by its name (`charges-0-text` in a row).
Raw = dict[str, list[str]]


def raw_of(form: FormData) -> Raw:
    raw: Raw = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            raw.setdefault(key, []).append(value)
    return raw


def first(raw: Raw, name: str) -> str:
    return (raw.get(name) or [""])[-1].strip()


def row_count(raw: Raw, spec: Spec) -> int:
    """How many fieldsets a repeated field shows: those posted (or prefilled), at least one."""
    prefix = spec.name + "-"
    indexes = {
        int(k[len(prefix) :].split("-", 1)[0]) for k in raw if k.startswith(prefix) and _index(k, prefix)
    }
    return min(max(indexes, default=-1) + 1, MAX_ROWS) or 1


def _index(key: str, prefix: str) -> bool:
    head = key[len(prefix) :].split("-", 1)[0]
    return head.isdigit() and len(head) < 3


def value_of(spec: Spec, raw: Raw, *, prefix: str = "", patch: bool = False) -> tuple[bool, Any]:
    """The field's value for the model (False, None: leave it out)."""
    key = prefix + spec.name
    if spec.widget == "check":
        return True, "on" in raw.get(key, [])
    if spec.widget in ("checks", "records"):
        return True, [v for v in raw.get(key, []) if v]
    if spec.widget == "lines":
        return True, [line.strip() for v in raw.get(key, []) for line in v.splitlines() if line.strip()]
    if spec.widget == "states":
        text = " ".join(raw.get(key, [])).replace(",", " ").replace(";", " ")
        return True, [code.strip().upper() for code in text.split() if code.strip()]
    if spec.widget == "rows":
        rows = []
        for i in range(row_count(raw, spec)):
            row = {}
            for sub in spec.rows:
                given, value = value_of(sub, raw, prefix=f"{key}-{i}-")
                if given:
                    row[sub.name] = value
            if any(v not in (None, "", [], False) for v in row.values()):
                rows.append(row)
        return True, rows
    text = first(raw, key)
    if text == "":
        return patch, None
    return True, text


def defaults(model: type[BaseModel]) -> dict[str, Any]:
    """A new record's form starts from the model's defaults (an enum's default value preselected)."""
    return {
        name: info.default
        for name, info in model.model_fields.items()
        if info.default is not None and not info.is_required() and info.default_factory is None
    }


def parse(fields: Sequence[Spec], raw: Raw, *, patch: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in fields:
        given, value = value_of(spec, raw, patch=patch)
        if given:
            data[spec.name] = value
    return data


def changed(fields: Sequence[Spec], raw: Raw, current: Raw) -> dict[str, Any]:
    """A correction's body: the fields whose posted value differs from the record's as it stands now."""
    mine, theirs = parse(fields, raw, patch=True), parse(fields, current, patch=True)
    # A browser sends every text box and list even when empty: one not sent at all was not on the form.
    absent = {s.name for s in fields if s.widget in ALWAYS_SENT and s.name not in raw}
    return {name: value for name, value in mine.items() if theirs.get(name) != value and name not in absent}


def prefill(fields: Sequence[Spec], record: Mapping[str, Any]) -> Raw:
    """A record's values as the form shows them."""
    raw: Raw = {}
    for spec in fields:
        _fill(raw, spec, record.get(spec.name), prefix="")
    return raw


def _fill(raw: Raw, spec: Spec, value: Any, *, prefix: str) -> None:
    key = prefix + spec.name
    if value is None:
        return
    if spec.widget == "check":
        if value:
            raw[key] = ["on"]
    elif spec.widget in ("checks", "records"):
        raw[key] = [str(getattr(v, "value", v)) for v in value]
    elif spec.widget in ("lines", "states"):
        raw[key] = ["\n".join(str(v) for v in value)]
    elif spec.widget == "rows":
        for i, row in enumerate(value):
            item = row.model_dump() if isinstance(row, BaseModel) else dict(row)
            for sub in spec.rows:
                _fill(raw, sub, item.get(sub.name), prefix=f"{key}-{i}-")
    else:
        raw[key] = [str(getattr(value, "value", value))]


@dataclass
class Problems:
    """What is wrong with a posted form: a message per input (by its name), and those for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    conflict: bool = False

    def __bool__(self) -> bool:
        return bool(self.fields or self.general or self.conflict)

    def add(self, key: str | None, message: str) -> None:
        if key is None:
            self.general.append(message)
        else:
            self.fields.setdefault(key, message)


def _key(fields: Sequence[Spec], loc: Sequence[Any]) -> tuple[str | None, Spec | None]:
    """The input a location names (`("charges", 0, "text")` -> `charges-0-text`), and its spec."""
    parts = [str(p) for p in loc if p != "body"]
    if not parts:
        return None, None
    spec = next((s for s in fields if s.name == parts[0]), None)
    if spec is None:
        return None, None
    if spec.widget == "rows" and len(parts) >= 3 and parts[1].isdigit():
        sub = next((s for s in spec.rows if s.name == parts[2]), None)
        if sub is not None:
            return f"{spec.name}-{parts[1]}-{sub.name}", sub
    return spec.name, spec


def from_validation(
    fields: Sequence[Spec], error: ValidationError, translate: Callable[[str], str]
) -> Problems:
    problems = Problems()
    for item in error.errors(include_url=False, include_input=False):
        key, spec = _key(fields, item["loc"])
        problems.add(key, message(item["type"], str(item["msg"]), item.get("ctx") or {}, spec, translate))
    return problems


def message(
    kind: str, text: str, ctx: Mapping[str, Any], spec: Spec | None, translate: Callable[[str], str]
) -> str:
    """A pydantic error in the reader's words; an error our own validators word keeps its English text."""
    if spec is not None and spec.widget in ("state", "states") and kind in ("value_error", "string_type"):
        return translate(STATE_MESSAGE)
    known = next((words for part, words in KNOWN.items() if part in text), None)
    if known is not None:
        return translate(known)
    if spec is not None and spec.widget == "date" and kind in ("value_error", "fuzzy_date"):
        return translate(MESSAGES["fuzzy_date"])
    if kind in MESSAGES:
        n = next((ctx[k] for k in ("max_length", "min_length", "ge", "le") if k in ctx), "")
        return (
            translate(MESSAGES[kind]) % {"n": n} if "%(n)s" in MESSAGES[kind] else translate(MESSAGES[kind])
        )
    return in_english(translate(OTHER_MESSAGE), text.removeprefix("Value error, "))


def in_english(words: str, detail: str) -> str:
    """The reader's words, then the rule's own English text, marked as English for screen readers."""
    return Markup('{} <span lang="en">{}</span>').format(words, detail)


def from_service(fields: Sequence[Spec], error: AppError, translate: Callable[[str], str]) -> Problems:
    """The service's own 422 (with the field it names) or 409, beside that field or above the form."""
    problems = Problems()
    if isinstance(error, PreconditionFailed):
        problems.conflict = True
        problems.add(None, translate(CHANGED_MESSAGE))
        return problems
    key, spec = _key(fields, error.loc) if isinstance(error, Unprocessable) else (None, None)
    if key is not None and spec is not None:
        problems.add(key, message("value_error", error.detail, {}, spec, translate))
    else:
        problems.add(None, in_english(translate(CONFLICT_MESSAGE), error.detail))
    return problems


FORM_ERRORS = (Unprocessable, Conflict, PreconditionFailed)


def validate(
    model: type[BaseModel], data: Mapping[str, Any], fields: Sequence[Spec], translate: Callable[[str], str]
) -> tuple[Any, Problems]:
    """The posted data as the API model, or what is wrong with it."""
    try:
        return model.model_validate(dict(data)), Problems()
    except ValidationError as error:
        return None, from_validation(fields, error, translate)


def undo(session: Session) -> None:
    """Forget everything the failed attempt wrote (the page is shown again from the same session)."""
    session.rollback()
    for key in (AUDIT_ACTIONS, "flag_touched", "flag_keys", "flag_groups"):
        session.info.pop(key, None)


def check_writer(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise Forbidden("Changing records needs one of the roles: admin, editor.")


def check_csrf(state: ui_session.UISession | None, raw: Raw) -> None:
    if state is None or not ui_session.csrf_matches(state.csrf, first(raw, "csrf")):
        raise CsrfRejected()


def states(lang_states: Callable[[str], str]) -> list[tuple[str, str]]:
    """Every state code with its name in the reader's language, by name."""
    return sorted(((code, lang_states(code)) for code in STATE_CODES), key=lambda item: item[1])
