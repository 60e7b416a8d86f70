"""Typed, polite, cached calls to INTERPOL's public red-notice API; every failure becomes InterpolError.

The errors a call can raise:

    InterpolError            reason: a plain sentence safe to show a user (never the queried name)
      retry_after_s is None  INTERPOL failed: timeout, unreachable, 403 bot protection, other 4xx, 5xx,
                             malformed JSON, a reply of the wrong shape (the service answers 502)
      retry_after_s is set   INTERPOL rate-limited us, or our wait would pass the deadline
                             (the service answers 503 with Retry-After)

`red_notice` answers None for an id with no public notice: INTERPOL says so with a 502, not a 404.
"""

import email.utils
import random
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app import metrics

USER_AGENT = "article3/0.1 (+https://github.com/article3; INTERPOL abuse monitoring)"
RESULTS_PER_PAGE = 160  # INTERPOL honours at most 160 per page, and pages through 160 records in all
QUERY_CAP = 160
_RED = "/notices/v1/red"
_DEFAULT_RETRY_AFTER_S = 30.0  # a 429 without Retry-After
_DEFAULT_PAUSE_S = 5.0  # what `on_refused` hears of a 503 without Retry-After
CACHE_ENTRIES = 1024  # per kind of answer
_NOTICE_ID = re.compile(r"(\d{4})[/-](\d{1,10})")
_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")
_DELAY_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def open_interpol_http(base_url: str, *, timeout_s: float) -> httpx.Client:
    """The one shared HTTP client, opened and closed by the app lifespan."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_s, connect=min(3.0, timeout_s)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        # Limits go to the transport: httpx ignores the client's own once a transport is given.
        transport=httpx.HTTPTransport(
            retries=1, limits=httpx.Limits(max_connections=2, max_keepalive_connections=2)
        ),
    )


class InterpolError(Exception):
    """INTERPOL could not give an answer; `reason` says why in words fit for the caller."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


# The shapes the rest of the service sees.


class RedNoticeSummary(BaseModel):
    """One row of a red-notice search."""

    model_config = ConfigDict(frozen=True)

    entity_id: str  # "2017/40211", as INTERPOL writes it
    name: str
    forename: str | None
    birth_date: str | None  # fuzzy date: YYYY, YYYY-MM or YYYY-MM-DD
    nationalities: list[str]  # as given, including INTERPOL's few non-ISO codes
    url: str  # the notice's API link


class RedNoticePage(BaseModel):
    """One page of a red-notice search; `capped` says INTERPOL will not page through all `total`."""

    model_config = ConfigDict(frozen=True)

    total: int
    capped: bool
    items: list[RedNoticeSummary]
    has_next: bool


class ArrestWarrant(BaseModel):
    """One warrant behind a notice; `issuing_country_id` is the requesting state."""

    model_config = ConfigDict(frozen=True)

    issuing_country_id: str | None  # as INTERPOL gives it: alpha-2, or one of its few non-ISO codes ("922")
    charge: str | None
    charge_translation: str | None


class RedNoticeDetail(BaseModel):
    """One public red notice."""

    model_config = ConfigDict(frozen=True)

    entity_id: str
    name: str
    forename: str | None
    birth_date: str | None
    nationalities: list[str]
    sex_id: str | None
    place_of_birth: str | None
    country_of_birth_id: str | None
    arrest_warrants: list[ArrestWarrant]
    url: str


# The shapes INTERPOL sends: required where we depend on a field, optional everywhere else.


def _fuzzy_date(text: str | None) -> str | None:
    """INTERPOL's "1984/02/29", "1990/07", "1972" or "1972/00/00" as a fuzzy date; unknown is None."""
    match = _DATE.fullmatch(text.strip()) if text else None
    if match is None:
        return None
    year, month, day = match.groups()
    if year[0] not in "12":  # "0000/00/00" means unknown
        return None
    if month is None or not 1 <= int(month) <= 12:
        return year
    year_month = f"{year}-{int(month):02d}"
    if day is None:
        return year_month
    try:
        date(int(year), int(month), int(day))
    except ValueError:  # "00", or a day the month does not have
        return year_month
    return f"{year_month}-{int(day):02d}"


class _Link(BaseModel):
    href: str


