"""/audit: the organisation's audit trail and the check of the whole chain."""

from fastapi import APIRouter

from app.db import ReadSession
from app.deps import Admin, Cursor, Limit
from app.models.audit import AuditEntryPublic, AuditList, AuditObject, AuditVerification
from app.routers.api_route import ApiRoute
from app.services import audit as audit_service
from app.services import user_account as user_service

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)


@router.get("")
def list_audit(session: ReadSession, caller: Admin, limit: Limit = 50, cursor: Cursor = None) -> AuditList:
    """Your organisation's entries, newest first: who (token or user account id, with a user's username)
    did what to which record, never the data."""
    rows, next_cursor = audit_service.list_entries(session, by=caller, limit=limit, cursor=cursor)
    names = user_service.usernames(session, {r.actor for r in rows}, org_id=caller.org_id)
    items = [
        AuditEntryPublic(
            seq=r.seq,
            at=r.at,
            actor=r.actor,
            actor_username=names.get(r.actor),
            action=r.action,
            object=AuditObject(kind=r.object_kind, id=r.object_id),
        )
        for r in rows
    ]
    return AuditList(items=items, next_cursor=next_cursor)


@router.get("/verify", response_model_exclude_none=True)
def verify_audit(session: ReadSession, caller: Admin) -> AuditVerification:
    """Recompute the whole service's chain; `entries` counts your organisation's entries."""
    bad, entries = audit_service.verify(session, org_id=caller.org_id)
    if bad is not None:
        return AuditVerification(ok=False, first_bad_seq=bad)
    return AuditVerification(ok=True, entries=entries)
