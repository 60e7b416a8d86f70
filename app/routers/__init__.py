"""The /api/v1 router: every resource router, with the problem responses the OpenAPI document lists."""

from fastapi import APIRouter

from app.routers import (
    audit,
    calendar_feed,
    challenge,
    deadline,
    detention,
    document,
    extradition,
    incident,
    interpol,
    match,
    notice,
    person,
    screening,
    sheet_import,
    state,
    token,
    watch,
    webhook,
)
from app.routers.problems import PROBLEM_RESPONSES

api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
for module in (
    person,
    notice,
    detention,
    extradition,
    incident,
    challenge,
    document,
    deadline,
    state,
    match,
    sheet_import,
    interpol,
    screening,
    watch,
    token,
    webhook,
    calendar_feed,
    audit,
):
    api_router.include_router(module.router)
