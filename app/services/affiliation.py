"""Affiliations as keys: a keyed digest (blind index) of the folded group name, for exact comparisons."""

from sqlmodel import Session

from app.keyring import keyring_of


def affiliation_key(session: Session, name: str) -> str:
    """Affiliations compare case- and space-insensitively, through a keyed digest, never the plain name."""
    return keyring_of(session).blind_index("affiliation:" + " ".join(name.casefold().split()))
