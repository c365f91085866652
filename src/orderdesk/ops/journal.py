"""The request journal: every request that names an order — method, path, status,
idempotency key, time — kept for the back-office's order page.

Cheap on the request path: a path match and a tuple appended to an in-memory batch; a
background task writes the batch with one COPY every half second. Bounded everywhere: at
most ``MAX_PENDING`` rows wait in memory (more are dropped and counted), and the table keeps
the newest ``MAX_ROWS`` rows of at most ``MAX_AGE_DAYS`` days (pruned every minute).
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.store import journal

log = logging.getLogger("orderdesk.journal")

MAX_ROWS = 200_000
MAX_AGE_DAYS = 7
MAX_PENDING = 10_000
FLUSH_SECONDS = 0.5
PRUNE_SECONDS = 60.0
MAX_PATH = 300
MAX_KEY = 255

_ORDER_PATH = re.compile(r"^/(?:manage/orders|v1/orders|admin/orders)/([^/]{1,100})(?:/|$)")
_SOURCES = {"m": "walley", "v": "ledyer", "a": "backoffice"}
_KEY_HEADERS = (b"x-idempotency", b"idempotency-key")


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
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("request journal: %d rows not written", len(batch), exc_info=True)

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
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("request journal: pruning failed", exc_info=True)


class JournalMiddleware:
    """Notes each request whose path names an order (back-office: its POSTs only)."""

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        match = _ORDER_PATH.match(path)
        method: str = scope["method"]
        if match is None or (path[1] == "a" and method != "POST"):
            await self.app(scope, receive, send)
            return
        status = 0

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            self.journal.record(
                (
                    match.group(1),
                    method[:10],
                    path[:MAX_PATH],
                    status,
                    _key(scope),
                    _SOURCES[path[1]],
                    datetime.now(UTC),
                )
            )


def _key(scope: Scope) -> str | None:
    state: dict[str, Any] = scope.get("state") or {}
    key = state.get("idempotency_key")
    if key is None:
        for name, value in scope["headers"]:
            if name in _KEY_HEADERS:
                key = value.decode("latin-1")
                break
    return key[:MAX_KEY] if isinstance(key, str) else None