class _NoticeLinks(BaseModel):
    self_: _Link = Field(alias="self")


class _PageLinks(BaseModel):
    next: _Link | None = None


class _WireNotice(BaseModel):
    entity_id: str = Field(pattern=r"^\d{4}/\d+$")
    name: str
    forename: str | None = None
    date_of_birth: str | None = None
    nationalities: list[str] | None = None
    links: _NoticeLinks = Field(alias="_links")

    @field_validator("forename")
    @classmethod
    def _placeholder_is_none(cls, forename: str | None) -> str | None:
        forename = forename.strip() if forename else None
        return None if forename in (None, "", "-") else forename

    def summary(self) -> RedNoticeSummary:
        return RedNoticeSummary(
            entity_id=self.entity_id,
            name=self.name,
            forename=self.forename,
            birth_date=_fuzzy_date(self.date_of_birth),
            nationalities=list(self.nationalities or []),
            url=self.links.self_.href,
        )


class _WireWarrant(BaseModel):
    issuing_country_id: str | int | None = None  # "922" has been seen; a bare number would not surprise
    charge: str | None = None
    charge_translation: str | None = None

    def warrant(self) -> ArrestWarrant:
        # The contract passes INTERPOL's codes through as given, its non-ISO ones ("922") included.
        country = str(self.issuing_country_id).strip() if self.issuing_country_id is not None else ""
        return ArrestWarrant(
            issuing_country_id=country or None, charge=self.charge, charge_translation=self.charge_translation
        )


class _WireDetail(_WireNotice):
    sex_id: str | None = None
    place_of_birth: str | None = None
    country_of_birth_id: str | None = None
    arrest_warrants: list[_WireWarrant] | None = None

    def detail(self) -> RedNoticeDetail:
        summary = self.summary()
        return RedNoticeDetail(
            entity_id=summary.entity_id,
            name=summary.name,
            forename=summary.forename,
            birth_date=summary.birth_date,
            nationalities=summary.nationalities,
            sex_id=self.sex_id,
            place_of_birth=self.place_of_birth,
            country_of_birth_id=self.country_of_birth_id,
            arrest_warrants=[warrant.warrant() for warrant in self.arrest_warrants or []],
            url=summary.url,
        )


class _WireEmbedded(BaseModel):
    notices: list[_WireNotice]


class _WireList(BaseModel):
    total: int = Field(ge=0)
    embedded: _WireEmbedded | None = Field(default=None, alias="_embedded")
    links: _PageLinks = Field(default_factory=_PageLinks, alias="_links")

    @model_validator(mode="after")
    def _notices_unless_empty(self) -> Self:
        # An empty result may plausibly come without `_embedded`; a non-empty one may not.
        if self.embedded is None and self.total > 0:
            raise ValueError("_embedded.notices missing")
        return self

    def page(self) -> RedNoticePage:
        notices = self.embedded.notices if self.embedded else []
        return RedNoticePage(
            total=self.total,
            capped=self.total > QUERY_CAP,
            items=[notice.summary() for notice in notices],
            has_next=self.links.next is not None,
        )


def _parse_page(data: Any) -> RedNoticePage:
    try:
        return _WireList.model_validate(data).page()
    except ValidationError:  # its text quotes the reply, names included
        raise InterpolError("INTERPOL answered in an unexpected shape") from None


def _parse_detail(data: Any) -> RedNoticeDetail:
    try:
        return _WireDetail.model_validate(data).detail()
    except ValidationError:
        raise InterpolError("INTERPOL answered in an unexpected shape") from None


# Asking INTERPOL.

M = TypeVar("M", bound=BaseModel)


class _NotFound(Exception):
    """A detail request answered the way INTERPOL says "no public notice under this id"."""


class _TTLCache(Generic[M]):
    """Parsed answers by request, each for its time to live; the least recently used leave first."""

    def __init__(self, *, ttl_s: float, clock: Callable[[], float]) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, M]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> M | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if self._clock() >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return value.model_copy(deep=True)  # callers may mutate the lists inside

    def put(self, key: str, value: M) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl_s, value.model_copy(deep=True))
            self._entries.move_to_end(key)
            while len(self._entries) > CACHE_ENTRIES:
                self._entries.popitem(last=False)


