"""Every table, imported in dependency order: the one import Alembic and the app need."""

from sqlmodel import SQLModel

from app.models.audit import AuditEntry, AuditHead
from app.models.calendar_feed import CalendarFeed
from app.models.challenge import Challenge, ChallengeEvent
from app.models.daily_read_count import DailyReadCount
from app.models.demo_case import DemoCase
from app.models.detention import Detention
from app.models.document import Document, DocumentChunk
from app.models.extradition import Extradition
from app.models.flag import AppMeta, PersonFlag, PersonState
from app.models.idempotency import IdempotencyKey, IdempotencyMention
from app.models.incident import Incident
from app.models.interpol_check import InterpolCheck
from app.models.notice import Charge, Notice, NoticeStatusChange
from app.models.org import Org
from app.models.person import Person, PersonAffiliation, PersonChange, PersonRelation
from app.models.protection import Protection
from app.models.rate_limit import RateLimitWindow
from app.models.reminder import DeadlineReminder
from app.models.sign_in_failure import SignInFailure
from app.models.token import ApiToken
from app.models.ui_session import SignedOutSession
from app.models.user_account import UserAccount
from app.models.watch import InterpolChange, Watch, WatchRunner
from app.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "AppMeta",
    "PersonFlag",
    "PersonState",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "CalendarFeed",
    "Challenge",
    "ChallengeEvent",
    "DailyReadCount",
    "DeadlineReminder",
    "Charge",
    "Detention",
    "Document",
    "DocumentChunk",
    "Extradition",
    "IdempotencyKey",
    "IdempotencyMention",
    "Incident",
    "InterpolChange",
    "InterpolCheck",
    "Notice",
    "NoticeStatusChange",
    "DemoCase",
    "RateLimitWindow",
    "Org",
    "Person",
    "PersonAffiliation",
    "PersonChange",
    "PersonRelation",
    "Protection",
    "SQLModel",
    "SignedOutSession",
    "SignInFailure",
    "UserAccount",
    "Watch",
    "WatchRunner",
    "Webhook",
    "WebhookDelivery",
]
