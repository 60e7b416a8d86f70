"""Where every tenant query starts: rows of the caller's organisation, and one 404 for everything else."""

import functools
from typing import TypeVar

from sqlalchemy import bindparam
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
    row: T | None = session.exec(_by_id(model, for_update), params={"org_id": org_id, "id": id_}).first()
    if row is None:
        raise not_found(model)
    return row


@functools.cache
def _by_id(model: type[T], for_update: bool) -> SelectOfScalar[T]:
    """`get_owned`'s statement, made once per model: building it (and its cache key) for every read of a
    record cost about as much as decrypting the record."""
    query = select(model).where(model.org_id == bindparam("org_id"), model.id == bindparam("id"))
    return query.with_for_update() if for_update else query


def not_found(model: type[OrgOwned]) -> NotFound:
    """The one 404 of a record kind, byte-for-byte the same for unknown and foreign ids."""
    return NotFound(f"No {model.__tablename__} with that id.")
