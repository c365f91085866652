"""The FastAPI application: dialect routers, error envelopes, and the shared state."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.auth import routes as token_routes
from orderdesk.auth.tokens import TokenError, TokenService
from orderdesk.backoffice.routes import create_backoffice
from orderdesk.config import Settings
from orderdesk.domain.errors import DomainError
from orderdesk.invoices import routes as invoice_routes
from orderdesk.ops import health, metrics
from orderdesk.ops.faults import FaultFlag, Faults, routes
from orderdesk.ops.journal import Journal, JournalMiddleware
from orderdesk.providers.ledyer import errors as ledyer_errors
from orderdesk.providers.ledyer import routes as ledyer_routes
from orderdesk.providers.ledyer import settlements as ledyer_settlements
from orderdesk.providers.walley import errors as walley_errors
from orderdesk.providers.walley import routes as walley_routes
from orderdesk.sandbox import errors as sandbox_errors
from orderdesk.sandbox import notifications as sandbox_notifications
from orderdesk.sandbox import routes as sandbox_routes
from orderdesk.service.expiry import sweep_periodically
from orderdesk.service.outbox import deliver_periodically
from orderdesk.service.purge import purge_periodically
from orderdesk.store import keys
from orderdesk.store.db import create_pool
from orderdesk.store.migrate import migrate
from orderdesk.web import openapi
from orderdesk.web.answers import Reply, to_response
from orderdesk.web.fast_lane import FastLane, fast_routes
from orderdesk.web.requests import require_json

log = logging.getLogger("orderdesk")

Envelope = Callable[[int, str, str], Reply]
HTTP_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _error_module(path: str) -> Any:
    """The errors module (``envelope``, ``error_answer``) of the API a path belongs to."""
    if path.startswith("/manage/"):
        return walley_errors
    if path.startswith("/v1/"):
        return ledyer_errors
    return sandbox_errors


def _envelope(path: str) -> Envelope:
    """The error envelope of the API a path belongs to."""
    envelope: Envelope = _error_module(path).envelope
    return envelope


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                answer = _envelope(scope["path"])(
                    413, "REQUEST_TOO_LARGE", f"Bodies are limited to {self.limit} bytes"
                )
                await to_response(answer)(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, counted, send)


class NulPathGuard:
    """Answer 400 to a path with a NUL character: no resource is named so, and PostgreSQL
    text (every id column) cannot hold one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            answer = _envelope(scope["path"])(400, "INVALID_REQUEST", "The path contains NUL")
            await to_response(answer)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _handlers() -> dict[Any, Any]:
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return to_response(_error_module(request.url.path).error_answer(exc))

    async def token_error(request: Request, exc: TokenError) -> Response:
        return to_response(_envelope(request.url.path)(401, "UNAUTHORIZED", str(exc)))

    async def admin_required(request: Request, exc: Exception) -> Response:
        return sandbox_routes.admin_required_answer()

    async def too_large(request: Request, exc: Exception) -> Response:
        return to_response(_envelope(request.url.path)(413, "REQUEST_TOO_LARGE", "Body too large"))

    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        return to_response(_envelope(request.url.path)(400, "INVALID_REQUEST", message))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        answer = _envelope(request.url.path)(exc.status_code, code, str(exc.detail))
        response = to_response(answer)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            allowed = openapi.allowed_methods(request.app, request.url.path)
            response.headers["allow"] = ", ".join(allowed)
        return response

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return to_response(_envelope(request.url.path)(500, "INTERNAL_ERROR", "Unexpected error"))

    return {
        DomainError: domain_error,
        TokenError: token_error,
        sandbox_routes.AdminRequired: admin_required,
        BodyTooLarge: too_large,
        RequestValidationError: validation_error,
        HTTPException: http_error,
        Exception: unexpected,
    }


def create_app(settings: Settings | None = None) -> FastAPI:
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
        app.state.settings = settings
        app.state.tokens = TokenService(hmac_key, signing_seed)
        app.state.link_key = link_key
        app.state.admin_token = settings.admin_token or stored_admin
        app.state.fault_flag = fault_flag
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
            background += background_workers(pool, settings)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with suppress(asyncio.CancelledError):
                    await task
            await pool.close()

    handlers = _handlers()
    app = FastAPI(
        title="orderdesk",
        version="0.1.0",
        description=(
            "Order management for invoice and BNPL payments, speaking Walley's "
            "`/manage/orders` and Ledyer's `/v1/orders` APIs."
        ),
        lifespan=lifespan,
        exception_handlers=handlers,
    )
    app.include_router(token_routes.router)
    json_only = [Depends(require_json)]
    app.include_router(
        walley_routes.router,
        dependencies=json_only,
        responses=walley_errors.RESPONSES,
        default_response_class=Response,  # writes answer 202 without a body
    )
    app.include_router(
        ledyer_routes.router, dependencies=json_only, responses=ledyer_errors.RESPONSES
    )
    app.include_router(
        ledyer_settlements.router, dependencies=json_only, responses=ledyer_errors.RESPONSES
    )
    app.include_router(
        sandbox_routes.router, dependencies=json_only, responses=sandbox_errors.RESPONSES
    )
    app.include_router(
        sandbox_notifications.router, dependencies=json_only, responses=sandbox_errors.RESPONSES
    )
    app.include_router(invoice_routes.router)
    app.include_router(health.router)
    app.mount("/admin", create_backoffice(app))
    app.openapi = partial(openapi.document, app)  # type: ignore[method-assign]
    app.add_middleware(FastLane, routes=fast_routes(routes(app)), handlers=handlers)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(NulPathGuard)
    app.add_middleware(Faults, flag=fault_flag, envelope=_envelope)
    app.add_middleware(JournalMiddleware, journal=journal)
    app.add_middleware(metrics.Observe)
    return app


def background_workers(pool: Any, settings: Settings) -> list[asyncio.Task[None]]:
    """The notification delivery worker and the expiry sweep (``serve`` and ``worker``)."""
    return [
        asyncio.create_task(
            deliver_periodically(
                pool,
                poll=settings.outbox_poll_seconds,
                timeout=settings.notification_timeout_seconds,
            )
        ),
        asyncio.create_task(sweep_periodically(pool, settings.expiry_sweep_seconds)),
    ]


async def _observe_pool(pool: Any, seconds: float = 1.0) -> None:
    """Keep the pool gauges current (what ``/metrics`` reads from the other workers)."""
    while True:
        metrics.observe_pool(pool)
        await asyncio.sleep(seconds)
