"""`GET /metrics`: the service's figures in Prometheus' text format, for a scraper on this host or an admin."""

from fastapi import APIRouter, Response

from app import metrics
from app.deps import MetricsReader

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus' text exposition format."},
        401: {"description": "Not from this host, and no valid token."},
        403: {"description": "Not from this host, and the token is not an admin's."},
    },
)
def read_metrics(_reader: MetricsReader) -> Response:
    """Requests by route template and status, their durations, audit appends, webhook deliveries,
    INTERPOL requests and failures, and refusals by the rate limit and the daily quota: counts only,
    never a name, an id or a query. Open without a token to a scraper on the same host (a loopback
    address); from anywhere else it needs an admin token."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
