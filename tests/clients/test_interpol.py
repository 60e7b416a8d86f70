"""The INTERPOL client: parsing of every fixture, paging, retries, deadlines, caching and politeness."""

import copy
import email.utils
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.clients.interpol import (
    CACHE_ENTRIES,
    USER_AGENT,
    ArrestWarrant,
    InterpolClient,
    InterpolError,
    RedNoticeDetail,
    open_interpol_http,
)
from tests.fake_interpol import (
    FIXTURES,
    MALFORMED_JSON,
    WRONG_SHAPE,
    FakeInterpol,
    fake_interpol,  # noqa: F401 - a fixture
    http_status,
    slow,
)

BASE_URL = "https://ws-public.interpol.int"
NAME = "NAMUNAZODA"  # must never appear in an error


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Clock:
    """A monotonic clock that moves only when told, or when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Upstream:
    """A MockTransport handler: gives the scripted replies in order, then repeats the last one."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if callable(reply):
            return reply(request)
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    @property
    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, headers={name.replace("_", "-"): value for name, value in headers.items()})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def connect(clock: Clock) -> Iterator[Callable[..., InterpolClient]]:
    """Builds an InterpolClient over a MockTransport, with the fake clock and no real pauses."""
    opened: list[httpx.Client] = []

    def build(upstream: Upstream, **options: Any) -> InterpolClient:
        http = httpx.Client(transport=httpx.MockTransport(upstream), base_url=BASE_URL)
        opened.append(http)
        defaults: dict[str, Any] = {"pauses_s": (0.0, 0.0), "clock": clock, "sleep": clock.sleep}
        return InterpolClient(http, **(defaults | options))

    yield build
    for http in opened:
        http.close()


# Parsing


def test_a_list_page_parses_every_quirk(connect: Callable[..., InterpolClient]) -> None:
    page = connect(Upstream(ok(fixture("red_list.json")))).red_notices(nationality="TJ")
    assert (page.total, page.capped, page.has_next) == (9, False, True)
    rows = {item.entity_id: item for item in page.items}
    assert list(rows) == ["2017/40211", "2009/14402", "2018/52917", "2021/8316", "2019/20455", "2013/66120"]
    assert rows["2017/40211"].birth_date == "1984-02-29"  # leap day
    assert rows["2017/40211"].url == "https://ws-public.interpol.int/notices/v1/red/2017-40211"
    assert (rows["2009/14402"].forename, rows["2009/14402"].birth_date) == (None, "1972")  # null, year only
    assert rows["2009/14402"].nationalities == ["TJ", "RU"]
    assert (rows["2018/52917"].forename, rows["2018/52917"].birth_date) == (
        None,
        "1990-07",
    )  # "-", year-month
    assert rows["2021/8316"].forename == "DILSHOD OLIMOVICH"  # patronymic kept as given
    assert rows["2013/66120"].name == "MISOLI ZODA"


def test_the_last_page_has_no_next(connect: Callable[..., InterpolClient]) -> None:
    page = connect(Upstream(ok(fixture("red_list_page2.json")))).red_notices(nationality="TJ", page=2)
    assert (page.total, page.has_next) == (9, False)
    assert [(item.name, item.birth_date, item.nationalities) for item in page.items] == [
        ("MISOLI", "1988", ["TJ"]),
        ("NAMUNAZODA", "1959-09-09", ["TJ"]),
        ("SINOVZODA", "2000-12-31", ["TJ", "KG"]),
    ]


def test_a_total_over_160_is_capped(connect: Callable[..., InterpolClient]) -> None:
    body = fixture("red_list.json") | {"total": 3012}
    assert connect(Upstream(ok(body))).red_notices(nationality="RU").capped
    assert not connect(Upstream(ok(body | {"total": 160}))).red_notices(nationality="RU").capped


