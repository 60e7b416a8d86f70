"""/webhooks: an organisation's admin registers HTTPS endpoints for challenge events and notice status changes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.db import ReadSession, WriteSession
from app.deps import Admin, Cursor, Limit
from app.models.webhook import (
    DeliveryList,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookPublic,
)
from app.routers.api_route import ApiRoute
from app.services import webhook as webhook_service

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=ApiRoute)


def _allow_private(request: Request) -> bool:
    return bool(getattr(request.state, "webhook_allow_private", False))


AllowPrivate = Annotated[bool, Depends(_allow_private)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_webhook(
    data: WebhookCreate, session: WriteSession, caller: Admin, allow_private: AllowPrivate, response: Response
) -> WebhookCreated:
    """Register an https endpoint for events. Its host must resolve to public addresses only.

    The answer holds the webhook's `secret`, shown this once: every delivery is signed with it
    (`X-Article3-Signature: v1=<hex HMAC-SHA256(secret, "<X-Article3-Timestamp>.<body>")>`). An
    `Idempotency-Key` replay of this request answers 409: the secret is not kept to be shown again.
    """
    webhook, secret = webhook_service.create(session, data=data, allow_private=allow_private, by=caller)
    response.headers["Location"] = f"/api/v1/webhooks/{webhook.id}"
    return WebhookCreated.model_validate(webhook, update={"secret": secret})


@router.get("")
def list_webhooks(
    session: ReadSession, caller: Admin, limit: Limit = 50, cursor: Cursor = None
) -> WebhookList:
    """Your organisation's webhooks, without secrets, newest first; deleted ones show `active: false`."""
    rows, next_cursor = webhook_service.list_webhooks(session, by=caller, limit=limit, cursor=cursor)
    return WebhookList(items=[WebhookPublic.model_validate(w) for w in rows], next_cursor=next_cursor)


@router.get("/{webhook_id}/deliveries")
def list_webhook_deliveries(
    webhook_id: str, session: ReadSession, caller: Admin, limit: Limit = 50, cursor: Cursor = None
) -> DeliveryList:
    """A webhook's deliveries, newest first: status, attempts, the last answer and the next attempt (no payloads)."""
    rows, next_cursor = webhook_service.list_deliveries(
        session, webhook_id, by=caller, limit=limit, cursor=cursor
    )
    return DeliveryList(items=[DeliveryPublic.model_validate(d) for d in rows], next_cursor=next_cursor)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: str, session: WriteSession, caller: Admin) -> None:
    """Stop a webhook: nothing more is sent to it and its pending deliveries are cancelled."""
    webhook_service.delete(session, webhook_id, by=caller)
