"""ApiRoute, the route class of every /api/v1 router: a POST's Idempotency-Key answer is stored in the
route's own transaction, and a replay is answered in place of the route (app/services/idempotency.py)."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.models.base import ShownOnce
from app.services import idempotency


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        shows_secret = isinstance(self.response_model, type) and issubclass(self.response_model, ShownOnce)

        async def handle_idempotently(request: Request) -> Response:
            try:
                response = await handle(request)
            except idempotency.Replay as replay:
                return _replayed(replay.answer)
            pending: idempotency.Pending | None = getattr(request.state, "idempotency", None)
            if pending is not None and pending.claimed_by is not None and 200 <= response.status_code < 300:
                # Still inside the request's unit of work: the answer commits with the write.
                await run_in_threadpool(
                    idempotency.store,
                    request.state.write_session,
                    pending=pending,
                    status_code=response.status_code,
                    headers=[(name.lower(), value) for name, value in response.headers.items()],
                    body=bytes(response.body),
                    shown_once=shows_secret,
                )
            return response

        return handle_idempotently


def _replayed(answer: idempotency.Answer) -> Response:
    response = Response(content=answer.body, status_code=answer.status_code)
    for name, value in answer.headers:
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response
