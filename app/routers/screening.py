"""/screenings: every person of the organisation against a FollowTheMoney dataset of red notices."""

from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status

from app.db import ReadSession, WriteSession
from app.deps import Names, PersonWriter
from app.models.screening import ScreeningResult
from app.routers.api_route import ApiRoute
from app.services import screening

router = APIRouter(prefix="/screenings", tags=["interpol"], route_class=ApiRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={413: {"description": "The file is larger than 64 MiB (this route's limit)."}},
)
def screen(
    file: Annotated[
        UploadFile,
        File(description="FollowTheMoney JSON Lines: one entity a line, as OpenSanctions publishes it."),
    ],
    read: ReadSession,
    session: WriteSession,
    caller: PersonWriter,
    names: Names,
) -> ScreeningResult:
    """Match every person of your organisation against the `Person` entities of a FollowTheMoney file
    (OpenSanctions' `interpol_red_notices` crawl, or any FtM export), in one pass over the file with the
    name matcher of `POST /match`: each name and alias of each notice, with its birth date and
    nationality, against your persons' names and aliases. A score of 0.7 or more is a hit.

    Each person hit gets a stored check (`GET /persons/{id}/interpol-checks`) with `source: "ftm"`, the
    dataset's name and date, and hits whose `entity_id` is the FtM entity id and whose
    `requesting_states` are the `country` of the `Sanction` entities naming the notice (OpenSanctions
    writes one per arrest warrant). A person whose previous check against a dataset of the same name had
    hits gets a check too, listing in `no_longer_public` the notices the new file lacks.

    A file that is not FollowTheMoney JSON Lines, or holds no `Person` entity with a name, is refused
    (422, naming the line) and nothing is stored. This route takes files up to 64 MiB (413 above); the
    command `article3 screen --org NAME --ftm FILE` has no limit. Audited as one `screening.ran` entry
    and counted once in the daily quota, like one `/match` call; each stored check has its own
    `screening.checked` entry (not counted)."""
    content = file.file.read()
    dataset = screening.parse(content.splitlines(), fallback_name=_stem(file.filename))
    # matched on a read session: the write lock is held only while the checks are stored
    hits = screening.find_hits(read, dataset, names=names, org_id=caller.org_id)
    return screening.screen(session, dataset, names=names, by=caller, hits=hits)


def _stem(filename: str | None) -> str:
    stem = PurePath(filename or "").stem
    return stem if stem else "ftm"
