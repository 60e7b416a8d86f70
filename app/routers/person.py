"""/persons: persons, their protection statuses, and what is read about them."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import KeyedWriteSession, WriteSession
from app.deps import (
    Admin,
    Cursor,
    Editor,
    IfMatch,
    Limit,
    Names,
    OptionalIfMatch,
    PersonReader,
    PersonReads,
    PersonWriter,
    etag,
)
from app.errors import NotAcceptable
from app.models.dossier import MEDIA_TYPE, SUFFIX, Dossier, DossierFormat
from app.models.flag import FlagList
from app.models.person import PersonCreate, PersonList, PersonPublic, PersonUpdate
from app.models.protection import ProtectionCreate, ProtectionList, ProtectionPublic, ProtectionUpdate
from app.models.state import StateCode
from app.models.timeline import PersonHistory
from app.models.token import Principal
from app.routers.api_route import ApiRoute
from app.routers.negotiation import ReaderLanguage, language_headers, preferred_format
from app.routers.problems import PROBLEM
from app.services import dossier as dossier_service
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import person as person_service
from app.services import protection as protection_service
from app.services.write_group import WriteGroup

router = APIRouter(prefix="/persons", tags=["persons"], route_class=ApiRoute)

SearchText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Searches names and aliases across scripts and spellings; results come best match first with `match_score`.",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_person(
    data: PersonCreate, session: KeyedWriteSession, caller: PersonWriter, request: Request, response: Response
) -> PersonPublic:
    """Record a person. `related_persons` must name persons of your own organisation."""

    def create(writing: Session) -> PersonPublic:
        return person_service.created(writing, person_service.create(writing, data=data, by=caller), data)

    if session is not None:
        # The answer to an Idempotency-Key is stored in the request's own unit of work (ApiRoute).
        person = await run_in_threadpool(create, session)
    else:
        write_group: WriteGroup = request.state.write_group
        person = await write_group.run(create)  # committed with the writes that came with it
    response.headers["Location"] = f"/api/v1/persons/{person.id}"
    response.headers["ETag"] = etag(person.version)
    return person


@router.get("")
def list_persons(
    session: WriteSession,
    caller: PersonReader,
    names: Names,
    q: SearchText = None,
    nationality: StateCode | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PersonList:
    """Your organisation's persons, newest first; with `q`, the best name matches first."""
    items, next_cursor = person_service.search_page(
        session, names=names, by=caller, q=q, nationality=nationality, limit=limit, cursor=cursor
    )
    return PersonList(items=items, next_cursor=next_cursor)


@router.get("/{person_id}")
async def read_person(person_id: str, reads: PersonReads, response: Response) -> PersonPublic:
    """One person. Every read is recorded in the audit trail."""
    person = await reads.read(
        lambda session, caller: person_service.public(
            session, person_service.get(session, person_id, by=caller, action=None)
        )
    )
    await reads.record("person.read", kind="person", object_id=person.id)  # answered once committed
    response.headers["ETag"] = etag(person.version)
    return person


