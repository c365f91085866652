"""Fault injection for the sandbox: the next N requests matching a store, a route and/or an
order get a chosen fault, either *before* the application sees them or *after* it has
handled them and committed (the answer is lost, the write is kept).

Faults live in PostgreSQL (``sandbox_faults``), so every worker process shares them, and a
request claims one with a single ``UPDATE … RETURNING``: "the next N" is exact across
processes. Each process keeps an "any faults?" flag, refreshed every
:data:`REFRESH_SECONDS` and set at once by the process that adds a fault; while it is false
the middleware costs one attribute read per request.

Actions: ``error`` (a 5xx in the provider's own error envelope), ``timeout`` (hold the request
``delayMs`` then close the connection without an answer), ``drop`` (close the connection at
once) and ``delay`` (answer normally ``delayMs`` late).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.ops import metrics
from orderdesk.store import db
from orderdesk.web.answers import Reply, to_response
from orderdesk.web.dialect import Apis

log = logging.getLogger("orderdesk.faults")

REFRESH_SECONDS = 0.2
ACTIONS = ("error", "timeout", "drop", "delay")
PHASES = ("before", "after")
#: Paths faults never apply to: the sandbox API itself, health, metrics and the docs.
EXEMPT = ("/sandbox", "/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json")


@dataclass(frozen=True, slots=True)
class Fault:
    id: int
    store_id: str | None
    method: str | None
    route: str | None
    order_id: str | None
    action: str
    status: int | None
    delay_ms: int
    phase: str
    remaining: int
    applied: int

    def view(self) -> dict[str, Any]:
        return {
            "faultId": self.id,
            "storeId": self.store_id,
            "route": f"{self.method} {self.route}" if self.method and self.route else self.route,
            "method": self.method,
            "orderId": self.order_id,
            "action": self.action,
            "status": self.status,
            "delayMs": self.delay_ms,
            "phase": self.phase,
            "remaining": self.remaining,
            "applied": self.applied,
        }


_COLUMNS = (
    "id, store_id, method, route, order_id, action, status, delay_ms, phase, remaining, applied"
)

_CLAIM = f"""
UPDATE sandbox_faults SET remaining = remaining - 1, applied = applied + 1
WHERE remaining > 0 AND id = (
    SELECT f.id FROM sandbox_faults f
    WHERE f.remaining > 0
      AND (f.method IS NULL OR f.method = $1)
      AND (f.route IS NULL OR f.route = $2)
      AND (f.order_id IS NULL OR f.order_id = $3)
      AND (f.store_id IS NULL OR f.store_id = (SELECT o.store_id FROM orders o WHERE o.id = $3))
    ORDER BY f.id LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING {_COLUMNS}
"""


async def add(conn: asyncpg.Connection, fault: Fault) -> Fault:
    row = await conn.fetchrow(
        "INSERT INTO sandbox_faults (store_id, method, route, order_id, action, status,"
        " delay_ms, phase, remaining) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
        f" RETURNING {_COLUMNS}",
        fault.store_id,
        fault.method,
        fault.route,
        fault.order_id,
        fault.action,
        fault.status,
        fault.delay_ms,
        fault.phase,
        fault.remaining,
    )
    return Fault(**dict(row))


async def active(conn: asyncpg.Connection) -> list[Fault]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM sandbox_faults WHERE remaining > 0 ORDER BY id"
    )
    return [Fault(**dict(row)) for row in rows]


async def clear(conn: asyncpg.Connection, store_id: str | None = None) -> int:
    """Delete every fault (or every fault of one store); returns how many."""
    if store_id is None:
        status = await conn.execute("DELETE FROM sandbox_faults")
    else:
        status = await conn.execute("DELETE FROM sandbox_faults WHERE store_id = $1", store_id)
    return int(status.split()[-1])


async def claim(
    conn: asyncpg.Connection, method: str, route: str | None, order_id: str | None
) -> Fault | None:
    row = await conn.fetchrow(_CLAIM, method, route, order_id)
    return Fault(**dict(row)) if row else None


class FaultFlag:
    """This process's view of whether any fault is waiting."""

    def __init__(self) -> None:
        self.active = False

    async def refresh(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            self.active = bool(
                await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM sandbox_faults WHERE remaining > 0)"
                )
            )

    async def refresh_periodically(self, pool: asyncpg.Pool) -> None:
        while True:
            try:
                await self.refresh(pool)
            except db.LOOP_ERRORS as exc:
                await db.turn_failed(pool, exc, log, "refreshing the fault flag")
            await asyncio.sleep(REFRESH_SECONDS)


def routes(app: Any) -> list[Any]:
    """The application's routes, flattened through included routers (each has ``path``,
    ``path_regex`` and ``methods``)."""
    found: list[Any] = []

    def visit(candidates: list[Any]) -> None:
        for route in candidates:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                visit(inner.routes)
            elif hasattr(route, "path_regex") and getattr(route, "methods", None):
                found.append(route)

    visit(app.router.routes)
    return found


def _route_of(scope: Scope) -> tuple[str | None, str | None]:
    """The template and ``orderId`` of the route a request will reach (None when none)."""
    app = scope.get("app")
    if app is None:
        return None, None
    table = getattr(app.state, "fault_routes", None)
    if table is None:
        table = app.state.fault_routes = routes(app)
    for route in table:
        matched = route.path_regex.match(scope["path"])
        if matched and scope["method"] in route.methods:
            return route.path, matched.groupdict().get("orderId")
    return None, None


def fault_answer(apis: Apis, path: str, status: int, fault_id: int) -> Reply:
    phrase = HTTPStatus(status).phrase
    answer = apis.for_path(path).envelope(status, phrase.upper().replace(" ", "_"), phrase)
    return Reply(answer.status, {**answer.headers, "x-orderdesk-fault": str(fault_id)}, answer.body)


async def drop_connection(receive: Receive) -> None:
    """Close the client's connection without an answer (uvicorn's transport), and wait until
    the server has noticed, so that it does not answer in our place."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("injected fault: connection dropped")
    transport.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1):
            while (await receive())["type"] != "http.disconnect":
                pass


class Faults:
    """The middleware applying injected faults (see the module's documentation)."""

    def __init__(self, app: ASGIApp, flag: FaultFlag, apis: Apis) -> None:
        self.app = app
        self.flag = flag
        self.apis = apis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.flag.active or scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        template, order_id = _route_of(scope)
        pool: asyncpg.Pool = scope["app"].state.pool
        async with pool.acquire() as conn:
            fault = await claim(conn, scope["method"], template, order_id)
        if fault is None:
            await self.app(scope, receive, send)
            return
        metrics.FAULTS.labels(fault.action, fault.phase).inc()
        log.info(
            "injected fault %d: %s %s on %s %s",
            fault.id,
            fault.action,
            fault.phase,
            scope["method"],
            scope["path"],
        )
        held: list[Message] = []
        if fault.phase == "after":

            async def hold(message: Message) -> None:
                held.append(message)

            await self.app(scope, receive, hold)
        elif fault.action == "delay":
            await asyncio.sleep(fault.delay_ms / 1000)
            await self.app(scope, receive, send)
            return

        if fault.action == "error":
            assert fault.status is not None
            answer = fault_answer(self.apis, scope["path"], fault.status, fault.id)
            await to_response(answer)(scope, receive, send)
        elif fault.action == "delay":  # after: the real answer, late
            await asyncio.sleep(fault.delay_ms / 1000)
            for message in held:
                await send(message)
        else:  # timeout, drop
            if fault.action == "timeout":
                await asyncio.sleep(fault.delay_ms / 1000)
            await drop_connection(receive)
