"""The bundled demo: documented public cases (`app/data/demo_cases.json`), loaded into the organisation `demo`.

Each case goes in through the same services as API calls, so every rule and audit entry applies. A
case already loaded (by its key) is skipped, so loading twice adds nothing.
"""

import json
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from app.models.challenge import ChallengeCreate, EventIn
from app.models.demo_case import DemoCase
from app.models.detention import DetentionCreate, ReleaseIn, SurrenderIn
from app.models.extradition import ExtraditionCreate
from app.models.incident import IncidentCreate
from app.models.notice import NoticeCreate, StatusChangeIn
from app.models.org import Org
from app.models.person import PersonCreate
from app.models.protection import ProtectionCreate
from app.models.token import Principal, Role
from app.services import challenge as challenge_service
from app.services import detention as detention_service
from app.services import extradition as extradition_service
from app.services import incident as incident_service
from app.services import notice as notice_service
from app.services import org as org_service
from app.services import person as person_service
from app.services import protection as protection_service

DEMO_ORG = "demo"
DEMO_ACTOR = "demo-loader"


def cases() -> list[dict[str, Any]]:
    raw = resources.files("app.data").joinpath("demo_cases.json").read_text(encoding="utf-8")
    return list(json.loads(raw)["cases"])


def load(session: Session) -> tuple[int, Org]:
    """Load every case not loaded yet into `demo`; returns how many were new, and the organisation."""
    org = org_service.get_or_create(session, name=DEMO_ORG)
    by = Principal(token_id=DEMO_ACTOR, org_id=org.id, role=Role.admin)
    done = set(session.exec(select(DemoCase.key).where(DemoCase.org_id == org.id)))
    new = 0
    for case in cases():
        if case["key"] in done:
            continue
        person_id = _load_case(session, case, by=by)
        session.add(DemoCase(org_id=org.id, key=case["key"], person_id=person_id))
        session.flush()
        new += 1
    return new, org


def _load_case(session: Session, case: dict[str, Any], *, by: Principal) -> str:
    person = person_service.create(session, data=PersonCreate.model_validate(case["person"]), by=by)
    for item in case.get("protections", []):
        protection_service.create(session, person.id, data=ProtectionCreate.model_validate(item), by=by)
    notices: dict[str, str] = {}
    for item in case.get("notices", []):
        body = {k: v for k, v in item.items() if k not in ("ref", "status_changes")}
        notice = notice_service.create(
            session, data=NoticeCreate.model_validate({**body, "person_id": person.id}), by=by
        )
        notices[item["ref"]] = notice.id
        for change in item.get("status_changes", []):
            notice_service.change_status(
                session, notice.id, data=StatusChangeIn.model_validate(change), by=by
            )
    detentions: dict[str, str] = {}
    for item in case.get("detentions", []):
        body = {k: v for k, v in item.items() if k not in ("ref", "notice_ref", "release", "surrender")}
        body |= {
            "person_id": person.id,
            "notice_id": notices[item["notice_ref"]] if item.get("notice_ref") else None,
        }
        detention = detention_service.create(session, data=DetentionCreate.model_validate(body), by=by)
        detentions[item["ref"]] = detention.id
        if item.get("release"):
            detention_service.release(
                session, detention.id, data=ReleaseIn.model_validate(item["release"]), by=by
            )
        if item.get("surrender"):
            detention_service.surrender(
                session, detention.id, data=SurrenderIn.model_validate(item["surrender"]), by=by
            )
    for item in case.get("extraditions", []):
        body = {k: v for k, v in item.items() if k != "detention_ref"}
        body |= {
            "person_id": person.id,
            "detention_id": detentions[item["detention_ref"]] if item.get("detention_ref") else None,
        }
        extradition_service.create(session, data=ExtraditionCreate.model_validate(body), by=by)
    for item in case.get("incidents", []):
        incident_service.create(
            session, data=IncidentCreate.model_validate({**item, "person_id": person.id}), by=by
        )
    for item in case.get("challenges", []):
        body = {k: v for k, v in item.items() if k not in ("notice_ref", "events")}
        body |= {
            "person_id": person.id,
            "notice_id": notices[item["notice_ref"]] if item.get("notice_ref") else None,
        }
        challenge = challenge_service.create(session, data=ChallengeCreate.model_validate(body), by=by)
        for event in item.get("events", []):
            challenge_service.apply_event(session, challenge.id, data=EventIn.model_validate(event), by=by)
    return person.id