def test_an_empty_result_may_come_without_embedded(connect: Callable[..., InterpolClient]) -> None:
    page = connect(Upstream(ok({"total": 0, "query": {"page": 1}}))).red_notices(name="NOBODY")
    assert (page.total, page.items, page.has_next) == (0, [], False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1984/02/29", "1984-02-29"),
        ("1990/07", "1990-07"),
        ("1972", "1972"),
        ("1972/00/00", "1972"),
        ("1972/05/00", "1972-05"),
        ("0000/00/00", None),
        ("1983/02/29", "1983-02"),  # no such day: keep what is certain
        ("1983/13/01", "1983"),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_birth_dates_become_fuzzy_dates(
    connect: Callable[..., InterpolClient], given: str | None, expected: str | None
) -> None:
    body = fixture("red_list.json")
    body["_embedded"]["notices"][0]["date_of_birth"] = given
    assert connect(Upstream(ok(body))).red_notices().items[0].birth_date == expected


DETAILS = {
    "2017-40211": RedNoticeDetail(
        entity_id="2017/40211",
        name="NAMUNAZODA",
        forename="FARZIN",
        birth_date="1984-02-29",
        nationalities=["TJ"],
        sex_id="M",
        place_of_birth="KULOB",
        country_of_birth_id="TJ",
        arrest_warrants=[
            ArrestWarrant(
                issuing_country_id="TJ",
                charge="Participation in the activity of an extremist organization\r\n"
                "Public calls to extremist activity committed using the Internet",
                charge_translation=None,
            )
        ],
        url="https://ws-public.interpol.int/notices/v1/red/2017-40211",
    ),
    "2009-14402": RedNoticeDetail(
        entity_id="2009/14402",
        name="MISOLOV",
        forename=None,
        birth_date="1972",
        nationalities=["TJ", "RU"],
        sex_id="M",
        place_of_birth=None,
        country_of_birth_id="TJ",
        arrest_warrants=[
            ArrestWarrant(
                issuing_country_id="TJ",
                charge="Fraud committed on an especially large scale\r\n"
                "Misappropriation or embezzlement of entrusted property",
                charge_translation=None,
            ),
            ArrestWarrant(  # one of INTERPOL's non-ISO codes, passed through as given
                issuing_country_id="922",
                charge="Illegal crossing of the state border",
                charge_translation=None,
            ),
        ],
        url="https://ws-public.interpol.int/notices/v1/red/2009-14402",
    ),
    "2018-52917": RedNoticeDetail(
        entity_id="2018/52917",
        name="SINOVOV",
        forename=None,
        birth_date="1990-07",
        nationalities=["TJ"],
        sex_id="M",
        place_of_birth="TERMEZ",
        country_of_birth_id="UZ",
        arrest_warrants=[
            ArrestWarrant(
                issuing_country_id="TJ",
                charge="Публичные призывы к осуществлению экстремистской деятельности\r\n"
                "Организация экстремистского сообщества",
                charge_translation="Public calls for extremist activity\r\nOrganisation of an extremist community",
            )
        ],
        url="https://ws-public.interpol.int/notices/v1/red/2018-52917",
    ),
    "2021-8316": RedNoticeDetail(
        entity_id="2021/8316",
        name="NAMUNOV",
        forename="DILSHOD OLIMOVICH",
        birth_date="1979-11-03",
        nationalities=["TJ"],
        sex_id="M",
        place_of_birth="DUSHANBE",
        country_of_birth_id="TJ",
        arrest_warrants=[
            ArrestWarrant(
                issuing_country_id="RU",  # differs from the nationality
                charge="Evasion of taxes payable by an organisation, committed on an especially large "
                "scale (Part 2 of Article 199 of the Criminal Code of the Russian Federation)",
                charge_translation=None,
            )
        ],
        url="https://ws-public.interpol.int/notices/v1/red/2021-8316",
    ),
}


@pytest.mark.parametrize("url_id", sorted(DETAILS))
def test_every_detail_fixture_parses(connect: Callable[..., InterpolClient], url_id: str) -> None:
    upstream = Upstream(ok(fixture(f"red_detail_{url_id}.json")))
    assert connect(upstream).red_notice(url_id.replace("-", "/")) == DETAILS[url_id]
    assert upstream.paths == [f"/notices/v1/red/{url_id}"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("922", "922"), ("914", "914"), (922, "922"), ("RUS", "RUS"), (" TJ ", "TJ"), ("", None), (None, None)],
)
def test_issuing_countries_pass_through_as_given(
    connect: Callable[..., InterpolClient], code: object, expected: str | None
) -> None:
    """The contract passes INTERPOL's country codes through, its non-ISO ones included."""
    body = fixture("red_detail_2017-40211.json")
    body["arrest_warrants"][0]["issuing_country_id"] = code
    detail = connect(Upstream(ok(body))).red_notice("2017-40211")
    assert detail is not None
    assert detail.arrest_warrants[0].issuing_country_id == expected


