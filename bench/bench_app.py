"""The app as the benchmarks serve it: `app.main.create_app` plus a bare hello-world route.

Served by uvicorn from the benchmark scripts:
    uvicorn --factory bench_app:create --app-dir bench --workers 1 --no-access-log

`/hello` is an `async def` route with no dependencies inside the same application (same middleware),
so the ratio of the two throughputs is what authentication, the database and the audit entry cost.
Three more routes under /bench/ split that cost for `http_ratio.py --breakdown`: a sync hello, the
token check alone, and the person read without its audit entry and daily-quota count.
The database and secret key come from ARTICLE3_DATABASE_URL and ARTICLE3_SECRET_KEY; the per-token
rate limit and daily read quota are lifted, since a benchmark is one token sending thousands of calls.
"""

from fastapi import FastAPI

from app.db import ReadSession
from app.deps import Viewer
from app.main import create_app
from app.models.person import PersonPublic
from app.services import person as person_service
from app.settings import Settings

UNLIMITED = 10**9


def create() -> FastAPI:
    settings = Settings(_env_file=None, rate_limit_per_minute=UNLIMITED, daily_read_quota=UNLIMITED)
    app = create_app(settings)

    @app.get("/hello", include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    # For `http_ratio.py --breakdown`: where the time of an audited read goes, one layer at a time.
    @app.get("/bench/hello-sync", include_in_schema=False)
    def hello_sync() -> dict[str, str]:
        return {"hello": "world"}  # a sync route: FastAPI runs it in a worker thread

    @app.get("/bench/auth", include_in_schema=False)
    def auth_only(caller: Viewer) -> dict[str, str]:
        return {"org": caller.org_id}  # + the read session and the token lookup

    @app.get("/bench/person-unaudited/{person_id}", include_in_schema=False)
    def person_unaudited(person_id: str, session: ReadSession, caller: Viewer) -> PersonPublic:
        person = person_service.get(session, person_id, by=caller, action=None)  # no audit entry
        return person_service.public(session, person)

    return app
