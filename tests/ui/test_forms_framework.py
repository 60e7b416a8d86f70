"""The form machinery: every field of every form has words in every language, and a field's widget
follows its type."""

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from app.language import LANGUAGES, translations
from app.models.document import DocumentFields
from app.models.person import PersonCreate, PersonUpdate
from app.models.watch import WatchCreate
from app.ui import forms
from app.ui.forms import Spec
from app.ui.record_forms import FORMS


def _models() -> Iterator[type[BaseModel]]:
    yield from (PersonCreate, PersonUpdate, DocumentFields, WatchCreate)
    for spec in FORMS.values():
        if spec.create is not None:
            yield spec.create
        yield spec.update
        yield from (action.model for action in spec.actions)


def _fields(specs: tuple[Spec, ...]) -> Iterator[Spec]:
    for spec in specs:
        yield spec
        yield from _fields(spec.rows)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_of_every_form_has_its_words(lang: str) -> None:
    translate = translations(lang).gettext
    missing = sorted(
        {
            f"{model.__name__}.{f.name}"
            for model in _models()
            for f in _fields(forms.specs(model))
            if f.name not in forms.LABELS
        }
    )
    assert missing == []
    if lang != "en":
        untranslated = sorted({label for label in forms.LABELS.values() if translate(label) == label})
        assert untranslated == []


def test_widgets_follow_the_types() -> None:
    widgets = {s.name: s.widget for s in forms.specs(PersonCreate)}
    assert widgets["name"] == "text"
    assert widgets["birth_date"] == "date"
    assert widgets["sex"] == "select"
    assert widgets["nationalities"] == "states"
    assert widgets["categories"] == "checks"
    assert widgets["aliases"] == "lines"
    assert widgets["notes"] == "textarea"
    related = next(s for s in forms.specs(PersonCreate) if s.name == "related_persons")
    assert related.widget == "rows"
    assert {s.name: s.widget for s in related.rows} == {"person_id": "person", "relation": "select"}


def test_a_correction_sends_only_what_changed() -> None:
    fields = forms.specs(PersonUpdate)
    now = forms.prefill(fields, {"name": "Umarali Kuvvatov", "aliases": ["Kuvvatov"], "sex": "male"})
    typed = {**now, "aliases": ["Kuvvatov\nКувватов"], "notes": [""]}
    assert forms.changed(fields, typed, now) == {"aliases": ["Kuvvatov", "Кувватов"]}
    assert forms.changed(fields, {**now, "name": [""]}, now) == {"name": None}  # emptied: the service says
