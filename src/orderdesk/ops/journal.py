"""The request journal: every request that names an order — method, path, status,
idempotency key, time (the server's, and the store's: on the order's store's clock, so that the
order page can put requests and events in one order) — kept for the back-office's order page.

Cheap on the request path: the matched route says whether the request named an order (a
provider's route with ``{orderId}``, or a back-office form on one), and a tuple is appended
to an in-memory batch; a background task writes the batch with one COPY every half second.
Bounded everywhere: at most ``MAX_PENDING`` rows wait in memory (more are dropped and
counted), and the table keeps the newest ``MAX_ROWS`` rows of at most ``MAX_AGE_DAYS`` days
(pruned every minute).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.domain.clock import clock
from orderdesk.store import db, journal
from orderdesk.web.fast_lane import ORDER_PARAM
from orderdesk.web.routes import dialect_of

log = logging.getLogger("orderdesk.journal")

MAX_ROWS = 200_000
MAX_AGE_DAYS = 7
MAX_PENDING = 10_000
FLUSH_SECONDS = 0.5
PRUNE_SECONDS = 60.0
MAX_PATH = 300
MAX_KEY = 255

MAX_ORDER_ID = 100
#: The source of the back-office's requests (its routes' ``DialectRoute.dialect``).
BACKOFFICE = "backoffice"


class Journal:
    """The batch waiting to be written and the task that writes it."""

    def __init__(self) -> None:
        self.pending: list[journal.Row] = []
        self.dropped = 0
        self._pool: asyncpg.Pool | None = None

    def record(self, row: journal.Row) -> None:
        if len(self.pending) >= MAX_PENDING:
            self.dropped += 1
            return
        self.pending.append(row)

    async def flush(self) -> None:
        if not self.pending or self._pool is None:
            return
        batch, self.pending = self.pending, []
        try:
            async with self._pool.acquire() as conn:
                await journal.append(conn, batch)
        except db.LOOP_ERRORS as exc:
            await db.turn_failed(
                self._pool, exc, log, f"request journal: writing {len(batch)} rows"
            )

    async def run(self, pool: asyncpg.Pool) -> None:
        """Write batches and prune until cancelled; the last batch is written on the way out."""
        self._pool = pool
        since_prune = PRUNE_SECONDS
        try:
            while True:
                await asyncio.sleep(FLUSH_SECONDS)
                await self.flush()
                since_prune += FLUSH_SECONDS
                if since_prune >= PRUNE_SECONDS:
                    since_prune = 0.0
                    await self._prune(pool)
                if self.dropped:
                    log.warning("request journal: %d rows dropped (too many pending)", self.dropped)
                    self.dropped = 0
        finally:
            with suppress(Exception):
                await asyncio.shield(self.flush())

    async def _prune(self, pool: asyncpg.Pool) -> None:
        try:
            async with pool.acquire() as conn:
                await journal.prune(conn, MAX_ROWS, MAX_AGE_DAYS)
        except db.LOOP_ERRORS as exc:
            await db.turn_failed(pool, exc, log, "request journal: pruning")


class JournalMiddleware:
    """Notes each request that names an order: on a provider's route, or a back-office form
    (POST). ``providers``: the installed providers' names, ``key_headers`` their idempotency
    key headers (lower case).

    Each request starts with no store's clock (``domain/clock.py``; requests that share a task,
    as a test client's do, must not inherit one) and its row takes the store's time from the
    clock the request's order was loaded with; a request refused before its order was loaded
    gets its store's time when the batch is written (``store/journal.py::append``)."""

    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        providers: Collection[str],
        key_headers: Collection[str],
    ) -> None:
        self.app = app
        self.journal = journal
        self.providers = providers
        self.key_headers = tuple(name.encode() for name in key_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        unset = clock.set(None)
        try:
            await self.app(scope, receive, noted)
        finally:
            self._note(scope, status, clock.get())
            clock.reset(unset)

    def _note(self, scope: Scope, status: int, offset: timedelta | None) -> None:
        source = dialect_of(scope.get("route"))
        method: str = scope["method"]
        if source is None or (
            source not in self.providers and not (source == BACKOFFICE and method == "POST")
        ):
            return
        order_id = (scope.get("path_params") or {}).get(ORDER_PARAM)
        if not isinstance(order_id, str) or not 0 < len(order_id) <= MAX_ORDER_ID:
            return
        path: str = scope["path"]
        at = datetime.now(UTC)
        self.journal.record(
            (
                order_id,
                method[:10],
                path[:MAX_PATH],
                status,
                self._key(scope),
                source,
                at,
                None if offset is None else at + offset,
            )
        )

    def _key(self, scope: Scope) -> str | None:
        state: dict[str, Any] = scope.get("state") or {}
        key = state.get("idempotency_key")
        if key is None:
            for name, value in scope["headers"]:
                if name in self.key_headers:
                    key = value.decode("latin-1")
                    break
        return key[:MAX_KEY] if isinstance(key, str) else None