@router.patch("/{person_id}")
def update_person(
    person_id: str,
    data: PersonUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> PersonPublic:
    """Change some fields. Needs `If-Match` with the ETag you read: 428 without it, 412 when someone changed it since."""
    person = person_service.update(
        session, person_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(person.version)
    return person_service.public(session, person)


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_person(person_id: str, session: WriteSession, caller: Admin) -> None:
    """Erase the person and every record about them. The audit trail keeps the ids, never the data."""
    person_service.erase(session, person_id, by=caller)


@router.get("/{person_id}/history")
async def read_history(person_id: str, reads: PersonReads, prose: ReaderLanguage) -> PersonHistory:
    """Every dated fact about the person, oldest first, one line each.

    Fuzzy dates sort at the first day of their period. Facts on the same first day come in a fixed
    order: protection, notice, detention, extradition, incident, challenge, then what a watch's INTERPOL
    checks found (`interpol.appeared`, `interpol.disappeared` — no longer public, never evidence of
    deletion — and `interpol.changed`, dated by the check, whose `ref` is the check); within a record,
    its steps in order (requested, issued, later status changes; detained, then released or
    surrendered; opened, then decided); then the time recorded. Undated facts are left out: they have
    no place on a timeline.

    `Accept-Language`: each `summary` in Russian when the header prefers `ru`, in English otherwise
    (`Content-Language` names the language; `Vary: Accept-Language`)."""

    def read(session: Session, caller: Principal) -> PersonHistory:
        person = person_service.get(session, person_id, by=caller, action=None)
        return PersonHistory(
            person=person_service.public(session, person),
            events=history_service.events(session, person, prose),
        )

    history = await reads.read(read)  # one worker thread: the caller's checks and the read
    # Answered only once its audit entry has committed (the audit writer's group commit).
    await reads.record("person.history_read", kind="person", object_id=history.person.id)
    return history


@router.get("/{person_id}/flags")
async def read_flags(person_id: str, reads: PersonReads, prose: ReaderLanguage) -> FlagList:
    """The indicators that hold for the person, by requesting state, each with a plain explanation
    naming the facts and the records it rests on. Evidence, never a legal conclusion.

    `Accept-Language`: the explanations are in Russian when the header prefers `ru`, in English
    otherwise (`Content-Language` names the language; `Vary: Accept-Language`)."""

    def read(session: Session, caller: Principal) -> tuple[str, FlagList]:
        person = person_service.get(session, person_id, by=caller, action=None)
        return person.id, FlagList(items=flag_service.for_person(session, person, prose))

    found, flags = await reads.read(read)  # one worker thread: the caller's checks and the read
    # Answered only once its audit entry has committed (the audit writer's group commit).
    await reads.record("person.flags_read", kind="person", object_id=found)
    return flags


@router.get(
    "/{person_id}/dossier",
    response_model=Dossier,
    responses={
        200: {
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                MEDIA_TYPE[DossierFormat.pdf]: {"schema": {"type": "string", "format": "binary"}},
                MEDIA_TYPE[DossierFormat.docx]: {"schema": {"type": "string", "format": "binary"}},
            },
            "headers": {
                "Article3-Audit-Seq": {
                    "description": "The newest audit entry recording a change when this dossier was generated: the state of the records it shows.",
                    "schema": {"type": "integer"},
                },
                "Article3-Dossier-SHA256": {
                    "description": "SHA-256 (hex) of the dossier's canonical JSON (keys sorted, no spaces, UTF-8).",
                    "schema": {"type": "string"},
                },
            },
        },
        406: {"description": "The Accept header names none of the four formats.", **PROBLEM},
    },
)
def read_dossier(
    person_id: str,
    session: WriteSession,
    caller: PersonReader,
    request: Request,
    prose: ReaderLanguage,
    format: Annotated[DossierFormat | None, Query(description="Overrides the Accept header.")] = None,
    include: Annotated[
        Literal["score"] | None,
        Query(
            description="`score`: print each requesting state's score in the filing formats (left out by default)."
        ),
    ] = None,
) -> Response:
    """Everything a CCF filing or a court needs: the person, protections, every record, the timeline,
    the indicators and the pooled figures of each requesting state involved.

    Formats, by `Accept` (or `?format=json|markdown|pdf|docx`, which overrides it): `application/json`
    (the default, also for no Accept header and `*/*`), `text/markdown`, `application/pdf`, and
    `application/vnd.openxmlformats-officedocument.wordprocessingml.document` (Word). Any other Accept
    header is 406. Markdown, PDF and Word are the filing formats: a header (prepared by, prepared on,
    language, "privileged and confidential"), a table of contents (PDF and Word), the chronology as a
    table, every record and source as a numbered exhibit (E-1, E-2, …) cited beside the facts and in
    the indicators' evidence, the pooled figures as counts with their base, the rules the indicators
    rest on. The state's score appears in them only with `?include=score`.

    Provenance: every format carries the audit sequence number of the records it shows (the newest
    entry recording a change when it was generated; readings do not move it) and the SHA-256 of the
    dossier's canonical JSON (keys sorted, no spaces, UTF-8). The filing formats print both in their
    header; every answer also gives them as the headers `Article3-Audit-Seq` and
    `Article3-Dossier-SHA256`. A later reader can show a copy was not altered: the JSON's hash matches,
    and the audit trail shows what changed after that entry.

    `Accept-Language`: in Russian when the header prefers `ru` (the indicators' explanations, and in
    the filing formats every heading, label and sentence of ours, the rules' titles and summaries, state
    names and dates), in English otherwise; `Content-Language` names it, with `Vary: Accept-Language`.
    What users typed (names, notes, charges, summaries) stays as typed."""
    wanted = format or preferred_format(request.headers.get("accept", ""))
    if wanted is None:
        raise NotAcceptable(
            "The dossier comes as application/json, text/markdown, application/pdf or "
            f"{MEDIA_TYPE[DossierFormat.docx]}."
        )
    dossier, provenance = dossier_service.generate(
        session, person_id, by=caller, min_persons=request.state.pattern_min_persons, prose=prose
    )
    headers = {
        "Article3-Audit-Seq": str(provenance.audit_seq),
        "Article3-Dossier-SHA256": provenance.sha256,
        **language_headers(prose),
    }
    if wanted is DossierFormat.json:
        return JSONResponse(dossier.model_dump(mode="json"), headers=headers)
    if wanted is not DossierFormat.markdown:
        headers["Content-Disposition"] = (
            f'attachment; filename="article3-dossier-{person_id}.{SUFFIX[wanted]}"'
        )
    body = dossier_service.render(dossier, provenance, wanted, include_score=include == "score", prose=prose)
    return Response(body, media_type=MEDIA_TYPE[wanted], headers=headers)


@router.post("/{person_id}/protections", status_code=status.HTTP_201_CREATED)
def create_protection(
    person_id: str, data: ProtectionCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> ProtectionPublic:
    """Record a protection status: `against_state` is the state the person fled."""
    protection = protection_service.create(session, person_id, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/persons/{person_id}/protections/{protection.id}"
    response.headers["ETag"] = etag(protection.version)
    return ProtectionPublic.model_validate(protection)


@router.get("/{person_id}/protections")
def list_protections(
    person_id: str, session: WriteSession, caller: PersonReader, limit: Limit = 50, cursor: Cursor = None
) -> ProtectionList:
    """A person's protection statuses, oldest `since` first (undated last)."""
    rows, next_cursor = protection_service.page_for_person(
        session, person_id, by=caller, limit=limit, cursor=cursor
    )
    return ProtectionList(items=[ProtectionPublic.model_validate(p) for p in rows], next_cursor=next_cursor)


@router.get("/{person_id}/protections/{protection_id}")
def read_protection(
    person_id: str, protection_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> ProtectionPublic:
    """One protection status, with its ETag for a correction."""
    protection = protection_service.get(session, person_id, protection_id, by=caller)
    response.headers["ETag"] = etag(protection.version)
    return ProtectionPublic.model_validate(protection)


@router.patch("/{person_id}/protections/{protection_id}")
def update_protection(
    person_id: str,
    protection_id: str,
    data: ProtectionUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> ProtectionPublic:
    """Correct a protection's `since`, `until`, `host_state`, note or sources. Needs `If-Match`: 428
    without it, 412 when it changed since. The indicators follow in the same transaction."""
    protection = protection_service.update(
        session, person_id, protection_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(protection.version)
    return ProtectionPublic.model_validate(protection)


@router.delete("/{person_id}/protections/{protection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_protection(
    person_id: str, protection_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a protection status recorded in error. An `If-Match` is optional; a stale one is a 412."""
    protection_service.delete(
        session, person_id, protection_id, by=caller, expected_version=precondition.optional_version()
    )
