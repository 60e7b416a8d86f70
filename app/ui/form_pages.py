"""A form's page: what it shows (the fields, what was typed, the problems beside each field, the choices
of records and persons, a conflicting edit's two versions) and the one way every form is posted:
checked, parsed into the API model, handed to the service, and on success a 303 to the person's page
(Post/Redirect/Get) with a confirmation; on a problem the same page again, with nothing stored."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlmodel import Session

from app import kinds
from app.errors import AppError
from app.language import translations
from app.models.person import Person
from app.models.token import Principal
from app.services import person as person_service
from app.services import records as records_service
from app.services.name_index import LiveNameIndex
from app.ui import forms, i18n
from app.ui.forms import Problems, Raw, Spec
from app.ui.pages import language, render
from app.vocabulary import N_

FIND_LIMIT = 20
# What the person's page says after a form was saved, by the `done` its address carries.
DONE = {
    "created": N_("Saved: the record was added."),
    "corrected": N_("Saved: the correction was recorded."),
    "deleted": N_("Deleted."),
    "action": N_("Saved: what happened was recorded."),
    "undone": N_("The last entry was taken back."),
    "person": N_("Saved: the person was added."),
    "watched": N_("Saved: the person will be re-checked at INTERPOL."),
    "unwatched": N_("The person is no longer re-checked at INTERPOL."),
}


@dataclass
class Conflict:
    """One field a conflicting edit changed: what the record holds now, and what the reader typed."""

    spec: Spec
    theirs: list[str]
    yours: list[str]


@dataclass
class FormPage:
    title: str  # a message id
    action: str
    fields: Sequence[Spec]
    raw: Raw
    person: Any = None  # the person the record is about (None: a new person)
    problems: Problems = field(default_factory=Problems)
    submit: str = N_("Save")
    cancel: str = "/ui/"
    version: int | None = None
    base: str = ""  # the record as the form was filled in (JSON of its inputs), for a correction
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    find: str = ""  # the search for related persons
    found: bool = False  # a search was made
    upload: bool = False  # a multipart form with a file
    # Reads the page again after a failed save was rolled back, so what it shows is audited again.
    reread: Callable[[], None] | None = None

    def values(self, key: str) -> list[str]:
        return self.raw.get(key, [])

    def value(self, key: str) -> str:
        return (self.raw.get(key) or [""])[-1]

    def rows(self, spec: Spec) -> range:
        return range(forms.row_count(self.raw, spec))


@cache
def state_options(lang: str) -> list[tuple[str, str]]:
    name = i18n.environment(lang).filters["state"]
    return forms.states(name)


def translator(request: Request) -> Callable[[str], str]:
    return translations(language(request)).gettext


def show(request: Request, page: FormPage, *, status_code: int = 200) -> Response:
    return render(
        request,
        "form.html",
        status_code=status_code,
        form=page,
        state_options=state_options(language(request)),
    )


def done(person_id: str, what: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/ui/persons/{person_id}?done={what}{anchor}", status_code=303)


def record_words(
    translate: Callable[[str], str], kind_name: str, record: Any, state: Callable[[str], str]
) -> str:
    """A record named in a list of choices: its kind, the states it involves, its first date."""
    kind = kinds.BY_NAME[kind_name]
    parts = [translate(kind.label)]
    parts += [state(getattr(record, c)) for c in kind.involves if getattr(record, c, None)]
    dated = next((getattr(record, d) for d in kind.dated_by if getattr(record, d, None)), None)
    if dated:
        parts.append(str(dated))
    title = getattr(record, "title", None)
    if title:
        parts.append(str(title))
    return ", ".join(parts) + f" ({record.id[:8]})"


def record_choices(
    request: Request, session: Session, person: Person, fields: Sequence[Spec], by: Principal
) -> dict[str, list[tuple[str, str]]]:
    """The person's records a form lets the reader pick (read and audited as the API's lists of them)."""
    wanted: dict[str, list[str]] = {}
    for spec in fields:
        if spec.widget == "record":
            wanted[spec.name] = [forms.RECORD_KINDS[spec.name]]
        elif spec.widget == "records":
            wanted[spec.name] = [k.name for k in kinds.KINDS if k.in_dossier and k.name != "document"]
    if not wanted:
        return {}
    names = sorted({n for ks in wanted.values() for n in ks})
    loaded = records_service.read(session, person, by=by, kinds=[kinds.BY_NAME[n] for n in names])
    translate = translator(request)
    state = i18n.environment(language(request)).filters["state"]
    return {
        name: [(r.id, record_words(translate, k, r, state)) for k in ks for r in loaded.of(k)]
        for name, ks in wanted.items()
    }


def person_choices(
    session: Session, raw: Raw, spec: Spec, *, names: LiveNameIndex, by: Principal, find: str, me: str | None
) -> list[tuple[str, str]]:
    """The persons a related-person row may name: those already chosen, and those the search found."""
    chosen: list[tuple[str, str]] = []
    for key, values in raw.items():
        if key.startswith(spec.name + "-") and key.endswith("-person_id"):
            for value in values:
                if value and value not in {c[0] for c in chosen}:
                    try:
                        chosen.append((value, person_service.get(session, value, by=by).name))
                    except AppError:
                        continue  # not a person of this organisation: the save will say so
    if find:
        items, _ = person_service.search_page(
            session, names=names, by=by, q=find[:200], nationality=None, limit=FIND_LIMIT, cursor=None
        )
        chosen += [(p.id, p.name) for p in items if p.id not in {c[0] for c in chosen}]
    return [c for c in chosen if c[0] != me]


def add_row(page: FormPage, name: str) -> None:
    """The "add another" button of a repeated field: one more empty fieldset."""
    spec = next((s for s in page.fields if s.name == name and s.widget == "rows"), None)
    if spec is not None and spec.rows:
        count = forms.row_count(page.raw, spec)
        if count < forms.MAX_ROWS:
            page.raw[f"{name}-{count}-{spec.rows[0].name}"] = [""]


def base_of(raw: Raw, fallback: Raw) -> Raw:
    """The record as the reader's form showed it (posted back as JSON), or `fallback` if it is not there."""
    try:
        value = json.loads(forms.first(raw, "_base") or "null")
    except ValueError:
        return fallback
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
        for k, v in value.items()
    ):
        return fallback
    return value


