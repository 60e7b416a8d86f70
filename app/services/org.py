"""Organisations: created from the command line by the operator, looked up by name."""

from sqlmodel import Session, select

from app.errors import Conflict, NotFound
from app.models.org import Org
from app.services import audit


def create(session: Session, *, name: str) -> Org:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise Conflict("An organisation name needs 1–200 characters.")
    if session.exec(select(Org).where(Org.name == name)).first() is not None:
        raise Conflict(f"An organisation named {name!r} already exists.")
    org = Org(name=name)
    session.add(org)
    session.flush()
    audit.record(session, by=None, action="org.created", kind="org", object_id=org.id, org_id=org.id)
    return org


def by_name(session: Session, name: str) -> Org:
    org = session.exec(select(Org).where(Org.name == " ".join(name.split()))).first()
    if org is None:
        raise NotFound(f"No organisation named {name!r}.")
    return org


def get_or_create(session: Session, *, name: str) -> Org:
    existing = session.exec(select(Org).where(Org.name == name)).first()
    return existing if existing is not None else create(session, name=name)


def names(session: Session) -> dict[str, str]:
    """Every organisation's name by id (for the operator's command-line reports)."""
    return {org.id: org.name for org in session.exec(select(Org))}
