"""TOTP second factor (RFC 6238, 30-second steps, 6 digits, as every authenticator app makes them).

A code is accepted for its own step and one step either side (a phone's clock a little off), and
only for a step later than the last one accepted: a code is accepted once. The enrolment QR code is
drawn here as inline SVG (segno), so the page loads nothing from anywhere and its CSP stays strict.
"""

import hmac
import re

import pyotp
import segno

STEP_S = 30
WINDOW = 1
ISSUER = "article3"
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """160 random bits in base32, as RFC 4226 recommends."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline SVG element (no style attribute: the CSP forbids inline styles)."""
    return str(
        segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", border=4, omitsize=False)
    )


def accepted_step(secret: str, code: str, *, now: float, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and later than `last_step`; else None."""
    code = re.sub(r"\s", "", code or "")
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_S)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_S), code) and (last_step is None or step > last_step):
            found = step
    return found
