"""Dossier: everything a CCF filing or a court needs about one person, in one document."""

from enum import StrEnum

from sqlmodel import SQLModel

from app.models.challenge import ChallengePublic
from app.models.detention import DetentionPublic
from app.models.extradition import ExtraditionPublic
from app.models.flag import Flag, StateDetail
from app.models.incident import IncidentPublic
from app.models.notice import NoticePublic
from app.models.person import PersonPublic
from app.models.protection import ProtectionPublic
from app.models.timeline import HistoryEvent


class DossierFormat(StrEnum):
    json = "json"
    markdown = "markdown"


class Dossier(SQLModel):
    person: PersonPublic
    protections: list[ProtectionPublic]
    notices: list[NoticePublic]
    detentions: list[DetentionPublic]
    extraditions: list[ExtraditionPublic]
    incidents: list[IncidentPublic]
    challenges: list[ChallengePublic]
    history: list[HistoryEvent]
    flags: list[Flag]
    states: list[StateDetail]
