"""UserAccount: a person who signs in to the web interface with a username, a password and maybe TOTP.

API tokens stay for machines; people have accounts. The password is kept as an argon2id hash, the
TOTP secret encrypted with the service's field encryption (so `article3 keys rotate` re-encrypts it),
and the invitation link only as a keyed digest with its expiry.
"""

from datetime import datetime

from sqlmodel import Field

from app.models.base import OrgOwned, UTCDateTime, enum_column, timestamp_field
from app.models.encrypted import EncryptedText
from app.models.token import Role

USERNAME_MAX = 64


class UserAccount(OrgOwned, table=True):
    __tablename__ = "user_account"

    username: str = Field(max_length=USERNAME_MAX)
    # The username case-folded: unique across the service (usernames are staff identifiers).
    username_key: str = Field(max_length=USERNAME_MAX * 3, unique=True)
    role: Role = Field(sa_type=enum_column(Role, length=16))
    password_hash: str | None = Field(default=None, max_length=200)
    totp_secret: str | None = Field(default=None, sa_type=EncryptedText("user_account.totp_secret"))
    # A secret shown on the enrolment page, active once a code made with it is typed back.
    totp_pending: str | None = Field(default=None, sa_type=EncryptedText("user_account.totp_pending"))
    # The last time step whose code was accepted: a code is accepted once.
    totp_last_step: int | None = Field(default=None)
    invitation_digest: str | None = Field(default=None, max_length=64, unique=True)
    invitation_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Raised by disabling, a password change and a TOTP reset: sessions made before it end.
    session_epoch: int = Field(default=0, nullable=False)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None
