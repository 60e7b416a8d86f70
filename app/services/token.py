"""API tokens: mint, digest, authenticate, list and revoke.

A token is `a3_`, 32 base62 characters (about 190 random bits) and a 6-character CRC32 checksum that
rejects typos and junk before any query. Only HMAC-SHA256(secret sub-key, token) is stored. Not argon2
or bcrypt: they stretch low-entropy passwords, a random token has nothing to stretch, and a 150 ms hash
per request would let junk tokens alone saturate the server.

Authenticated tokens are remembered in this process (`_known`), each with the revocation version the
database held when its row was read: every revocation writes a new version into `app_meta` in its own
transaction, and every check reads it (one primary-key read), so a token revoked by any process is
refused from the next request on, in every process, as when each check read the token's row.
"""

import hashlib
import hmac
import re
import secrets
import threading
import uuid
import zlib
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.errors import Unauthorized, Unprocessable
from app.keyring import keyring_of
from app.models.base import utcnow
from app.models.flag import AppMeta
from app.models.token import ApiToken, Principal, Role, TokenCreate
from app.services import audit
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TOKEN_SHAPE = re.compile(r"^a3_[0-9A-Za-z]{38}$")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits))


def new_token() -> str:
    body = "".join(secrets.choice(BASE62) for _ in range(32))
    return f"a3_{body}{_base62(zlib.crc32(body.encode()), 6)}"


_BEARER = re.compile(r"^Bearer (\S+)$", re.IGNORECASE)


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    match = _BEARER.match((authorization or "").strip())
    return match.group(1) if match else None


def well_formed(token: str) -> bool:
    """Shape and checksum, checked before any digest or query."""
    if not TOKEN_SHAPE.match(token):
        return False
    body, check = token[3:35], token[35:]
    return _base62(zlib.crc32(body.encode()), 6) == check


def digest(token: str, key: bytes) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


REVOCATIONS = "token_revocations"  # app_meta's key: a new random value at every revocation
_VERSION_QUERY = text("SELECT value FROM app_meta WHERE key = 'token_revocations'")
_KNOWN_MAX = 10_000
# (database, digest) → (caller, expiry, the revocation version its row was read under)
_known: dict[tuple[str, str], tuple[Principal, datetime | None, str]] = {}
_known_lock = threading.Lock()


def revocation_version(session: Session) -> str:
    """What every revocation changes: a token row read under this version is still what the database says."""
    return str(session.connection().execute(_VERSION_QUERY).scalar_one_or_none() or "")


def authenticate(session: Session, token: str | None) -> Principal:
    """The caller behind a bearer token, or the one 401 for missing, malformed, unknown, expired and revoked."""
    if not token or not well_formed(token):
        raise Unauthorized()
    wanted = digest(token, keyring_of(session).token_key)
    version = revocation_version(session)  # read first: a row read after it is at least this recent
    where = (str(session.connection().engine.url), wanted)
    known = _known.get(where)
    if known is not None and known[2] == version:
        caller, expires_at, _ = known
        if expires_at is not None and expires_at <= utcnow():
            raise Unauthorized()
        return caller
    row = session.exec(select(ApiToken).where(ApiToken.digest == wanted)).first()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= utcnow())
    ):
        raise Unauthorized()
    caller = Principal(token_id=row.id, org_id=row.org_id, role=Role(row.role))
    with _known_lock:
        if len(_known) >= _KNOWN_MAX:
            _known.clear()
        _known[where] = (caller, row.expires_at, version)
    return caller


def _new_revocation_version(session: Session) -> None:
    """In the revocation's transaction: every process's remembered tokens are checked again."""
    table = AppMeta.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    value = uuid.uuid4().hex
    upsert = dialect.insert(table).values(key=REVOCATIONS, value=value)
    session.connection().execute(upsert.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def _expiry(data: TokenCreate) -> datetime | None:
    if data.expires_days is not None:
        return utcnow() + timedelta(days=data.expires_days)
    if data.expires_at is not None:
        if data.expires_at <= utcnow():
            raise Unprocessable("expires_at must be in the future.", loc=("body", "expires_at"))
        return data.expires_at
    return None


def create(session: Session, *, org_id: str, data: TokenCreate, by: Principal | None) -> tuple[ApiToken, str]:
    """A new token of `org_id`; the plain token is returned this once and never stored."""
    plain = new_token()
    row = ApiToken(
        org_id=org_id,
        role=data.role,
        label=data.label,
        digest=digest(plain, keyring_of(session).token_key),
        expires_at=_expiry(data),
    )
    session.add(row)
    session.flush()
    audit.record(session, by=by, action="token.created", kind="token", object_id=row.id, org_id=org_id)
    return row, plain


def list_tokens(
    session: Session, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[ApiToken], str | None]:
    query = newest_first(
        select(ApiToken).where(ApiToken.org_id == by.org_id), ApiToken, cursor=cursor, limit=limit
    )
    return page(list(session.exec(query)), limit=limit)


def revoke(session: Session, token_id: str, *, by: Principal) -> None:
    """Revoked tokens fail from the next request on; the row stays so the audit trail keeps its actor."""
    row = get_owned(session, ApiToken, token_id, org_id=by.org_id, for_update=True)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        _new_revocation_version(session)
    audit.record(session, by=by, action="token.revoked", kind="token", object_id=row.id)
