"""/ui/persons/{person_id}/watch/new and /ui/persons/{person_id}/watch/delete: an editor has a person
re-checked against INTERPOL's public red notices on a schedule, or stops it after a confirmation (the
API's POST and DELETE /api/v1/persons/{person_id}/watch, through the same service calls)."""

from fastapi import APIRouter, Request, Response

from app.db import WriteSession
from app.errors import AppError
from app.models.token import Principal
from app.models.watch import WatchCreate
from app.routers.ui_forms import Posted, PostingWriter, Writer
from app.services import person as person_service
from app.services import watch as watch_service
from app.ui import form_pages, forms
from app.ui.form_pages import FormPage
from app.ui.forms import Raw
from app.ui.pages import UIRoute, error_page, render
from app.vocabulary import N_

router = APIRouter(route_class=UIRoute, include_in_schema=False)

FIELDS = forms.specs(WatchCreate)


def _page(
    request: Request, session: WriteSession, person_id: str, by: Principal, raw: Raw | None
) -> FormPage:
    person = person_service.get(session, person_id, by=by)
    default = {"interval_hours": request.state.watch_interval_hours}
    page = FormPage(
        N_("Watch at INTERPOL"),
        f"/ui/persons/{person_id}/watch/new",
        FIELDS,
        forms.prefill(FIELDS, default) if raw is None else raw,
        person=person,
        submit=N_("Start watching"),
        cancel=f"/ui/persons/{person_id}#watch",
    )
    page.reread = lambda: setattr(page, "person", person_service.get(session, person_id, by=by))
    return page


@router.get("/persons/{person_id}/watch/new")
def new_watch_form(person_id: str, request: Request, session: WriteSession, caller: Writer) -> Response:
    """How often to re-check the person (hours, 1–168)."""
    return form_pages.show(request, _page(request, session, person_id, caller, None))


@router.post("/persons/{person_id}/watch/new")
def create_watch(
    person_id: str, request: Request, session: WriteSession, caller: PostingWriter, raw: Posted
) -> Response:
    """Start the watch (a 409 if the person is watched already); the person's page, at the watch."""
    page = _page(request, session, person_id, caller, raw)
    _, failed = form_pages.save(
        request,
        session,
        page,
        WatchCreate,
        forms.parse(FIELDS, raw),
        lambda d: watch_service.create(
            session, person_id, data=d, default_interval_hours=request.state.watch_interval_hours, by=caller
        ),
    )
    if failed is not None:
        return failed
    return form_pages.done(person_id, "watched", "#watch")


@router.get("/persons/{person_id}/watch/delete")
def delete_watch_form(person_id: str, request: Request, session: WriteSession, caller: Writer) -> Response:
    """Asks to confirm the end of the watch."""
    person = person_service.get(session, person_id, by=caller)
    return render(
        request,
        "confirm.html",
        title=N_("Stop watching"),
        question=N_("Stop re-checking this person at INTERPOL? The checks made and the changes found stay."),
        subject=person.name,
        action=f"/ui/persons/{person_id}/watch/delete",
        cancel=f"/ui/persons/{person_id}#watch",
        version=None,
        button=N_("Stop watching"),
    )


@router.post("/persons/{person_id}/watch/delete")
def delete_watch(person_id: str, request: Request, session: WriteSession, caller: PostingWriter) -> Response:
    """Stop the watch (a 404 page if the person is not watched)."""
    try:
        watch_service.delete(session, person_id, by=caller)
    except AppError as error:
        forms.undo(session)
        return error_page(request, error.status)
    return form_pages.done(person_id, "unwatched", "#watch")