def _name_param(value: str | None) -> str | None:
    folded = " ".join(value.split()).upper() if value else ""
    return folded or None


def _code_param(value: str | None) -> str | None:
    folded = value.strip().upper() if value else ""
    return folded or None


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds, whether INTERPOL sent seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _seconds(value: float) -> str:
    return f"{value:.3g}"


def _bounded(timeout: httpx.Timeout, limit_s: float) -> httpx.Timeout:
    def cap(value: float | None) -> float:
        return limit_s if value is None else min(value, limit_s)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


def _refusal(status: int) -> str:
    if status == 403:
        return "INTERPOL refused the request (HTTP 403, bot protection)"
    if status == 429:
        return "INTERPOL is rate-limiting our requests (HTTP 429)"
    if 400 <= status < 500:
        return f"INTERPOL refused the request (HTTP {status})"
    return f"INTERPOL answered HTTP {status}"


class InterpolClient:
    """Red-notice searches and details over the shared client: one request at a time, cached, backed off.

    A call retries 429 and 503 (a search also 502 and 504) after each pause in `pauses_s`, stretched by
    jitter and never shorter than INTERPOL's Retry-After, and gives up with InterpolError rather than
    wait past `deadline_s` in all.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        list_ttl_s: float = 6 * 3600,
        detail_ttl_s: float = 3 * 86400,
        pauses_s: tuple[float, ...] = (0.5, 2.0),
        deadline_s: float = 25.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        pace: Callable[[float], None] | None = None,
        on_refused: Callable[[float], None] | None = None,
    ) -> None:
        """`pace(remaining_s)` is called before each request that leaves (not for cached answers): it
        waits for a turn of a budget shared with other clients, or raises InterpolError when none comes
        within `remaining_s`. `on_refused(retry_after_s)` is told of each 429 and 503, so those clients
        back off together."""
        self._http = http
        self._pace = pace
        self._on_refused = on_refused
        self._pauses_s = pauses_s
        self._deadline_s = deadline_s
        self._clock = clock
        self._sleep = sleep
        self._pages: _TTLCache[RedNoticePage] = _TTLCache(ttl_s=list_ttl_s, clock=clock)
        self._details: _TTLCache[RedNoticeDetail] = _TTLCache(ttl_s=detail_ttl_s, clock=clock)
        self._turn = threading.Lock()  # politeness: one request in flight per client
        self._jitter = random.SystemRandom()

    def red_notices(
        self,
        *,
        name: str | None = None,
        forename: str | None = None,
        nationality: str | None = None,
        requesting_state: str | None = None,
        page: int = 1,
        deadline_s: float | None = None,
    ) -> RedNoticePage:
        """One page (of 160) of the public red notices matching every filter given.

        `deadline_s` shortens the client's deadline for this call (a check of several names shares one budget).
        """
        if page < 1:
            raise ValueError("page is 1-based")
        filters = {
            "name": _name_param(name),
            "forename": _name_param(forename),
            "nationality": _code_param(nationality),
            "arrestWarrantCountryId": _code_param(requesting_state),
        }
        params = {key: value for key, value in filters.items() if value is not None}
        params |= {"resultPerPage": str(RESULTS_PER_PAGE), "page": str(page)}
        key = urllib.parse.urlencode(sorted(params.items()))
        return self._call(
            self._pages,
            key,
            _RED,
            params,
            _parse_page,
            retry_on=frozenset({429, 502, 503, 504}),
            deadline_s=deadline_s,
        )

    def red_notice(self, notice_id: str, *, deadline_s: float | None = None) -> RedNoticeDetail | None:
        """The public red notice under `notice_id` ("2017/40211" or "2017-40211"), or None if none is."""
        match = _NOTICE_ID.fullmatch(notice_id.strip())
        if match is None:
            return None  # no notice can have this id, and it must not reach the URL
        url_id = "-".join(match.groups())
        try:
            return self._call(
                self._details,
                url_id,
                f"{_RED}/{url_id}",
                {},
                _parse_detail,
                retry_on=frozenset({429, 503, 504}),
                not_found=frozenset({404, 502}),
                deadline_s=deadline_s,
            )
        except _NotFound:
            return None  # never cached: a 502 may also be a real outage

    def _call(
        self,
        cache: _TTLCache[M],
        key: str,
        path: str,
        params: Mapping[str, str],
        parse: Callable[[Any], M],
        *,
        retry_on: frozenset[int],
        not_found: frozenset[int] = frozenset(),
        deadline_s: float | None = None,
    ) -> M:
        cached = cache.get(key)
        if cached is not None:
            return cached
        endpoint = "search" if path == _RED else "notice"
        try:
            return self._fetch(
                cache,
                key,
                path,
                params,
                parse,
                endpoint=endpoint,
                retry_on=retry_on,
                not_found=not_found,
                deadline_s=deadline_s,
            )
        except InterpolError:
            metrics.INTERPOL_FAILURES.labels(endpoint=endpoint).inc()
            raise

    def _fetch(
        self,
        cache: _TTLCache[M],
        key: str,
        path: str,
        params: Mapping[str, str],
        parse: Callable[[Any], M],
        *,
        endpoint: str,
        retry_on: frozenset[int],
        not_found: frozenset[int],
        deadline_s: float | None,
    ) -> M:
        limit_s = self._deadline_s if deadline_s is None else min(deadline_s, self._deadline_s)
        started = self._clock()
        pauses = iter(self._pauses_s)
        while True:
            remaining_s = limit_s - (self._clock() - started)
            if remaining_s <= 0 or not self._turn.acquire(timeout=remaining_s):
                raise InterpolError(
                    f"INTERPOL did not answer within {_seconds(limit_s)} s",
                    retry_after_s=limit_s,
                )
            try:
                cached = cache.get(key)  # another thread may have asked the same while we waited
                if cached is not None:
                    return cached
                if self._pace is not None:
                    self._pace(remaining_s)
                    remaining_s = limit_s - (self._clock() - started)
                    if remaining_s <= 0:
                        raise InterpolError(
                            f"INTERPOL did not answer within {_seconds(limit_s)} s", retry_after_s=limit_s
                        )
                response = self._send(path, params, endpoint, limit_s=remaining_s)
            finally:
                self._turn.release()
            status = response.status_code
            if response.is_success:
                value = parse(self._json(response))
                cache.put(key, value)
                return value
            if status in not_found:
                raise _NotFound
            asked_s = _retry_after_s(response.headers.get("Retry-After"))
            come_back_s = _DEFAULT_RETRY_AFTER_S if status == 429 and asked_s is None else asked_s
            if self._on_refused is not None and status in (429, 503):
                self._on_refused(come_back_s if come_back_s is not None else _DEFAULT_PAUSE_S)
            pause_s = next(pauses, None) if status in retry_on else None
            if pause_s is None:
                raise InterpolError(_refusal(status), retry_after_s=come_back_s)
            wait_s = max(pause_s + self._jitter.uniform(0, pause_s / 2), asked_s or 0.0)
            if self._clock() - started + wait_s > limit_s:
                raise InterpolError(_refusal(status), retry_after_s=max(wait_s, come_back_s or 0.0))
            self._sleep(wait_s)

    def _send(self, path: str, params: Mapping[str, str], endpoint: str, *, limit_s: float) -> httpx.Response:
        timeout = _bounded(self._http.timeout, limit_s)
        try:
            response = self._http.get(path, params=params, timeout=timeout)
        except httpx.TimeoutException as exc:
            metrics.INTERPOL_REQUESTS.labels(endpoint=endpoint, outcome="timeout").inc()
            waited_s = timeout.connect if isinstance(exc, httpx.ConnectTimeout) else timeout.read
            raise InterpolError(f"INTERPOL did not answer within {_seconds(waited_s or limit_s)} s") from None
        except httpx.HTTPError as exc:  # its text carries the URL, and so the name searched for
            metrics.INTERPOL_REQUESTS.labels(endpoint=endpoint, outcome="unreachable").inc()
            raise InterpolError(f"INTERPOL could not be reached ({type(exc).__name__})") from None
        outcome = metrics.status_class(response.status_code)
        metrics.INTERPOL_REQUESTS.labels(endpoint=endpoint, outcome=outcome).inc()
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:  # JSONDecodeError, or bytes that are not text
            raise InterpolError("INTERPOL answered with malformed JSON") from None
