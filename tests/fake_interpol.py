"""A local HTTP server that answers like INTERPOL's public red-notice API, and misbehaves on cue.

It serves the answers in `tests/data/interpol/` (invented people), filters and pages the list the
way INTERPOL does (at most 160 records per query, `total` still the full count), answers 502 for an
unknown id, and records every request. `misbehave(...)` queues answers for the next requests: HTTP
errors with or without Retry-After, slowness, malformed JSON, a reply of the wrong shape.

A conftest can offer the fixture with `from tests.fake_interpol import fake_interpol` or
`pytest_plugins = ["tests.fake_interpol"]`.
"""

import json
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent / "data" / "interpol"
QUERY_CAP = 160
_DETAIL_PATH = re.compile(r"/notices/v1/red/([^/]+)")


@dataclass(frozen=True)
class Misbehaviour:
    """What the fake answers to one request instead of the proper reply."""

    status: int | None = None  # None: the proper reply's, and likewise below
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0


def http_status(status: int, *, retry_after: str | None = None) -> Misbehaviour:
    """An HTTP error (403, 429, 500, 502, 503...), with Retry-After if given."""
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Misbehaviour(
        status=status, body=f"HTTP {status}".encode(), content_type="text/plain", headers=headers
    )


def slow(delay_s: float) -> Misbehaviour:
    """The proper reply, after `delay_s` (make it longer than the client's timeout)."""
    return Misbehaviour(delay_s=delay_s)


MALFORMED_JSON = Misbehaviour(
    status=200, body=b'{"total": 9, "_embedded": {"notices": [{"entity_id": "2017/4'
)
WRONG_SHAPE = Misbehaviour(status=200, body=b'{"total": "nine", "notices": {"entity_id": 40211}}')


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeInterpol:
    """The fake API on 127.0.0.1, on a free port, for the length of a `with` block."""

    def __init__(self, port: int = 0) -> None:
        self.notices: list[dict[str, Any]] = [
            notice
            for page in ("red_list.json", "red_list_page2.json")
            for notice in _load(page)["_embedded"]["notices"]
        ]
        self.details: dict[str, dict[str, Any]] = {
            path.stem.removeprefix("red_detail_"): _load(path.name)
            for path in sorted(FIXTURES.glob("red_detail_*.json"))
        }
        self.requests: list[ReceivedRequest] = []
        self._queue: list[Misbehaviour] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(self, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-interpol",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def misbehave(self, *answers: Misbehaviour) -> None:
        """Answer the next requests with these, one each, then properly again."""
        with self._lock:
            self._queue.extend(answers)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()  # wakes a handler that is being slow
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _receive(self, request: ReceivedRequest) -> Misbehaviour | None:
        with self._lock:
            self.requests.append(request)
            return self._queue.pop(0) if self._queue else None

    def _reply(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        if path == "/notices/v1/red":
            try:
                return 200, json.dumps(self._list(query)).encode(), "application/json"
            except ValueError:
                return 400, b"Bad request", "text/plain"
        detail = _DETAIL_PATH.fullmatch(path)
        if detail is not None and detail.group(1) in self.details:
            return 200, json.dumps(self.details[detail.group(1)]).encode(), "application/json"
        if detail is not None:  # INTERPOL's answer for an id without a public notice
            return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        return 404, b"Not found", "text/plain"

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        name, forename = query.get("name", "").upper(), query.get("forename", "").upper()
        nationality = query.get("nationality", "").upper()
        found = [
            notice
            for notice in self.notices
            if name in notice["name"].upper()
            and forename in (notice["forename"] or "").upper()
            and (not nationality or nationality in notice["nationalities"])
        ]
        per_page = min(int(query.get("resultPerPage", "20")), QUERY_CAP)
        page = int(query.get("page", "1"))
        if per_page < 1 or page < 1:
            raise ValueError("page and resultPerPage start at 1")
        reachable = found[:QUERY_CAP]  # `total` still counts them all
        last_page = max(1, math.ceil(len(reachable) / per_page))
        echo = {key: value for key, value in query.items() if key not in ("page", "resultPerPage")}

        def link(to_page: int) -> dict[str, str]:
            params = urlencode({**echo, "resultPerPage": per_page, "page": to_page})
            return {"href": f"{self.base_url}/notices/v1/red?{params}"}

        links = {"self": link(page), "first": link(1), "last": link(last_page)}
        if page < last_page:
            links["next"] = link(page + 1)
        return {
            "total": len(found),
            "query": {"page": page, "resultPerPage": per_page, **echo},
            "_embedded": {"notices": reachable[(page - 1) * per_page : page * per_page]},
            "_links": links,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeInterpol, port: int) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client gave up on a slow answer and hung up: expected, not worth a traceback.
        pass


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        fake = cast(_Server, self.server).fake
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        misbehaviour = fake._receive(ReceivedRequest(path=url.path, query=query, headers=headers))
        status, body, content_type = fake._reply(url.path, query)
        extra_headers: tuple[tuple[str, str], ...] = ()
        if misbehaviour is not None:
            if fake._closing.wait(misbehaviour.delay_s):
                return
            status = misbehaviour.status or status
            body = body if misbehaviour.body is None else misbehaviour.body
            content_type = misbehaviour.content_type or content_type
            extra_headers = misbehaviour.headers
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_interpol() -> Iterator[FakeInterpol]:
    """A running fake INTERPOL; point a client at `fake_interpol.base_url`."""
    with FakeInterpol() as fake:
        yield fake
