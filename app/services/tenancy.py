"""Where every tenant query starts: rows of the caller's organisation, and one 404 for everything else."""

from typing import Any, TypeVar

from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from app.errors import NotFound
from app.models.base import OrgOwned

T = TypeVar("T", bound=OrgOwned)


def owned(model: type[T], org_id: str) -> SelectOfScalar[T]:
    return select(model).where(model.org_id == org_id)


def get_owned(session: Session, model: type[T], id_: str, *, org_id: str, for_update: bool = False) -> T:
    """One row of the caller's organisation, or the same 404 an unknown id gets.

    `for_update` locks the row on PostgreSQL for a read-modify-write (SQLite holds the write lock already).
    """
    query: Any = owned(model, org_id).where(model.id == id_)
    if for_update:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise not_found(model)
    return row  # type: ignore[no-any-return]


def not_found(model: type[OrgOwned]) -> NotFound:
    """The one 404 of a record kind, byte-for-byte the same for unknown and foreign ids."""
    return NotFound(f"No {model.__tablename__} with that id.")
