"""/imports/csv: persons and their notices from a spreadsheet (CSV or .xlsx), all rows or none."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from app.db import WriteSession
from app.deps import Names, PersonWriter
from app.models.sheet_import import SheetImport
from app.routers.api_route import ApiRoute
from app.routers.problems import PROBLEM
from app.services import sheet_import

router = APIRouter(prefix="/imports", tags=["imports"], route_class=ApiRoute)


@router.post(
    "/csv",
    status_code=status.HTTP_201_CREATED,
    response_model=SheetImport,
    responses={
        200: {
            "model": SheetImport,
            "description": "A dry run: what would be created, and every row's problems.",
        },
        422: {
            "model": SheetImport,
            "description": "A row has a problem: nothing was written (the same report); an unreadable file "
            "or a bad query parameter is a problem+json answer.",
            **PROBLEM,
        },
    },
)
def import_spreadsheet(
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or a common Cyrillic encoding) or .xlsx.")],
    session: WriteSession,
    caller: PersonWriter,
    names: Names,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check and report, write nothing.")] = False,
) -> Any:
    """Persons, one a row, each with at most one notice on the same row. The first row names the columns:
    `name` (required), `aliases`, `birth_date`, `sex`, `nationalities`, `categories`, `affiliations`,
    `notes`, and for the notice `notice_channel`, `notice_requesting_state`, `notice_interpol_ref`,
    `notice_requested_on`, `notice_issued_on`, `notice_status`, `notice_charges` (the section 3 and 4
    fields; lists separated by `;`, column names in any case, a comma, semicolon or tab between cells).
    The encoding of a CSV file is detected (UTF-8, Windows-1251, KOI8-R, UTF-16…); of a workbook, the
    first sheet is read. Rows are numbered as the spreadsheet shows them (the header is row 1).

    Each row is checked as the API checks a person and a notice: `problems` names the row, the column and
    what is wrong. `?dry_run=true` answers 200 with what would be created. A real run answers 201 and
    writes every row, or 422 with the same report and writes nothing when any row has a problem (an
    unknown column is a problem of row 1). A row whose person matches one of your persons at 0.9 or more
    is listed in `duplicates` (row, person id, score) and not created, nor its notice. Each person and
    notice written has its audit entry (`import.person`, `import.notice`), then one `import.spreadsheet`.
    Files up to the request size limit (1 MiB; 413 above)."""
    report = sheet_import.run(session, file.file.read(), names=names, by=caller, dry_run=dry_run)
    if report.problems and not dry_run:
        return JSONResponse(report.model_dump(mode="json"), status_code=422)
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return report
