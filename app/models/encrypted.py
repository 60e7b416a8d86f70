"""Column types that keep personal data encrypted at rest (AES-256-GCM), transparently for the ORM.

Each value is stored as `a3e:<key id>:<nonce + ciphertext + tag>` and bound to its table and column
(as associated data), so a value copied into another column does not decrypt. The keys come from the
engine (see `app.db.make_engine`), never from module state, so two applications with different
secret keys can run in one process. A value without the prefix is plaintext written before
encryption existed: it is read as it is, and `article3 migrate` converts it.
"""

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from app.keyring import FieldKeys, is_encrypted
from app.models.fuzzy_date import FuzzyDate


def field_keys(dialect: Dialect) -> FieldKeys:
    keys = getattr(dialect, "article3_field_keys", None)
    if not isinstance(keys, FieldKeys):
        raise RuntimeError("this engine has no keyring: encrypted columns cannot be read or written")
    return keys


class EncryptedText(sa.TypeDecorator[str]):
    impl = sa.Text
    cache_ok = True

    def __init__(self, aad: str) -> None:
        super().__init__()
        self.aad = aad

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else field_keys(dialect).encrypt(str(value), aad=self.aad)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not is_encrypted(value):
            return value
        return field_keys(dialect).decrypt(value, aad=self.aad)


class EncryptedJSONList(EncryptedText):
    """A list (names, sources, hits…) as encrypted JSON text."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        text = json.dumps(list(value or []), ensure_ascii=False, separators=(",", ":"))
        return super().process_bind_param(text, dialect)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        text = super().process_result_value(value, dialect)
        return list(json.loads(text)) if text else []


class EncryptedFuzzyDate(EncryptedText):
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return super().process_bind_param(None if value is None else str(FuzzyDate(value)), dialect)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        text = super().process_result_value(value, dialect)
        return None if text is None else FuzzyDate(text)
