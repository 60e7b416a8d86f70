"""/persons/{person_id}/documents and /documents: files kept as exhibits of a person's case."""

from collections.abc import Iterator

import anyio.from_thread
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from app.db import ReadSession, WriteSession, reading
from app.deps import Cursor, Editor, IfMatch, Limit, OptionalIfMatch, PersonReader, PersonWriter, etag
from app.keyring import Keyring
from app.models.document import Document, DocumentKind, DocumentList, DocumentPublic, DocumentUpdate
from app.routers.api_route import ApiRoute
from app.routers.problems import PROBLEM
from app.services import document as document_service

router = APIRouter(tags=["documents"], route_class=ApiRoute)

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "title", "kind"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, PNG, JPEG, WebP, TIFF, Word (.docx) or plain UTF-8 text; "
                        "at most 25 MiB. The type is judged from the bytes, never the name.",
                    },
                    "title": {"type": "string", "minLength": 1, "maxLength": 500},
                    "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                    "dated": {"type": "string", "description": "`2016`, `2016-02` or `2016-02-22`."},
                    "language": {"type": "string", "description": "BCP 47 tag, e.g. `ru`, `tg`, `en-GB`."},
                    "records": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Ids of this person's records the document supports (the field "
                        "repeated, or ids separated by commas).",
                    },
                },
            }
        }
    },
}


def request_body(request: Request) -> Iterator[bytes]:
    """The request body as it arrives, read from the handler's worker thread."""
    stream = request.stream().__aiter__()

    async def next_piece() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (piece := anyio.from_thread.run(next_piece)) is not None:
        if piece:
            yield piece


@router.post(
    "/persons/{person_id}/documents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        413: {"description": "The file is larger than 25 MiB (reading stops there).", **PROBLEM},
        415: {"description": "The file is not of a type kept, judged by its bytes.", **PROBLEM},
    },
)
def upload_document(
    person_id: str,
    request: Request,
    looking: ReadSession,
    session: WriteSession,
    caller: PersonWriter,
    response: Response,
) -> DocumentPublic:
    """Keep a document as an exhibit of the person's case (editor+): `multipart/form-data` with `file`,
    `title`, `kind` (`warrant` `court_decision` `ccf_correspondence` `interpol_notice` `translation`
    `identity` `medical` `media` `other`), optional `dated` (`2016`, `2016-02` or `2016-02-22`),
    `language` and `records` (ids of this person's records it supports; an id of anything else is a 422).

    PDF, images (PNG, JPEG, WebP, TIFF), Word (.docx) and plain UTF-8 text, up to 25 MiB (413 above,
    and nothing more is read); any other type is a 415, judged by the bytes (a Word file is a ZIP
    holding `word/document.xml`; text is UTF-8 without NUL), never by the name or the declared type.
    The bytes are stored encrypted in the database, in 1 MiB chunks each sealed with AES-GCM and bound
    to its place; the answer gives their `sha256`, `size` and `content_type`. The title is personal
    data and kept encrypted too. An `Idempotency-Key` is not honoured here (the body is never held
    whole to fingerprint it). Audited as `document.created`."""
    document_service.person_of(looking, person_id, by=caller)  # a 404 before the body is read
    upload = document_service.receive(request_body(request), content_type=request.headers.get("content-type"))
    try:
        document = document_service.create(session, person_id, upload=upload, by=caller)
    finally:
        upload.close()
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    response.headers["ETag"] = etag(document.version)
    return DocumentPublic.model_validate(document)


@router.get("/persons/{person_id}/documents")
def list_documents(
    person_id: str, session: WriteSession, caller: PersonReader, limit: Limit = 50, cursor: Cursor = None
) -> DocumentList:
    """The person's documents (metadata), newest first."""
    rows, next_cursor = document_service.list_page(session, person_id, by=caller, limit=limit, cursor=cursor)
    return DocumentList(items=[DocumentPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/documents/{document_id}")
def read_document(
    document_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> DocumentPublic:
    """One document's metadata."""
    document = document_service.get(session, document_id, by=caller)
    response.headers["ETag"] = etag(document.version)
    return DocumentPublic.model_validate(document)


def _chunks(engine: Engine, keyring: Keyring, document: Document) -> Iterator[bytes]:
    for position in range(document.chunks):
        with reading(engine, keyring) as session:  # a short read per chunk: nothing held between sends
            yield document_service.content(session, document, position=position)


def content_response(request: Request, document: Document) -> StreamingResponse:
    """The document's bytes, opened chunk by chunk as they are sent, under a name that is not its title."""
    return StreamingResponse(
        _chunks(request.state.read_engine, request.state.keyring, document),
        media_type=document.content_type,
        headers={
            "Content-Length": str(document.size),
            "Content-Disposition": f'attachment; filename="{document_service.filename(document)}"',
            "ETag": etag(document.version),
        },
    )


@router.get(
    "/documents/{document_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The document's bytes, with the type judged at upload.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def read_document_content(
    document_id: str, request: Request, session: WriteSession, caller: PersonReader
) -> StreamingResponse:
    """The document's bytes, as uploaded, decrypted chunk by chunk as they are sent (`Content-Type` the
    type judged at upload; `Content-Disposition: attachment` with a name made of the id, never the
    title). Audited as `document.content_read` and counted in the daily quota."""
    document = document_service.get(session, document_id, by=caller, action="document.content_read")
    return content_response(request, document)


@router.patch("/documents/{document_id}")
def update_document(
    document_id: str,
    data: DocumentUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> DocumentPublic:
    """Correct a document's metadata (`title`, `kind`, `dated`, `language`, `records`); the bytes are
    never changed: upload a new document instead. Needs `If-Match`."""
    document = document_service.update(
        session, document_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(document.version)
    return DocumentPublic.model_validate(document)


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(
    document_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a document and every chunk of its bytes (editor+). An `If-Match` is optional; a stale one
    is a 412."""
    document_service.delete(session, document_id, by=caller, expected_version=precondition.optional_version())