def encode(raw: Raw) -> str:
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def _keys(raw: Raw, name: str) -> list[str]:
    return [k for k in raw if k == name or k.startswith(name + "-")]


def conflicts(fields: Sequence[Spec], mine: Raw, base: Raw, now: Raw) -> tuple[Raw, list[Conflict]]:
    """After a 412: the record as it is now with the reader's own changes on top, and those changes
    side by side with what the record holds now."""
    changes = forms.changed(fields, mine, base)
    merged = {k: list(v) for k, v in now.items()}
    shown = []
    theirs = forms.parse(fields, now, patch=True)
    for spec in fields:
        if spec.name not in changes:
            continue
        for key in _keys(merged, spec.name):
            del merged[key]
        for key in _keys(mine, spec.name):
            merged[key] = list(mine[key])
        shown.append(Conflict(spec, _display(theirs.get(spec.name)), _display(changes[spec.name])))
    return merged, shown


def _display(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [
            ", ".join(f"{v}" for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        ]
    return [str(value)]


def save(
    request: Request,
    session: Session,
    page: FormPage,
    model: type[BaseModel],
    data: dict[str, Any],
    run: Callable[[Any], Any],
    *,
    on_conflict: Callable[[], tuple[Raw, int]] | None = None,
) -> tuple[Any, Response | None]:
    """Validate `data` as `model` and run the service call; on a problem the page again (422, 409 or
    412), with everything the attempt wrote rolled back."""
    translate = translator(request)
    parsed, problems = forms.validate(model, data, page.fields, translate)
    if problems:
        page.problems = problems
        return None, show(request, page, status_code=422)
    try:
        return run(parsed), None
    except forms.FORM_ERRORS as error:
        forms.undo(session)
        if page.reread is not None:
            page.reread()
        page.problems = forms.from_service(page.fields, error, translate)
        if page.problems.conflict and on_conflict is not None:
            now, version = on_conflict()
            mine = page.raw
            page.raw, page.conflicts = conflicts(page.fields, mine, base_of(mine, now), now)
            page.base, page.version = encode(now), version
        return None, show(request, page, status_code=error.status)
