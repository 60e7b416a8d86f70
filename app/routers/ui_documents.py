"""/ui/persons/{person_id}/documents/new and /ui/persons/{person_id}/documents: a document's upload, with
the person's records it supports picked from a list. The body is read as it arrives, as the API's upload
is (POST /api/v1/persons/{person_id}/documents), its CSRF field checked before anything is stored; a
mistake shows the form again with the problem beside its field (the file must be chosen again: browsers
never fill a file input). Corrections and deletions are app/routers/ui_records.py's."""

from fastapi import APIRouter, Request, Response

from app.db import ReadSession, WriteSession
from app.errors import TooLarge, Unprocessable, UnsupportedType
from app.models.document import DocumentFields
from app.models.token import Principal
from app.routers import document as document_router
from app.routers.ui_forms import Writer
from app.services import document as document_service
from app.services import person as person_service
from app.ui import form_pages, forms
from app.ui import session as ui_session
from app.ui.auth import current_session
from app.ui.form_pages import FormPage
from app.ui.forms import Problems, Raw, Spec
from app.ui.pages import CsrfRejected, UIRoute
from app.vocabulary import N_

router = APIRouter(route_class=UIRoute, include_in_schema=False)

FIELDS = forms.specs(DocumentFields)
FILE = Spec("file", "text", required=True)  # for the error summary's link to the file input
FILE_MESSAGES = {
    413: N_("The file is larger than 25 MiB."),
    415: N_("This kind of file is not kept: choose a PDF, an image, a Word document or plain text."),
    422: N_("Choose a file that is not empty."),
}


def _page(
    request: Request, session: WriteSession, person_id: str, by: Principal, raw: Raw | None
) -> FormPage:
    person = person_service.get(session, person_id, by=by)
    page = FormPage(
        N_("Add a document"),
        f"/ui/persons/{person_id}/documents",
        FIELDS,
        forms.prefill(FIELDS, forms.defaults(DocumentFields)) if raw is None else raw,
        person=person,
        submit=N_("Add the document"),
        cancel=f"/ui/persons/{person_id}",
        upload=True,
    )
    page.choices = form_pages.record_choices(request, session, person, FIELDS, by)
    return page


@router.get("/persons/{person_id}/documents/new")
def new_document_form(person_id: str, request: Request, session: WriteSession, caller: Writer) -> Response:
    """The upload form: the file, its title, kind and date, and the records it supports."""
    return form_pages.show(request, _page(request, session, person_id, caller, None))


@router.post("/persons/{person_id}/documents")
def upload_document(
    person_id: str, request: Request, looking: ReadSession, session: WriteSession, caller: Writer
) -> Response:
    """Keep the document (editor+); the person's page at the new document, or the form again."""
    document_service.person_of(looking, person_id, by=caller)
    translate = form_pages.translator(request)
    try:
        upload = document_service.receive(
            document_router.request_body(request), content_type=request.headers.get("content-type")
        )
    except (TooLarge, UnsupportedType, Unprocessable) as error:
        page = _page(request, session, person_id, caller, {})
        page.problems = Problems(
            fields={"file": translate(FILE_MESSAGES.get(error.status, FILE_MESSAGES[422]))}
        )
        return form_pages.show(request, page, status_code=error.status)
    try:
        raw: Raw = {k: list(v) for k, v in upload.fields.items()}
        given = (upload.fields.pop("csrf", None) or [""])[-1]
        _check_csrf(request, session, given)
        data = forms.parse(FIELDS, raw)
        page = _page(request, session, person_id, caller, raw)
        _, problems = forms.validate(DocumentFields, data, FIELDS, translate)
        if problems:
            page.problems = problems
            return form_pages.show(request, page, status_code=422)
        try:
            document = document_service.create(session, person_id, upload=upload, by=caller)
        except Unprocessable as error:
            forms.undo(session)
            page = _page(request, session, person_id, caller, raw)
            page.problems = forms.from_service(FIELDS, error, translate)
            return form_pages.show(request, page, status_code=422)
    finally:
        upload.close()
    return form_pages.done(person_id, "created", f"#document-{document.id}")


def _check_csrf(request: Request, session: WriteSession, given: str | None) -> None:
    state = current_session(request, session)
    if state is None or not ui_session.csrf_matches(state.csrf, given):
        request.state.ui_session = state
        raise CsrfRejected()
