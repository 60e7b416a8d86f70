"""/ui/persons/new, /ui/persons/{person_id}/edit and /ui/persons/{person_id}/erase: a new client, a
correction of one (with the version it was read at, as If-Match), and an admin's erasure after a
confirmation. The API's models and service functions (POST, PATCH and DELETE /api/v1/persons)."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from app.db import WriteSession
from app.deps import Names
from app.errors import Forbidden
from app.models.person import PersonCreate, PersonUpdate
from app.models.token import Principal, Role
from app.routers.ui_forms import Posted, PostingWriter, Writer
from app.services import person as person_service
from app.services.name_index import LiveNameIndex
from app.ui import form_pages, forms
from app.ui.form_pages import FormPage
from app.ui.forms import Raw
from app.ui.pages import UIRoute, render
from app.vocabulary import N_

router = APIRouter(route_class=UIRoute, include_in_schema=False)

NEW_FIELDS = forms.specs(PersonCreate)
EDIT_FIELDS = forms.specs(PersonUpdate)


def _related(
    page: FormPage, session: WriteSession, names: LiveNameIndex, by: Principal, me: str | None
) -> None:
    spec = next(s for s in page.fields if s.name == "related_persons")
    sub = next(s for s in spec.rows if s.name == "person_id")
    page.find = forms.first(page.raw, "_find")
    page.found = bool(page.find)
    page.choices["person_id"] = form_pages.person_choices(
        session, page.raw, sub, names=names, by=by, find=page.find, me=me
    )
    if page.found:  # an empty row to put one of those found in
        filled = all(forms.first(page.raw, f"related_persons-{i}-person_id") for i in page.rows(spec))
        if filled:
            form_pages.add_row(page, "related_persons")


def _pending(raw: Raw) -> str | None:
    """A button that asks for the form again rather than saving it: add a row, or search for a relative."""
    if forms.first(raw, "_add"):
        return forms.first(raw, "_add")
    if "_search" in raw:
        return "_search"
    return None


@router.get("/persons/new")
def new_person_form(request: Request, session: WriteSession, caller: Writer, names: Names) -> Response:
    """The form for a new client: names in any script, aliases, relatives found by search, affiliations."""
    page = FormPage(
        N_("Add a person"),
        "/ui/persons/new",
        NEW_FIELDS,
        forms.prefill(NEW_FIELDS, forms.defaults(PersonCreate)),
        submit=N_("Add the person"),
    )
    _related(page, session, names, caller, None)
    return form_pages.show(request, page)


@router.post("/persons/new")
def create_person(
    request: Request, session: WriteSession, caller: PostingWriter, raw: Posted, names: Names
) -> Response:
    """Record the person (as POST /api/v1/persons); back to the form, with the problems, on a mistake."""
    page = FormPage(N_("Add a person"), "/ui/persons/new", NEW_FIELDS, raw, submit=N_("Add the person"))
    pending = _pending(raw)
    if pending is not None:
        form_pages.add_row(page, pending)
        _related(page, session, names, caller, None)
        return form_pages.show(request, page)
    data = forms.parse(NEW_FIELDS, raw)
    person, failed = form_pages.save(
        request,
        session,
        page,
        PersonCreate,
        data,
        lambda d: person_service.create(session, data=d, by=caller),
    )
    if failed is not None:
        _related(page, session, names, caller, None)
        return failed
    return form_pages.done(person.id, "person")


def _edit_page(session: WriteSession, person_id: str, by: Principal, raw: Raw | None) -> FormPage:
    person = person_service.get(session, person_id, by=by)
    public = person_service.public(session, person)
    now = forms.prefill(EDIT_FIELDS, public.model_dump())
    page = FormPage(
        N_("Correct the person's record"),
        f"/ui/persons/{person_id}/edit",
        EDIT_FIELDS,
        now if raw is None else raw,
        person=public,
        cancel=f"/ui/persons/{person_id}",
        version=person.version,
        base=form_pages.encode(now),
    )
    page.reread = lambda: setattr(page, "person", person_service.get(session, person_id, by=by))
    return page


@router.get("/persons/{person_id}/edit")
def edit_person_form(
    person_id: str, request: Request, session: WriteSession, caller: Writer, names: Names
) -> Response:
    """The person's record in a form, with the version it was read at."""
    page = _edit_page(session, person_id, caller, None)
    _related(page, session, names, caller, person_id)
    return form_pages.show(request, page)


@router.post("/persons/{person_id}/edit")
def update_person(
    person_id: str, request: Request, session: WriteSession, caller: PostingWriter, raw: Posted, names: Names
) -> Response:
    """Save what was changed (as PATCH /api/v1/persons/{id} with If-Match); a 412 shows both versions."""
    page = _edit_page(session, person_id, caller, raw)
    pending = _pending(raw)
    if pending is not None:
        form_pages.add_row(page, pending)
        _related(page, session, names, caller, person_id)
        page.base = forms.first(raw, "_base") or page.base
        page.version = _version(raw, page.version)
        return form_pages.show(request, page)
    base = form_pages.base_of(raw, forms.prefill(EDIT_FIELDS, page.person.model_dump()))
    data = forms.changed(EDIT_FIELDS, raw, base)
    page.base = form_pages.encode(base)
    version = _version(raw, page.version)
    page.version = version

    def now() -> tuple[Raw, int]:
        person = person_service.get(session, person_id, by=caller)
        return forms.prefill(EDIT_FIELDS, person_service.public(session, person).model_dump()), person.version

    _, failed = form_pages.save(
        request,
        session,
        page,
        PersonUpdate,
        data,
        lambda d: person_service.update(session, person_id, data=d, expected_version=version, by=caller),
        on_conflict=now,
    )
    if failed is not None:
        _related(page, session, names, caller, person_id)
        return failed
    return form_pages.done(person_id, "corrected")


def _version(raw: Raw, fallback: int | None) -> int:
    text = forms.first(raw, "version")
    return int(text) if text.isdigit() and len(text) < 10 else (fallback or 0)


def _admin(caller: Principal) -> None:
    if caller.role is not Role.admin:
        raise Forbidden("Erasing a person needs the role: admin.")


@router.get("/persons/{person_id}/erase")
def erase_person_form(person_id: str, request: Request, session: WriteSession, caller: Writer) -> Response:
    """Asks an admin to confirm the erasure of a person and every record about them."""
    _admin(caller)
    person = person_service.get(session, person_id, by=caller)
    return render(
        request,
        "confirm.html",
        title=N_("Erase this person"),
        question=N_(
            "Erase this person and every record about them? This cannot be undone; the audit trail keeps only the ids."
        ),
        subject=person.name,
        action=f"/ui/persons/{person_id}/erase",
        cancel=f"/ui/persons/{person_id}",
        version=None,
        button=N_("Erase"),
    )


@router.post("/persons/{person_id}/erase")
def erase_person(person_id: str, session: WriteSession, caller: PostingWriter) -> Response:
    """Erase the person (as DELETE /api/v1/persons/{id}); to the search page."""
    _admin(caller)
    person_service.erase(session, person_id, by=caller)
    return RedirectResponse("/ui/?done=erased", status_code=303)
