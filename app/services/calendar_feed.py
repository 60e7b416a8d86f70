"""Calendar feeds: mint a secret feed address, revoke it, and render the organisation's deadlines as
RFC 5545 for calendar apps.

Calendar apps copy what they fetch to their vendors' clouds, so an event names the deadline's kind, the
file reference and the person's initials only. A feed created with `names: full` shows full names, and
only when its url is fetched with `?names=full`. The url's secret is 32 random bytes; only its
HMAC-SHA256 digest is stored (as for tokens), so a copy of the database reveals no feed address.
Each fetch is an audit entry whose actor is the feed's id.
"""

import secrets
from datetime import date, timedelta

import icalendar
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.keyring import keyring_of
from app.models.base import utcnow
from app.models.calendar_feed import CalendarFeed, CalendarFeedCreate, FeedNames
from app.models.deadline import DeadlineKind
from app.models.person import Person
from app.models.token import Principal, Role
from app.services import audit
from app.services import deadline as deadline_service
from app.services.pagination import newest_first, page
from app.services.tenancy import get_owned, owned
from app.services.token import digest

SECRET_PREFIX = "cf_"  # noqa: S105 - the prefix of every feed secret, not a secret
KIND_WORDS = {
    DeadlineKind.ccf_decision: "CCF decision due",
    DeadlineKind.extradition_hearing: "Extradition hearing",
    DeadlineKind.protection_expiry: "Protection ends",
    DeadlineKind.echr_application: "ECHR application time limit",
}
NOT_FOUND = "No calendar feed at this address."


def _digest(session: Session, secret: str) -> str:
    return digest("calendar-feed:" + secret, keyring_of(session).token_key)


def create(session: Session, *, data: CalendarFeedCreate, by: Principal) -> tuple[CalendarFeed, str]:
    """A new feed of the caller's organisation and its secret (returned this once, never stored)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(org_id=by.org_id, digest=_digest(session, secret), names=data.names)
    session.add(feed)
    session.flush()
    audit.record(session, by=by, action="calendar_feed.created", kind="calendar_feed", object_id=feed.id)
    return feed, secret


def list_feeds(
    session: Session, *, by: Principal, limit: int, cursor: str | None
) -> tuple[list[CalendarFeed], str | None]:
    """The organisation's feeds, revoked ones included (`revoked_at` set), newest first."""
    query = newest_first(owned(CalendarFeed, by.org_id), CalendarFeed, cursor=cursor, limit=limit)
    return page(list(session.exec(query)), limit=limit)


def revoke(session: Session, feed_id: str, *, by: Principal) -> None:
    """Its url answers 404 from the next fetch on; the row stays so the audit trail keeps its actor."""
    feed = get_owned(session, CalendarFeed, feed_id, org_id=by.org_id, for_update=True)
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        session.add(feed)
        session.flush()
    audit.record(session, by=by, action="calendar_feed.revoked", kind="calendar_feed", object_id=feed.id)


def find(session: Session, secret: str) -> CalendarFeed:
    """The live feed behind a secret, or the one 404 for malformed, unknown and revoked secrets."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        raise NotFound(NOT_FOUND)
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.digest == _digest(session, secret))).first()
    if feed is None or feed.revoked_at is not None:
        raise NotFound(NOT_FOUND)
    return feed


def initials(name: str) -> str:
    """'Umarali Kuvvatov' -> 'U. K.'; any script, at most four parts."""
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts[:4]) or "?"


def render(session: Session, feed_id: str, *, full_names: bool, today: date | None = None) -> bytes:
    """The feed's calendar: one all-day event per deadline of its organisation. Audited."""
    today = today or date.today()
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.id == feed_id)).first()
    if feed is None or feed.revoked_at is not None:  # revoked since the url was checked
        raise NotFound(NOT_FOUND)
    show_full = full_names and feed.names is FeedNames.full
    found = deadline_service.collect(session, org_id=feed.org_id, today=today)
    person_ids = sorted({d.person_id for d in found})
    names = (
        {p.id: p.name for p in session.exec(owned(Person, feed.org_id).where(col(Person.id).in_(person_ids)))}
        if person_ids
        else {}
    )
    stamp = utcnow()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//article3//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "article3 deadlines")
    for d in found:
        name = names.get(d.person_id, "")
        who = name if show_full else initials(name)
        reference = d.reference or f"{d.ref_kind} {d.ref_id[:8]}"
        event = icalendar.Event()
        event.add("uid", f"{d.key}@article3")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.due_on)
        event.add("dtend", d.due_on + timedelta(days=1))
        event.add("summary", f"{KIND_WORDS[d.kind]}: {reference} ({who})")
        event.add("description", f"{d.summary}. Basis: {d.basis}.")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    audit.record(
        session,
        by=Principal(token_id=feed.id, org_id=feed.org_id, role=Role.viewer),
        action="calendar_feed.fetched",
        kind="calendar_feed",
        object_id=feed.id,
    )
    return bytes(calendar.to_ical())