def test_a_detail_with_every_optional_field_missing_parses(connect: Callable[..., InterpolClient]) -> None:
    body = {"entity_id": "2014/5590", "name": "MISOL", "_links": {"self": {"href": f"{BASE_URL}/x"}}}
    detail = connect(Upstream(ok(body))).red_notice("2014/5590")
    assert detail is not None
    assert (detail.forename, detail.nationalities, detail.arrest_warrants) == (None, [], [])


# The requests we send


def test_a_search_asks_for_pages_of_160_with_normalised_filters(
    connect: Callable[..., InterpolClient],
) -> None:
    upstream = Upstream(ok(fixture("red_list.json")))
    connect(upstream).red_notices(
        name="  namunazoda ", forename="farzin  ali", nationality="tj", requesting_state=" tj", page=2
    )
    (request,) = upstream.requests
    assert request.url.path == "/notices/v1/red"
    assert dict(request.url.params) == {
        "name": "NAMUNAZODA",
        "forename": "FARZIN ALI",
        "nationality": "TJ",
        "arrestWarrantCountryId": "TJ",
        "resultPerPage": "160",
        "page": "2",
    }


def test_filters_not_given_are_not_sent(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(ok(fixture("red_list.json")))
    connect(upstream).red_notices(name=NAME, forename="", nationality=None)
    assert dict(upstream.requests[0].url.params) == {"name": NAME, "resultPerPage": "160", "page": "1"}


def test_page_is_one_based(connect: Callable[..., InterpolClient]) -> None:
    with pytest.raises(ValueError, match="1-based"):
        connect(Upstream(ok({}))).red_notices(page=0)


def test_both_id_forms_ask_for_the_same_url(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(ok(fixture("red_detail_2017-40211.json")))
    client = connect(upstream)
    assert client.red_notice("2017/40211") == client.red_notice("2017-40211")
    assert upstream.paths == ["/notices/v1/red/2017-40211"]  # the second came from the cache


@pytest.mark.parametrize("notice_id", ["../2017-40211", "2017-40211/images", "40211", "2017-", "abcd-1234"])
def test_an_impossible_id_is_none_without_a_request(
    connect: Callable[..., InterpolClient], notice_id: str
) -> None:
    upstream = Upstream(ok(fixture("red_detail_2017-40211.json")))
    assert connect(upstream).red_notice(notice_id) is None
    assert upstream.requests == []


def test_the_shared_http_client_is_polite_and_bounded() -> None:
    with open_interpol_http(BASE_URL, timeout_s=10.0) as http:
        assert http.headers["User-Agent"] == USER_AGENT
        assert "article3" in USER_AGENT
        assert http.headers["Accept"] == "application/json"
        assert http.timeout == httpx.Timeout(10.0, connect=3.0)
        assert http.base_url == httpx.URL(BASE_URL)
    with open_interpol_http(BASE_URL, timeout_s=0.5) as http:
        assert http.timeout == httpx.Timeout(0.5, connect=0.5)


# Failures


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"cannot connect for {request.url}", request=request)


def test_a_timeout_is_an_error_and_is_not_retried() -> None:
    upstream = Upstream(timeout)
    http = httpx.Client(transport=httpx.MockTransport(upstream), base_url=BASE_URL, timeout=10.0)
    with http, pytest.raises(InterpolError, match=r"did not answer within 10 s") as caught:
        InterpolClient(http, pauses_s=(0.0, 0.0)).red_notices(name=NAME)
    assert caught.value.retry_after_s is None
    assert len(upstream.requests) == 1


def test_an_unreachable_interpol_is_an_error(connect: Callable[..., InterpolClient]) -> None:
    with pytest.raises(InterpolError, match=r"could not be reached \(ConnectError\)") as caught:
        connect(Upstream(unreachable)).red_notices(name=NAME)
    assert NAME not in str(caught.value)
    assert caught.value.__cause__ is None  # the httpx error names the URL, and so the person


def test_403_is_refused_at_once(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    upstream = Upstream(status(403))
    with pytest.raises(InterpolError) as caught:
        connect(upstream).red_notices(name=NAME)
    assert caught.value.reason == "INTERPOL refused the request (HTTP 403, bot protection)"
    assert caught.value.retry_after_s is None
    assert (len(upstream.requests), clock.sleeps) == (1, [])


def test_other_4xx_are_not_retried(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(status(400))
    with pytest.raises(InterpolError, match=r"refused the request \(HTTP 400\)"):
        connect(upstream).red_notices(name=NAME)
    assert len(upstream.requests) == 1


def test_429_waits_as_told_then_succeeds(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    upstream = Upstream(status(429, Retry_After="3"), ok(fixture("red_list.json")))
    assert connect(upstream).red_notices(nationality="TJ").total == 9
    assert (len(upstream.requests), clock.sleeps) == (2, [3.0])


def test_429_past_the_deadline_gives_up_without_sleeping(
    connect: Callable[..., InterpolClient], clock: Clock
) -> None:
    upstream = Upstream(status(429, Retry_After="120"), ok(fixture("red_list.json")))
    with pytest.raises(InterpolError, match="rate-limiting") as caught:
        connect(upstream).red_notices(name=NAME)
    assert caught.value.retry_after_s == 120.0
    assert (len(upstream.requests), clock.sleeps) == (1, [])


def test_retry_after_may_be_an_http_date(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    in_an_hour = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    with pytest.raises(InterpolError) as caught:
        connect(Upstream(status(429, Retry_After=in_an_hour))).red_notices(name=NAME)
    assert caught.value.retry_after_s is not None
    assert 3500 < caught.value.retry_after_s <= 3600
    assert clock.sleeps == []


def test_429_without_retry_after_still_says_when_to_come_back(
    connect: Callable[..., InterpolClient], clock: Clock
) -> None:
    upstream = Upstream(status(429))
    with pytest.raises(InterpolError) as caught:
        connect(upstream).red_notices(name=NAME)
    assert caught.value.retry_after_s == 30.0
    assert (len(upstream.requests), clock.sleeps) == (3, [0.0, 0.0])  # once, then after each pause


def test_pauses_grow_with_jitter_and_stop_at_the_deadline(
    connect: Callable[..., InterpolClient], clock: Clock
) -> None:
    upstream = Upstream(status(503))
    with pytest.raises(InterpolError, match="HTTP 503") as caught:
        connect(upstream, pauses_s=(4.0, 22.0, 64.0), deadline_s=25.0).red_notices(name=NAME)
    (first,) = clock.sleeps  # 4 s and then 22 s would end past 25 s
    assert 4.0 <= first <= 6.0
    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s >= 22.0
    assert len(upstream.requests) == 2


def test_500_is_not_retried(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(status(500), ok(fixture("red_list.json")))
    with pytest.raises(InterpolError) as caught:
        connect(upstream).red_notices(name=NAME)
    assert caught.value.reason == "INTERPOL answered HTTP 500"
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("code", [502, 503, 504])
def test_a_search_retries_a_gateway_failure(connect: Callable[..., InterpolClient], code: int) -> None:
    upstream = Upstream(status(code), ok(fixture("red_list.json")))
    assert connect(upstream).red_notices(nationality="TJ").total == 9
    assert len(upstream.requests) == 2


def test_a_search_that_keeps_getting_502_fails(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    upstream = Upstream(status(502))
    with pytest.raises(InterpolError) as caught:
        connect(upstream).red_notices(name=NAME)
    assert (caught.value.reason, caught.value.retry_after_s) == ("INTERPOL answered HTTP 502", None)
    assert (len(upstream.requests), clock.sleeps) == (3, [0.0, 0.0])


def test_502_on_a_detail_means_no_public_notice(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    upstream = Upstream(status(502))
    client = connect(upstream)
    assert client.red_notice("2016-31877") is None
    assert (len(upstream.requests), clock.sleeps) == (1, [])  # not an outage, not retried
    assert client.red_notice("2016-31877") is None
    assert len(upstream.requests) == 2  # nor cached: it may have been an outage after all


def test_503_on_a_detail_is_retried(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(status(503), ok(fixture("red_detail_2017-40211.json")))
    assert connect(upstream).red_notice("2017-40211") == DETAILS["2017-40211"]
    assert len(upstream.requests) == 2


def test_malformed_json_is_an_error(connect: Callable[..., InterpolClient]) -> None:
    html = httpx.Response(200, text="<html>Access denied</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(InterpolError) as caught:
        connect(Upstream(html)).red_notices(name=NAME)
    assert caught.value.reason == "INTERPOL answered with malformed JSON"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"total": "nine"},
        {"total": 9},  # results promised, none given
        {"total": 9, "_embedded": {"notices": [{"name": NAME, "_links": {}}]}},
        {"total": 9, "_embedded": {"notices": [{"entity_id": "2017-40211", "name": NAME}]}},
        {"total": 9, "_embedded": {"notices": "none"}},
    ],
)
def test_a_search_reply_of_the_wrong_shape_is_an_error(
    connect: Callable[..., InterpolClient], body: Any
) -> None:
    with pytest.raises(InterpolError) as caught:
        connect(Upstream(ok(body))).red_notices(name=NAME)
    assert caught.value.reason == "INTERPOL answered in an unexpected shape"
    assert NAME not in str(caught.value)
    assert caught.value.__cause__ is None  # pydantic's message quotes the reply


def test_a_detail_reply_of_the_wrong_shape_is_an_error(connect: Callable[..., InterpolClient]) -> None:
    body = fixture("red_detail_2017-40211.json")
    body["arrest_warrants"] = [{"charge": ["not", "text"]}]
    with pytest.raises(InterpolError, match="unexpected shape"):
        connect(Upstream(ok(body))).red_notice("2017-40211")


# Caching


def test_an_identical_search_is_answered_from_the_cache(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(ok(fixture("red_list.json")))
    client = connect(upstream)
    first = client.red_notices(name="namunazoda")
    assert client.red_notices(name=" NAMUNAZODA ") == first
    assert len(upstream.requests) == 1
    client.red_notices(name="NAMUNAZODA", page=2)
    client.red_notices(name="NAMUNAZODA", requesting_state="RU")
    assert len(upstream.requests) == 3


def test_a_failure_is_not_cached(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(status(500), ok(fixture("red_list.json")))
    client = connect(upstream)
    with pytest.raises(InterpolError):
        client.red_notices(name=NAME)
    assert client.red_notices(name=NAME).total == 9
    assert len(upstream.requests) == 2


def test_cached_answers_expire(connect: Callable[..., InterpolClient], clock: Clock) -> None:
    upstream = Upstream(
        lambda request: (
            ok(fixture(f"red_detail_{request.url.path.rsplit('/', 1)[1]}.json"))
            if request.url.path.count("/") == 4
            else ok(fixture("red_list.json"))
        )
    )
    client = connect(upstream, list_ttl_s=60.0, detail_ttl_s=600.0)
    client.red_notices(name=NAME)
    client.red_notice("2017-40211")
    clock.now += 59.0
    client.red_notices(name=NAME)
    assert len(upstream.requests) == 2
    clock.now += 1.0
    client.red_notices(name=NAME)
    client.red_notice("2017-40211")
    assert len(upstream.requests) == 3  # the search expired, the detail did not
    clock.now += 600.0
    client.red_notice("2017-40211")
    assert len(upstream.requests) == 4


def test_a_cached_answer_cannot_be_changed_by_its_reader(connect: Callable[..., InterpolClient]) -> None:
    client = connect(Upstream(ok(fixture("red_list.json"))))
    client.red_notices(name=NAME).items.clear()
    assert len(client.red_notices(name=NAME).items) == 6


def test_the_cache_forgets_the_least_recently_used(connect: Callable[..., InterpolClient]) -> None:
    upstream = Upstream(ok({"total": 0}))
    client = connect(upstream)
    for serial in range(CACHE_ENTRIES):
        client.red_notices(name=f"N{serial}")
    client.red_notices(name="N0")  # now the most recently used
    client.red_notices(name="ONE MORE")  # evicts N1
    assert len(upstream.requests) == CACHE_ENTRIES + 1
    client.red_notices(name="N0")
    client.red_notices(name="N1")
    assert len(upstream.requests) == CACHE_ENTRIES + 2


# Politeness


def test_one_request_at_a_time(connect: Callable[..., InterpolClient]) -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        return ok(fixture("red_list.json"))

    upstream = Upstream(answer)
    client = connect(upstream)
    names = [f"NAME{serial}" for serial in range(6)] * 2  # each name twice
    threads = [threading.Thread(target=client.red_notices, kwargs={"name": name}) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
    assert len(upstream.requests) == 6  # a thread that waited for its turn found its twin's answer


def test_a_backoff_lets_other_requests_through() -> None:
    first_sleeping, other_done = threading.Event(), threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["name"] == "FIRST" and not other_done.is_set():
            return status(429, Retry_After="1")
        return ok(fixture("red_list.json"))

    def sleep(seconds: float) -> None:
        first_sleeping.set()
        assert other_done.wait(5.0), "the other request never got through"

    upstream = Upstream(answer)
    results: list[int] = []
    with httpx.Client(transport=httpx.MockTransport(upstream), base_url=BASE_URL) as http:
        client = InterpolClient(http, sleep=sleep, deadline_s=2.0)
        first = threading.Thread(target=lambda: results.append(client.red_notices(name="FIRST").total))
        first.start()
        assert first_sleeping.wait(5.0)
        client.red_notices(name="SECOND")  # InterpolError if the sleeper kept the turn
        other_done.set()
        first.join()
    assert results == [9]
    assert [request.url.params["name"] for request in upstream.requests] == ["FIRST", "SECOND", "FIRST"]


def test_a_call_that_cannot_get_a_turn_gives_up_at_the_deadline() -> None:
    holding, release = threading.Event(), threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["name"] == "HOLDER":
            holding.set()
            release.wait(5.0)
        return ok(fixture("red_list.json"))

    upstream = Upstream(answer)
    with httpx.Client(transport=httpx.MockTransport(upstream), base_url=BASE_URL) as http:
        client = InterpolClient(http, deadline_s=0.05)
        holder = threading.Thread(target=client.red_notices, kwargs={"name": "HOLDER"})
        holder.start()
        assert holding.wait(5.0)
        with pytest.raises(InterpolError, match="did not answer within 0.05 s") as caught:
            client.red_notices(name="WAITER")
        release.set()
        holder.join()
    assert caught.value.retry_after_s == 0.05
    assert [request.url.params["name"] for request in upstream.requests] == ["HOLDER"]


# Against a real local server that behaves like INTERPOL


@pytest.fixture
def live(fake_interpol: FakeInterpol) -> Iterator[InterpolClient]:  # noqa: F811 - the fixture
    with open_interpol_http(fake_interpol.base_url, timeout_s=5.0) as http:
        yield InterpolClient(http, pauses_s=(0.0, 0.0))


def test_the_fake_serves_a_search(fake_interpol: FakeInterpol, live: InterpolClient) -> None:  # noqa: F811
    page = live.red_notices(nationality="tj")
    assert (page.total, page.capped, page.has_next, len(page.items)) == (9, False, False, 9)
    (request,) = fake_interpol.requests
    assert request.path == "/notices/v1/red"
    assert request.query == {"nationality": "TJ", "resultPerPage": "160", "page": "1"}
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["accept"] == "application/json"


def test_the_fake_filters_by_name_and_forename(live: InterpolClient) -> None:
    assert [item.name for item in live.red_notices(name="misolov").items] == ["MISOLOV", "MISOLOVA"]
    assert [item.entity_id for item in live.red_notices(name="namun", forename="olimovich").items] == [
        "2021/8316"
    ]
    assert live.red_notices(nationality="KG").total == 1


def test_the_fake_serves_every_detail(live: InterpolClient) -> None:
    for url_id, expected in DETAILS.items():
        assert live.red_notice(url_id) == expected
    assert live.red_notice("2016/31877") is None  # INTERPOL's 502


def test_a_query_over_160_is_capped(fake_interpol: FakeInterpol, live: InterpolClient) -> None:  # noqa: F811
    template = fake_interpol.notices[0]
    fake_interpol.notices += [
        copy.deepcopy(template) | {"entity_id": f"2020/{serial}", "nationalities": ["RU"]}
        for serial in range(200)
    ]
    first = live.red_notices(nationality="RU")
    assert (first.total, first.capped, len(first.items), first.has_next) == (201, True, 160, False)
    beyond = live.red_notices(nationality="RU", page=2)
    assert (beyond.total, beyond.items) == (201, [])


def test_the_fake_times_out(fake_interpol: FakeInterpol) -> None:  # noqa: F811
    fake_interpol.misbehave(slow(5.0))
    with (
        open_interpol_http(fake_interpol.base_url, timeout_s=0.2) as http,
        pytest.raises(InterpolError) as caught,
    ):
        InterpolClient(http, pauses_s=(0.0, 0.0)).red_notices(name=NAME)
    assert caught.value.reason == "INTERPOL did not answer within 0.2 s"
    assert len(fake_interpol.requests) == 1


def test_the_fake_refuses(fake_interpol: FakeInterpol, live: InterpolClient) -> None:  # noqa: F811
    fake_interpol.misbehave(http_status(403))
    with pytest.raises(InterpolError, match="HTTP 403"):
        live.red_notices(name=NAME)
    assert len(fake_interpol.requests) == 1


def test_the_fake_rate_limits(fake_interpol: FakeInterpol) -> None:  # noqa: F811
    slept: list[float] = []
    fake_interpol.misbehave(http_status(429, retry_after="1"), http_status(429, retry_after="120"))
    with open_interpol_http(fake_interpol.base_url, timeout_s=5.0) as http:
        client = InterpolClient(http, pauses_s=(0.0, 0.0), sleep=slept.append)
        with pytest.raises(InterpolError) as caught:
            client.red_notices(name=NAME)
        assert (caught.value.retry_after_s, slept) == (120.0, [1.0])
        assert client.red_notices(name=NAME).total == 2  # NAMUNAZODA, FARZIN and ZAVQI
    assert len(fake_interpol.requests) == 3


def test_the_fake_fails_in_every_other_way(fake_interpol: FakeInterpol, live: InterpolClient) -> None:  # noqa: F811
    fake_interpol.misbehave(http_status(500))
    with pytest.raises(InterpolError, match="HTTP 500"):
        live.red_notices(name="A")
    fake_interpol.misbehave(http_status(502), http_status(502), http_status(502))
    with pytest.raises(InterpolError, match="HTTP 502"):
        live.red_notices(name="B")
    fake_interpol.misbehave(MALFORMED_JSON)
    with pytest.raises(InterpolError, match="malformed JSON"):
        live.red_notices(name="C")
    fake_interpol.misbehave(WRONG_SHAPE)
    with pytest.raises(InterpolError, match="unexpected shape"):
        live.red_notice("2017-40211")
    assert len(fake_interpol.requests) == 6
    assert live.red_notice("2017-40211") == DETAILS["2017-40211"]  # none of the failures was cached
    assert live.red_notice("2017/40211") == DETAILS["2017-40211"]
    assert len(fake_interpol.requests) == 7


def test_a_shared_pace_is_asked_before_each_request_and_told_of_each_refusal(
    fake_interpol: FakeInterpol,  # noqa: F811
) -> None:
    paced: list[float] = []
    refused: list[float] = []
    with open_interpol_http(fake_interpol.base_url, timeout_s=2) as http:
        client = InterpolClient(http, pauses_s=(), pace=paced.append, on_refused=refused.append)
        client.red_notices(name=NAME)
        client.red_notices(name=NAME)  # cached: nothing leaves, nothing is paced
        assert len(paced) == 1
        assert refused == []
        fake_interpol.misbehave(http_status(429, retry_after="7"))
        with pytest.raises(InterpolError):
            client.red_notices(name="MISOLOV")
        fake_interpol.misbehave(http_status(503))
        with pytest.raises(InterpolError):
            client.red_notices(name="SINOVOV")
        fake_interpol.misbehave(http_status(500))
        with pytest.raises(InterpolError):
            client.red_notices(name="NAMUNOV")
    assert len(paced) == 4
    assert refused == [7.0, 5.0]  # Retry-After, or a short pause for a 503 without one; never a 500


def test_a_pace_that_refuses_stops_the_request(fake_interpol: FakeInterpol) -> None:  # noqa: F811
    def spent(_remaining_s: float) -> None:
        raise InterpolError("budget spent", retry_after_s=60)

    with (
        open_interpol_http(fake_interpol.base_url, timeout_s=2) as http,
        pytest.raises(InterpolError, match="budget spent"),
    ):
        InterpolClient(http, pace=spent).red_notices(name=NAME)
    assert fake_interpol.requests == []
