"""Webhook and WebhookDelivery: an organisation's HTTPS endpoints for events, and the outbox of what to send them."""

from datetime import datetime
from enum import StrEnum
from typing import Literal, get_args

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from app.models.base import (
    JSONList,
    OrgOwned,
    ShownOnce,
    StrictInput,
    UTCDateTime,
    Versioned,
    enum_column,
    timestamp_field,
)

EventName = Literal[
    "challenge.created",
    "challenge.filed",
    "challenge.admissible",
    "challenge.inadmissible",
    "challenge.provisional_measure",
    "challenge.decided",
    "challenge.withdrawn",
    "notice.status_changed",
    "deadline.approaching",
    "deadline.overdue",
    "interpol.notice_appeared",
    "interpol.notice_disappeared",
    "interpol.notice_changed",
]
EventFilter = Literal[EventName, "challenge.*", "notice.*", "deadline.*", "interpol.*", "*"]
EVENT_NAMES: frozenset[str] = frozenset(get_args(EventName))
MAX_URL_LENGTH = 2000


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    cancelled = "cancelled"


class Webhook(OrgOwned, Versioned, table=True):
    """An endpoint. Its signing secret is derived from the server key and the id, so none is stored.

    Deleting a webhook deactivates it: the row stays so its delivery history stays readable.
    """

    url: str = Field(max_length=MAX_URL_LENGTH)
    events: list[str] = Field(default_factory=list, sa_type=JSONList)
    description: str | None = Field(default=None, max_length=500)
    active: bool = Field(default=True, nullable=False)


class WebhookDelivery(OrgOwned, table=True):
    """One event for one webhook: written in the transaction of the change it reports (an outbox row).

    `body` is the exact JSON sent, serialised once, so every retry sends the same bytes. `next_attempt_at`
    is set while pending: the worker claims due rows by moving it forward (a lease), so a crash mid-send
    makes the row due again rather than lost.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index(None, "status", "next_attempt_at"),)  # the due query; named by convention

    webhook_id: str = Field(foreign_key="webhook.id", index=True, max_length=36, ondelete="CASCADE")
    event: str = Field(max_length=64)
    body: str = Field(sa_type=sa.Text)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending, sa_type=enum_column(DeliveryStatus, length=16), nullable=False
    )
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp_field()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookCreate(StrictInput):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An https URL whose host resolves to public addresses only.",
    )
    events: list[EventFilter] = Field(
        min_length=1,
        max_length=20,
        description="Event names, `challenge.*`, `notice.*`, `deadline.*` or `*` for every event.",
    )
    description: str | None = Field(default=None, max_length=500)

    @field_validator("events")
    @classmethod
    def _unique(cls, events: list[str]) -> list[str]:
        return list(dict.fromkeys(events))


class WebhookPublic(SQLModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic, ShownOnce):
    secret: str = Field(
        description="Signs every delivery (`X-Article3-Signature`). Shown in this answer only: keep it."
    )


class WebhookList(SQLModel):
    items: list[WebhookPublic]
    next_cursor: str | None = None


class DeliveryPublic(SQLModel):
    id: str
    webhook_id: str
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryList(SQLModel):
    items: list[DeliveryPublic]
    next_cursor: str | None = None
