"""The FastAPI application: every provider's routes and the sandbox's from their route tables,
the error envelopes, the middlewares and the shared state."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk import __version__
from orderdesk.auth.attempts import FailedAttempts
from orderdesk.auth.tokens import TokenError, TokenService
from orderdesk.backoffice.app import create_backoffice
from orderdesk.checkout import routes as hosted_checkout
from orderdesk.config import Settings
from orderdesk.domain.errors import DomainError
from orderdesk.invoices import routes as invoice_routes
from orderdesk.ops import health, metrics
from orderdesk.ops.faults import FaultFlag, Faults
from orderdesk.ops.journal import Journal, JournalMiddleware
from orderdesk.providers.base import Registry
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox.api import SANDBOX, AdminRequired, admin_required_answer
from orderdesk.service.expiry import sweep_periodically
from orderdesk.service.outbox import deliver_periodically
from orderdesk.service.purge import purge_periodically
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import keys
from orderdesk.store.db import create_pool
from orderdesk.store.migrate import migrate
from orderdesk.web import docs, openapi
from orderdesk.web.answers import to_response
from orderdesk.web.dialect import ApiDialect, Apis
from orderdesk.web.fast_lane import FastLane, fast_routes
from orderdesk.web.limits import BodyLimit, BodyTooLarge, NulPathGuard
from orderdesk.web.routes import DialectRoute

HTTP_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _handlers(apis: Apis) -> dict[Any, Any]:
    """The answer to each exception, in the envelope of the API the path belongs to."""

    async def domain_error(request: Request, exc: DomainError) -> Response:
        return to_response(apis.for_path(request.url.path).error_answer(exc))

    async def token_error(request: Request, exc: TokenError) -> Response:
        return to_response(apis.for_path(request.url.path).envelope(401, "UNAUTHORIZED", str(exc)))

    async def admin_required(request: Request, exc: AdminRequired) -> Response:
        return admin_required_answer(exc)

    async def too_large(request: Request, exc: Exception) -> Response:
        api = apis.for_path(request.url.path)
        return to_response(api.envelope(413, "REQUEST_TOO_LARGE", "Body too large"))

    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        return to_response(
            apis.for_path(request.url.path).envelope(400, "INVALID_REQUEST", message)
        )

    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        api = apis.for_path(request.url.path)
        response = to_response(api.envelope(exc.status_code, code, str(exc.detail)))
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:  # a page outside the document keeps Starlette's Allow
            allowed = ", ".join(openapi.allowed_methods(request.app, request.url.path))
            response.headers["allow"] = allowed or response.headers.get("allow", "")
        return response

    return {
        DomainError: domain_error,
        TokenError: token_error,
        AdminRequired: admin_required,
        BodyTooLarge: too_large,
        RequestValidationError: validation_error,
        HTTPException: http_error,
    }


def _install(app: FastAPI, apis: Iterable[ApiDialect]) -> list[DialectRoute]:
    """Every route of every API, in order; returns those installed."""
    installed = []
    for api in apis:
        for table in api.route_tables:
            installed += table.install(app)
    return installed


def create_app(settings: Settings | None = None, providers: Registry = PROVIDERS) -> FastAPI:
    settings = settings or Settings.from_env()
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (orderdesk serve starts a database for you)")
    dsn = settings.database_url
    fault_flag = FaultFlag()
    journal = Journal()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(
            dsn, min_size=1, max_size=settings.pool_size, pgbouncer=settings.pgbouncer
        )
        async with pool.acquire() as conn:
            await migrate(conn)
            hmac_key = await keys.get_or_create(conn, "token_hmac")
            signing_seed = await keys.get_or_create(conn, "token_ed25519")
            link_key = await keys.get_or_create(conn, "invoice_links")
            stored_admin = (await keys.get_or_create(conn, "admin_token", 24)).hex()
        app.state.pool = pool
        app.state.uow = UnitOfWork(pool, providers)
        app.state.providers = providers
        app.state.settings = settings
        app.state.tokens = TokenService(hmac_key, signing_seed)
        app.state.link_key = link_key
        app.state.admin_token = settings.admin_token or stored_admin
        app.state.fault_flag = fault_flag
        app.state.attempts = FailedAttempts(
            settings.auth_failure_limit, settings.auth_failure_window_seconds
        )
        app.state.journal = journal
        # Move everything start-up made out of the collector's sight: a full collection then
        # scans only what requests allocate (large orders made it pause for tens of ms).
        gc.collect()
        gc.freeze()
        ttl = timedelta(hours=settings.idempotency_ttl_hours)
        background = [
            asyncio.create_task(purge_periodically(pool, ttl, settings.idempotency_purge_seconds)),
            asyncio.create_task(fault_flag.refresh_periodically(pool)),
            asyncio.create_task(_observe_pool(pool)),
            asyncio.create_task(journal.run(pool)),
        ]
        if settings.run_workers:
            background += background_workers(app.state.uow, settings)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with suppress(asyncio.CancelledError):
                    await task
            await pool.close()

    apis = Apis([*providers.values(), SANDBOX], default=SANDBOX)
    handlers = _handlers(apis)
    titles = " and ".join(provider.title for provider in providers.values())
    app = FastAPI(
        title="orderdesk",
        version=__version__,
        description=(
            f"Order management for invoice and BNPL payments, speaking the APIs of {titles}."
        ),
        lifespan=lifespan,
        exception_handlers=handlers,
        docs_url=None,  # docs.install serves them from the package's own assets
        redoc_url=None,
    )
    installed = _install(app, [*providers.values(), SANDBOX])
    app.include_router(invoice_routes.router)
    app.include_router(health.router)
    app.mount("/admin", create_backoffice(app))
    hosted_checkout.install(app, providers)
    docs.install(app)
    app.openapi = partial(openapi.document, app, apis)  # type: ignore[method-assign]
    on_orders = [route for route in installed if route.dialect in providers]
    app.add_middleware(FastLane, routes=fast_routes(on_orders), handlers=handlers)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, apis=apis)
    app.add_middleware(NulPathGuard, apis=apis)
    app.add_middleware(Faults, flag=fault_flag, apis=apis)
    key_headers = [
        p.security.key_header.lower() for p in providers.values() if p.security.key_header
    ]
    app.add_middleware(
        JournalMiddleware, journal=journal, providers=list(providers), key_headers=key_headers
    )
    app.add_middleware(metrics.Observe, apis=apis)
    return app


def background_workers(uow: UnitOfWork, settings: Settings) -> list[asyncio.Task[None]]:
    """The notification delivery worker and the expiry sweep (``serve`` and ``worker``)."""
    return [
        asyncio.create_task(
            deliver_periodically(
                uow.pool,
                uow.dialects,
                poll=settings.outbox_poll_seconds,
                timeout=settings.notification_timeout_seconds,
            )
        ),
        asyncio.create_task(sweep_periodically(uow, settings.expiry_sweep_seconds)),
    ]


async def _observe_pool(pool: asyncpg.Pool, seconds: float = 1.0) -> None:
    """Keep the pool gauges current (what ``/metrics`` reads from the other workers)."""
    while True:
        metrics.observe_pool(pool)
        await asyncio.sleep(seconds)
