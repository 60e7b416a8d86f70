"""Org: an organisation (a law firm, an NGO); every record belongs to exactly one."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import new_id, timestamp_field


class Org(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = timestamp_field()
