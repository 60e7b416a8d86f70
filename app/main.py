"""create_app(settings): the FastAPI application, its lifespan (engines, keys, name index, INTERPOL client)."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlmodel import Session

from app import logs
from app.clients.interpol import InterpolClient, open_interpol_http
from app.db import make_engine, unit_of_work
from app.errors import ErrorBoundary, add_error_handlers
from app.keyring import Keyring
from app.middleware import BodyLimit, Idempotency, InFlightLimit, Observed, SecurityHeaders
from app.routers import api_router, calendar_feed, docs, health, metrics, ui
from app.services import flag as flag_service
from app.services import rate_limit
from app.services import reminder as reminder_service
from app.services import watch as watch_service
from app.services import webhook as webhook_service
from app.services.audit_writer import AuditWriter
from app.services.name_index import LiveNameIndex
from app.services.write_group import WriteGroup
from app.settings import Settings, resolve_secret_key

log = logging.getLogger("article3")

DESCRIPTION = """\
article3 records, per person and per requesting state, how states use INTERPOL's notices and
diffusions against exiles, and turns the evidence into indicators a lawyer can put before a court or
INTERPOL's Commission for the Control of Files. Every call needs `Authorization: Bearer <token>`;
errors are `application/problem+json`; another organisation's records answer exactly like records
that do not exist.

A POST may carry `Idempotency-Key` (1–255 characters). The first answer to a POST that writes is
replayed for 24 hours, with `Idempotent-Replayed: true`, to the token that sent it, after the route's
role check and daily quota. A key is unique within the organisation: another body, a request still
running, or another token's key answers 409. Refusals and errors are not stored (retry with the same
key), nor the answers of POSTs that write nothing (`/match`), nor secrets shown once: a replay of a
token's or a webhook's creation answers 409.
"""


class State(TypedDict):
    write_engine: Engine
    read_engine: Engine
    keyring: Keyring
    names: LiveNameIndex
    pattern_min_persons: int
    interpol: InterpolClient
    daily_read_quota: int
    rate_limiter: rate_limit.RateLimiter
    webhook_allow_private: bool
    webhooks: webhook_service.DeliveryWorker
    watch_interval_hours: int
    ui_idle_s: int
    invitation_hours: int
    audit_writer: AuditWriter
    write_group: WriteGroup


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logs.install()  # no request data in uvicorn's access lines or httpx's request lines
    flag_service.install()  # every unit of work keeps the derived indicator tables of what it writes
    keyring = Keyring(resolve_secret_key(settings))  # fail fast, before serving, on a missing key
    if settings.webhook_allow_private:
        log.warning(
            "ARTICLE3_WEBHOOK_ALLOW_PRIVATE is on: webhooks may use plain http and private addresses."
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        write_engine = make_engine(settings.database_url, writer=True, keyring=keyring)
        read_engine = make_engine(settings.database_url, writer=False, keyring=keyring)
        # Counted where every process serving the database sees the same counts (memory on SQLite).
        # Before anything connects: a Redis that does not answer stops the start with nothing to close.
        rate_limiter = rate_limit.for_deployment(
            per_minute=settings.rate_limit_per_minute,
            redis_url=settings.redis_url.get_secret_value() if settings.redis_url else None,
            engine=write_engine,
        )
        with unit_of_work(write_engine, keyring) as session:
            flag_service.ensure_built(session)  # derived tables of a database that predates them
        # Garbage is collected first, so none is kept below; not after the index is built, when a full
        # collection walks its millions of objects (2.8 s at a million persons) to find a handful: the
        # index loads with the collector paused and leaves next to no cyclic garbage.
        gc.collect()
        names = LiveNameIndex()
        with Session(read_engine) as session:
            names.load(session)
        # What start-up built lives as long as the process: the name index alone is millions of objects.
        # Out of the collector's view, a full collection no longer walks them all (tens of ms per request
        # that happens to trigger one at 100,000 persons).
        gc.freeze()
        http = open_interpol_http(settings.interpol_url, timeout_s=settings.interpol_timeout)
        interpol = InterpolClient(
            http, list_ttl_s=settings.interpol_list_ttl_s, detail_ttl_s=settings.interpol_detail_ttl_s
        )
        webhooks = webhook_service.DeliveryWorker(
            write_engine, keyring, allow_private=settings.webhook_allow_private
        )
        webhooks.start()
        audit_writer = AuditWriter(write_engine, keyring)  # group commit of audited reads' entries
        audit_writer.start()
        write_group = WriteGroup(write_engine, keyring)  # group commit of writes (POST /persons)
        write_group.start()
        reminders = reminder_service.ReminderLoop(write_engine, keyring, days_before=settings.reminder_days)
        reminders.start()
        watches = None
        if settings.watch_runner:
            watches = watch_service.WatchLoop(
                write_engine,
                keyring,
                interpol_url=settings.interpol_url,
                timeout_s=settings.interpol_timeout,
                max_rps=settings.interpol_max_rps,
            )
            watches.start()
        try:
            yield {
                "write_engine": write_engine,
                "read_engine": read_engine,
                "keyring": keyring,
                "names": names,
                "pattern_min_persons": settings.pattern_min_persons,
                "interpol": interpol,
                "daily_read_quota": settings.daily_read_quota,
                "rate_limiter": rate_limiter,
                "webhook_allow_private": settings.webhook_allow_private,
                "webhooks": webhooks,
                "watch_interval_hours": settings.watch_interval_hours,
                "ui_idle_s": settings.session_idle_minutes * 60,
                "invitation_hours": settings.invitation_hours,
                "audit_writer": audit_writer,
                "write_group": write_group,
            }
        finally:
            if watches is not None:
                watches.stop()  # a check in flight is left to its lease: shutdown stays quick
            reminders.stop()
            webhooks.stop()
            audit_writer.stop()
            write_group.stop()
            gc.unfreeze()  # what start-up froze can be collected again once this app is gone
            http.close()
            write_engine.dispose()
            read_engine.dispose()

    # FastAPI's own /docs and /redoc load their files from a CDN: /docs is ours, served from the package.
    app = FastAPI(
        title="article3",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    add_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    if settings.docs_enabled:
        app.include_router(docs.router)
        app.mount(docs.ASSETS_PATH, StaticFiles(directory=docs.ASSETS), name="docs_assets")
    app.include_router(api_router)
    app.include_router(calendar_feed.feed_router)  # outside /api/v1: the url's secret stands for a token
    app.include_router(ui.router)  # the web interface at /ui/, with its own packaged static files
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Retry-After"],
        )
    # Outermost last: security headers on every answer, then the body limit and idempotency keys (which
    # need the body, and wrap the application itself). The rate limit needs the caller's token id, so
    # it is counted where the token is authenticated (app/deps.py, app/ui/auth.py).
    app.add_middleware(Idempotency)
    app.add_middleware(BodyLimit)
    app.add_middleware(InFlightLimit)
    app.add_middleware(ErrorBoundary)  # inside the security headers: a 500 carries them too
    app.add_middleware(Observed)  # outside the error boundary: it counts and logs the 500s it sends
    app.add_middleware(SecurityHeaders)
    return app
