"""DeadlineReminder: that a reminder of one deadline, at one stage, was queued (so it is sent once)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from app.models.base import OrgOwned, timestamp_field


class DeadlineReminder(OrgOwned, table=True):
    """One row per (deadline, due date, stage): a moved date gets reminders of its own.

    `stage` is the number of days before (`14`, `3`) or `overdue`.
    """

    __tablename__ = "deadline_reminder"
    __table_args__ = (sa.UniqueConstraint("deadline_key", "due_on", "stage"),)  # named by convention

    deadline_key: str = Field(max_length=80)
    due_on: str = Field(max_length=10)
    stage: str = Field(max_length=16)
    sent_at: datetime = timestamp_field()
