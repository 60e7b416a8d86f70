"""A person's records in forms: `/ui/persons/{person_id}/{kind}s/new` adds one; `/ui/{kind}s/{id}/edit`
corrects one (with the version it was read at, as If-Match: a 412 shows both versions);
`/ui/{kind}s/{id}/do/{action}` posts one of its actions (a release, a surrender, a notice's status
change, a challenge's event); `/ui/{kind}s/{id}/undo/{what}` takes its last entry back and
`/ui/{kind}s/{id}/delete` deletes it, each after a confirmation page. The kinds, their models and service
calls are listed in app/ui/record_forms.py; an unknown kind or action is the 404 page."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.db import WriteSession
from app.errors import AppError, NotFound
from app.models.token import Principal
from app.routers.ui_forms import Posted, PostingWriter, Writer
from app.services import person as person_service
from app.ui import form_pages, forms, i18n
from app.ui.form_pages import FormPage
from app.ui.forms import Raw
from app.ui.pages import UIRoute, error_page, language, render
from app.ui.record_forms import FORMS, RecordForms
from app.vocabulary import N_

router = APIRouter(route_class=UIRoute, include_in_schema=False)


def _forms(plural: str) -> RecordForms:
    found = FORMS.get(plural)
    if found is None:
        raise NotFound("No such kind of record.")
    return found


def _anchor(kind: str, record_id: str) -> str:
    return f"#{kind}-{record_id}"


def _version(raw: Raw, fallback: int) -> int:
    text = forms.first(raw, "version")
    return int(text) if text.isdigit() and len(text) < 10 else fallback


def _pending(page: FormPage, raw: Raw) -> bool:
    name = forms.first(raw, "_add")
    if name:
        form_pages.add_row(page, name)
        return True
    return False


# --- adding a record -------------------------------------------------------------------------------------


def _new_page(
    request: Request, session: WriteSession, spec: RecordForms, person_id: str, by: Principal, raw: Raw | None
) -> FormPage:
    if spec.create is None:
        raise NotFound("This kind has a form of its own.")
    person = person_service.get(session, person_id, by=by)
    fields = forms.specs(spec.create, omit=spec.omit)
    page = FormPage(
        spec.add_title,
        f"/ui/persons/{person_id}/{spec.plural}/new",
        fields,
        forms.prefill(fields, forms.defaults(spec.create)) if raw is None else raw,
        person=person,
        cancel=f"/ui/persons/{person_id}",
    )
    page.choices = form_pages.record_choices(request, session, person, fields, by)

    def reread() -> None:
        again = person_service.get(session, person_id, by=by)
        page.person, page.choices = again, form_pages.record_choices(request, session, again, fields, by)

    page.reread = reread
    return page


@router.get("/persons/{person_id}/{plural}/new")
def new_record_form(
    person_id: str, plural: str, request: Request, session: WriteSession, caller: Writer
) -> Response:
    """An empty form for a new record of this kind about the person."""
    spec = _forms(plural)
    return form_pages.show(request, _new_page(request, session, spec, person_id, caller, None))


@router.post("/persons/{person_id}/{plural}/new")
def create_record(
    person_id: str, plural: str, request: Request, session: WriteSession, caller: PostingWriter, raw: Posted
) -> Response:
    """Add the record (as the API's POST); the person's page at the new record, or the form again."""
    spec = _forms(plural)
    page = _new_page(request, session, spec, person_id, caller, raw)
    if _pending(page, raw):
        return form_pages.show(request, page)
    data = forms.parse(page.fields, raw)
    if "person_id" in spec.omit:
        data["person_id"] = person_id
    add, model = spec.add, spec.create
    if add is None or model is None:  # _new_page refused it already
        raise NotFound("This kind has a form of its own.")
    record, failed = form_pages.save(
        request, session, page, model, data, lambda d: add(session, person_id, d, caller)
    )
    if failed is not None:
        return failed
    return form_pages.done(person_id, "created", _anchor(spec.kind, record.id))


# --- correcting one ------------------------------------------------------------------------------------


def _edit_page(
    request: Request, session: WriteSession, spec: RecordForms, record_id: str, by: Principal, raw: Raw | None
) -> tuple[FormPage, Any]:
    record = spec.read(session, record_id, by)
    public = spec.public(session, record)
    fields = forms.specs(spec.update, omit=spec.hide(public))
    now = forms.prefill(fields, public.model_dump())
    person = person_service.get(session, record.person_id, by=by)
    page = FormPage(
        spec.edit_title,
        f"/ui/{spec.plural}/{record_id}/edit",
        fields,
        now if raw is None else raw,
        person=person,
        cancel=f"/ui/persons/{record.person_id}{_anchor(spec.kind, record_id)}",
        version=record.version,
        base=form_pages.encode(now),
    )
    page.choices = form_pages.record_choices(request, session, person, fields, by)

    def reread() -> None:
        spec.read(session, record_id, by)
        again = person_service.get(session, person.id, by=by)
        page.person, page.choices = again, form_pages.record_choices(request, session, again, fields, by)

    page.reread = reread
    return page, record


@router.get("/{plural}/{record_id}/edit")
def edit_record_form(
    plural: str, record_id: str, request: Request, session: WriteSession, caller: Writer
) -> Response:
    """The record in a form, with the version it was read at."""
    page, _ = _edit_page(request, session, _forms(plural), record_id, caller, None)
    return form_pages.show(request, page)


@router.post("/{plural}/{record_id}/edit")
def update_record(
    plural: str, record_id: str, request: Request, session: WriteSession, caller: PostingWriter, raw: Posted
) -> Response:
    """Save the fields changed (as the API's PATCH with If-Match). A 412 shows theirs and yours side by
    side, with yours put on top of their version, ready to save again."""
    spec = _forms(plural)
    page, record = _edit_page(request, session, spec, record_id, caller, raw)
    person_id = record.person_id
    version = _version(raw, record.version)
    page.version = version
    page.base = forms.first(raw, "_base") or page.base
    if _pending(page, raw):
        return form_pages.show(request, page)
    base = form_pages.base_of(raw, forms.prefill(page.fields, spec.public(session, record).model_dump()))
    data = forms.changed(page.fields, raw, base)

    def now() -> tuple[Raw, int]:
        fresh = spec.read(session, record_id, caller)
        return forms.prefill(page.fields, spec.public(session, fresh).model_dump()), fresh.version

    _, failed = form_pages.save(
        request,
        session,
        page,
        spec.update,
        data,
        lambda d: spec.correct(session, record, d, version, caller),
        on_conflict=now,
    )
    if failed is not None:
        return failed
    return form_pages.done(person_id, "corrected", _anchor(spec.kind, record_id))


# --- a record's actions ------------------------------------------------------------------------------------


def _action_page(
    session: WriteSession, spec: RecordForms, record_id: str, name: str, by: Principal, raw: Raw | None
) -> tuple[FormPage, Any]:
    action = spec.action(name)
    if action is None:
        raise NotFound("No such action.")
    record = spec.read(session, record_id, by)
    person = person_service.get(session, record.person_id, by=by)
    fields = forms.specs(action.model)
    page = FormPage(
        action.title,
        f"/ui/{spec.plural}/{record_id}/do/{name}",
        fields,
        forms.prefill(fields, forms.defaults(action.model)) if raw is None else raw,
        person=person,
        cancel=f"/ui/persons/{record.person_id}{_anchor(spec.kind, record_id)}",
    )
    page.reread = lambda: _read_again(session, spec, record_id, page, by)
    return page, record


def _read_again(
    session: WriteSession, spec: RecordForms, record_id: str, page: FormPage, by: Principal
) -> None:
    record = spec.read(session, record_id, by)
    page.person = person_service.get(session, record.person_id, by=by)


@router.get("/{plural}/{record_id}/do/{action}")
def action_form(
    plural: str, record_id: str, action: str, request: Request, session: WriteSession, caller: Writer
) -> Response:
    """The form of one of the record's actions."""
    page, _ = _action_page(session, _forms(plural), record_id, action, caller, None)
    return form_pages.show(request, page)


@router.post("/{plural}/{record_id}/do/{action}")
def run_action(
    plural: str,
    record_id: str,
    action: str,
    request: Request,
    session: WriteSession,
    caller: PostingWriter,
    raw: Posted,
) -> Response:
    """Post the action (as the API's POST on the record): a 409 (it already ended; not from this status)
    or a 422 (dated before) is shown above the form."""
    spec = _forms(plural)
    page, record = _action_page(session, spec, record_id, action, caller, raw)
    found = spec.action(action)
    if found is None:  # _action_page refused it already
        raise NotFound("No such action.")
    person_id = record.person_id
    data = forms.parse(page.fields, raw)
    _, failed = form_pages.save(
        request, session, page, found.model, data, lambda d: found.run(session, record_id, d, caller)
    )
    if failed is not None:
        return failed
    return form_pages.done(person_id, "action", _anchor(spec.kind, record_id))


# --- taking back and deleting --------------------------------------------------------------------------


def _confirm(
    request: Request, spec: RecordForms, record: Any, *, title: str, question: str, button: str, path: str
) -> Response:
    words = form_pages.record_words(
        form_pages.translator(request),
        spec.kind,
        record,
        i18n.environment(language(request)).filters["state"],
    )
    return render(
        request,
        "confirm.html",
        title=title,
        question=question,
        subject=words,
        action=f"/ui/{spec.plural}/{record.id}/{path}",
        cancel=f"/ui/persons/{record.person_id}{_anchor(spec.kind, record.id)}",
        version=record.version,
        button=button,
    )


DELETE_TITLE = N_("Delete this record")
DELETE_QUESTION = N_(
    "Delete this record? Do so only for a record entered in error; the audit trail keeps that it was deleted."
)


@router.get("/{plural}/{record_id}/delete")
def delete_form(
    plural: str, record_id: str, request: Request, session: WriteSession, caller: Writer
) -> Response:
    """Asks to confirm the deletion of a record entered in error."""
    spec = _forms(plural)
    record = spec.read(session, record_id, caller)
    return _confirm(
        request,
        spec,
        record,
        title=DELETE_TITLE,
        question=DELETE_QUESTION,
        button=N_("Delete"),
        path="delete",
    )


@router.post("/{plural}/{record_id}/delete")
def delete_record(
    plural: str, record_id: str, request: Request, session: WriteSession, caller: PostingWriter, raw: Posted
) -> Response:
    """Delete it (as the API's DELETE, with the version confirmed as If-Match: a 412 if it changed)."""
    spec = _forms(plural)
    record = spec.read(session, record_id, caller)
    person_id = record.person_id
    try:
        spec.remove(session, record, _version(raw, record.version), caller)
    except AppError as error:
        forms.undo(session)
        return error_page(request, error.status, reason="changed" if error.status == 412 else None)
    return form_pages.done(person_id, "deleted")


@router.get("/{plural}/{record_id}/undo/{what}")
def undo_form(
    plural: str, record_id: str, what: str, request: Request, session: WriteSession, caller: Writer
) -> Response:
    """Asks to confirm taking back the record's last entry (a status change, a challenge's event)."""
    spec = _forms(plural)
    undo = spec.undo(what)
    if undo is None:
        raise NotFound("No such entry.")
    record = spec.read(session, record_id, caller)
    return _confirm(
        request,
        spec,
        record,
        title=undo.title,
        question=undo.question,
        button=undo.title,
        path=f"undo/{what}",
    )


@router.post("/{plural}/{record_id}/undo/{what}")
def undo_entry(
    plural: str,
    record_id: str,
    what: str,
    request: Request,
    session: WriteSession,
    caller: PostingWriter,
    raw: Posted,
) -> Response:
    """Take the last entry back (as the API's DELETE …/latest); a 409 (nothing to take back) or a 412 is
    the error page."""
    spec = _forms(plural)
    undo = spec.undo(what)
    if undo is None:
        raise NotFound("No such entry.")
    record = spec.read(session, record_id, caller)
    person_id = record.person_id
    try:
        undo.run(session, record_id, _version(raw, record.version), caller)
    except AppError as error:
        forms.undo(session)
        return error_page(request, error.status, reason="changed" if error.status == 412 else None)
    return form_pages.done(person_id, "undone", _anchor(spec.kind, record_id))
