"""Liveness and readiness, without authentication."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz")
def read_health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database does not answer."}})
def read_readiness(request: Request) -> JSONResponse:
    """The process answers and its database does too."""
    try:
        with request.state.read_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the cause goes to the server log only
        return JSONResponse({"status": "unavailable", "database": "unavailable"}, status_code=503)
    return {"status": "ok", "database": "ok"}  # type: ignore[return-value]
