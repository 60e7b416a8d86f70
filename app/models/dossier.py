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


def preferred_format(accept: str) -> DossierFormat:
    """Markdown only when the Accept header ranks text/markdown above JSON (JSON is the default)."""
    quality = {"json": 0.0, "markdown": 0.0}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _number(p[2:])), 1.0)
        for kind, names in (
            ("json", ("application/json", "application/*", "*/*")),
            ("markdown", ("text/markdown", "text/*")),
        ):
            if media.lower() in names:
                quality[kind] = max(quality[kind], q)
    return DossierFormat.markdown if quality["markdown"] > quality["json"] else DossierFormat.json


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
