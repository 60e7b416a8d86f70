"""The person forms: a new client with names in any script, relatives found by search, a correction
with the version it was read at (and a conflicting one), an admin's erasure, and who may do each."""

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.ui.conftest import Demo, audit_since, csrf_of, last_seq, sign_in


def _form(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def test_a_new_client_with_a_cyrillic_name_is_stored_and_audited(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _form(ui_client, "/ui/persons/new")
    seq = last_seq(db)
    answer = ui_client.post(
        "/ui/persons/new",
        data={
            "csrf": csrf,
            "name": "Алишер Рахимов",
            "aliases": "Alisher Rakhimov\nAlisher Rahimov",
            "birth_date": "1979-04",
            "sex": "male",
            "nationalities": "TJ, ru",
            "categories": ["opposition", "journalist"],
            "affiliations": "Group 24",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    person_id = re.match(r"/ui/persons/([\w-]+)\?done=person", location).group(1)  # type: ignore[union-attr]
    stored = ui_client.get(f"/api/v1/persons/{person_id}", headers=demo.headers(Role.viewer)).json()
    assert stored["name"] == "Алишер Рахимов"
    assert stored["aliases"] == ["Alisher Rakhimov", "Alisher Rahimov"]
    assert stored["nationalities"] == ["TJ", "RU"]
    assert stored["categories"] == ["opposition", "journalist"]
    assert "person.created" in [e.action for e in audit_since(db, seq)]
    page = ui_client.get(location)
    assert "Saved: the person was added." in page.text


def _person_form(client: TestClient, url: str, lang: str = "en") -> str:
    return _form(client, f"{url}?lang={lang}")


def test_a_bad_date_is_shown_beside_its_field_keeping_what_was_typed(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _person_form(ui_client, "/ui/persons/new")
    seq = last_seq(db)
    answer = ui_client.post(
        "/ui/persons/new", data={"csrf": csrf, "name": "Алишер Рахимов", "birth_date": "14.03.2016"}
    )
    assert answer.status_code == 422
    html = answer.text
    assert 'id="f-birth_date-error"' in html
    assert "Enter a date as 2016, 2016-03 or 2016-03-14." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="f-birth_date-hint f-birth_date-error"' in html
    assert 'value="Алишер Рахимов"' in html
    assert 'value="14.03.2016"' in html
    assert '<a href="#f-birth_date">Date of birth: Enter a date' in html  # the summary links to the field
    assert not [e for e in audit_since(db, seq) if e.action == "person.created"]


def test_a_bad_date_in_russian(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _person_form(ui_client, "/ui/persons/new", "ru")
    answer = ui_client.post(
        "/ui/persons/new", data={"csrf": csrf, "name": "Алишер Рахимов", "birth_date": "2016-13"}
    )
    assert answer.status_code == 422
    assert "Введите дату в виде 2016, 2016-03 или 2016-03-14." in answer.text
    assert 'value="2016-13"' in answer.text
    assert "Есть ошибка" in answer.text


def test_a_missing_name_is_refused_beside_the_field(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _person_form(ui_client, "/ui/persons/new")
    answer = ui_client.post("/ui/persons/new", data={"csrf": csrf, "name": "  ", "aliases": "Someone"})
    assert answer.status_code == 422
    assert 'id="f-name-error"' in answer.text
    assert "Fill this in." in answer.text
    assert ">Someone</textarea>" in answer.text


def test_a_viewer_sees_no_form_and_is_refused(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.viewer])
    person_id = demo.persons["Umarali Kuvvatov"]
    page = ui_client.get(f"/ui/persons/{person_id}")
    assert f"/ui/persons/{person_id}/edit" not in page.text
    assert "/notices/new" not in page.text
    assert ui_client.get("/ui/persons/new").status_code == 403
    csrf = csrf_of(page.text)
    answer = ui_client.post("/ui/persons/new", data={"csrf": csrf, "name": "X"}, follow_redirects=False)
    assert answer.status_code == 403
    answer = ui_client.post(f"/ui/persons/{person_id}/edit", data={"csrf": csrf, "name": "X"})
    assert answer.status_code == 403


def test_a_form_without_the_csrf_field_is_refused(ui_client: TestClient, demo: Demo, db: sa.Engine) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    seq = last_seq(db)
    answer = ui_client.post("/ui/persons/new", data={"name": "Алишер Рахимов"}, follow_redirects=False)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert not audit_since(db, seq) or all(e.action != "person.created" for e in audit_since(db, seq))


def _edit_fields(html: str) -> dict[str, str]:
    from tests.ui.test_forms_records import _fields

    return _fields(html)


def test_a_conflicting_edit_shows_both_versions_and_can_be_saved_on_top(
    ui_client: TestClient, demo: Demo
) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = demo.persons["Umarali Kuvvatov"]
    url = f"/ui/persons/{person_id}/edit"
    mine = ui_client.get(url)
    theirs = ui_client.get(url)
    assert mine.status_code == 200
    first = ui_client.post(
        url, data={**_edit_fields(theirs.text), "place_of_birth": "Kulob"}, follow_redirects=False
    )
    assert first.status_code == 303, first.text
    second = ui_client.post(url, data={**_edit_fields(mine.text), "notes": "Met in Berlin."})
    assert second.status_code == 412
    html = second.text
    assert "Someone changed this record while you edited it" in html
    assert "Met in Berlin." in html  # yours
    assert 'value="Kulob"' in html  # theirs kept in the form: yours go on top
    again = ui_client.post(url, data=_edit_fields(html) | {"notes": "Met in Berlin."}, follow_redirects=False)
    assert again.status_code == 303, again.text
    stored = ui_client.get(f"/api/v1/persons/{person_id}", headers=demo.headers(Role.viewer)).json()
    assert stored["notes"] == "Met in Berlin."
    assert stored["place_of_birth"] == "Kulob"


def test_a_relative_is_found_by_name_and_chosen_without_javascript(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    csrf = _form(ui_client, "/ui/persons/new")
    typed = {"csrf": csrf, "name": "Шахноза Кувватова", "_find": "Кувватов"}
    found = ui_client.post("/ui/persons/new", data={**typed, "_search": "1"})
    assert found.status_code == 200
    kuvvatov = demo.persons["Umarali Kuvvatov"]
    assert f'<option value="{kuvvatov}">Umarali Kuvvatov</option>' in found.text
    assert 'value="Шахноза Кувватова"' in found.text  # what was typed is kept
    answer = ui_client.post(
        "/ui/persons/new",
        data={**typed, "related_persons-0-person_id": kuvvatov, "related_persons-0-relation": "spouse"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    person_id = answer.headers["location"].split("/ui/persons/", 1)[1].split("?", 1)[0]
    stored = ui_client.get(f"/api/v1/persons/{person_id}", headers=demo.headers(Role.viewer)).json()
    assert stored["related_persons"] == [{"person_id": kuvvatov, "relation": "spouse"}]


def test_only_an_admin_erases_a_person_after_a_confirmation(
    ui_client: TestClient, demo: Demo, db: sa.Engine
) -> None:
    person_id = demo.persons["Umarali Kuvvatov"]
    sign_in(ui_client, demo.tokens[Role.editor])
    assert ui_client.get(f"/ui/persons/{person_id}/erase").status_code == 403
    ui_client.cookies.clear()
    sign_in(ui_client, demo.tokens[Role.admin])
    confirm = ui_client.get(f"/ui/persons/{person_id}/erase")
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.text
    seq = last_seq(db)
    answer = ui_client.post(
        f"/ui/persons/{person_id}/erase", data={"csrf": csrf_of(confirm.text)}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert "person.erased" in [e.action for e in audit_since(db, seq)]
    assert ui_client.get(f"/ui/persons/{person_id}").status_code == 404


def test_a_watch_started_and_stopped_from_the_person_page(ui_client: TestClient, demo: Demo) -> None:
    sign_in(ui_client, demo.tokens[Role.editor])
    person_id = demo.persons["Umarali Kuvvatov"]
    page = ui_client.get(f"/ui/persons/{person_id}")
    assert f"/ui/persons/{person_id}/watch/new" in page.text
    csrf = _form(ui_client, f"/ui/persons/{person_id}/watch/new")
    wrong = ui_client.post(f"/ui/persons/{person_id}/watch/new", data={"csrf": csrf, "interval_hours": "500"})
    assert wrong.status_code == 422
    assert "Enter at most 168." in wrong.text
    answer = ui_client.post(
        f"/ui/persons/{person_id}/watch/new",
        data={"csrf": csrf, "interval_hours": "24"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    watch = ui_client.get(f"/api/v1/persons/{person_id}/watch", headers=demo.headers(Role.viewer)).json()
    assert watch["interval_hours"] == 24
    again = ui_client.post(f"/ui/persons/{person_id}/watch/new", data={"csrf": csrf, "interval_hours": "24"})
    assert again.status_code == 409
    answer = ui_client.post(
        f"/ui/persons/{person_id}/watch/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303
    gone = ui_client.get(f"/api/v1/persons/{person_id}/watch", headers=demo.headers(Role.viewer))
    assert gone.status_code == 404
