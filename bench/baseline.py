"""The raw-PostgreSQL baseline: a capture's database work with asyncpg, no HTTP, no framework.

Each capture is one transaction on its own connection: lock the order row (reading its state,
lines and events), write the captured order — its row, the lines that moved, the new event and
ledger row, in one statement — and insert the idempotency record. Every parameter is computed
before timing starts, with orderdesk's own parsing and domain code on the very request bodies
sent over HTTP, so the database receives the same statements and the same bytes orderdesk
sends it.

``exact=True`` runs orderdesk's own SQL instead, as a capture without a race runs it: the
statement that reads the key (its advisory lock and stored answer) and the order, then the
one that writes the order and the answer — each on its own, no transaction around them
(``service/unit_of_work.py``): orderdesk's SQL, minus Python and HTTP. The statements are
orderdesk's own (imported from ``orderdesk.store``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.captures import Captures
from bench.load import Cell, Pids, measure
from orderdesk.domain.order import CaptureMeta, Chunk, Order
from orderdesk.providers.klarna import rules as klarna
from orderdesk.providers.klarna import views as klarna_views
from orderdesk.providers.klarna import wire as klarna_wire
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer import wire as ledyer_wire
from orderdesk.providers.registry import PROVIDERS
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley import wire as walley_wire
from orderdesk.store import orders
from orderdesk.store.db import init_connection
from orderdesk.store.idempotency import SAVE_SQL
from orderdesk.store.orders import LOCK_SQL, PEEK_SQL, SAVE_WITH_REPLY_SQL
from orderdesk.store.orders import SAVE_SQL as SAVE_ORDER_SQL
from orderdesk.web.bodies import parse


@dataclass(frozen=True, slots=True)
class Prepared:
    order_id: str
    update: tuple[Any, ...]
    key: tuple[Any, ...]


def _apply(dialect: str, order: Order, body: bytes, now: datetime) -> Chunk:
    """What the capture use case does to the order (each provider's ``actions.capture``) at
    ``now`` (on the store's clock)."""
    if dialect == "walley":
        return walley.capture(order, walley_wire.capture_request(walley_wire.parse_body(body)), now)
    if dialect == "klarna":
        sent = parse(klarna_wire.CaptureBody, body)
        wanted = None if sent.order_lines is None else [x.command() for x in sent.order_lines]
        request = klarna.CaptureRequest(sent.captured_amount, wanted, sent.description)
        return klarna.capture(order, request, now)
    parsed = parse(ledyer_wire.CaptureBody, body)
    lines = [line.command() for line in parsed.orderLines]
    return ledyer.partial_capture(order, lines, parsed.totalCaptureAmount, CaptureMeta(), now)


def _reply_head(dialect: str, order: Order, chunk: Chunk) -> tuple[int, dict[str, str]]:
    """The status and headers orderdesk stores with the capture's answer."""
    if dialect == "walley":
        return 202, {"location": f"/manage/orders/{order.id}"}
    if dialect == "klarna":
        reply = klarna_views.Created("captures", "Capture-Id").present(order, 0, chunk)
        return reply.status, reply.headers
    return 200, {"content-type": "application/json"}


async def prepare(
    conn: asyncpg.Connection, client_id: str, work: Captures, stored_body: bytes
) -> list[Prepared]:
    """Parameters for each capture of ``work``; ``stored_body`` is a real answer's body."""
    await init_connection(conn)
    prepared = []
    for order_id, job in zip(work.order_ids, work.jobs, strict=True):
        loaded = await orders.get(conn, order_id)
        assert loaded is not None, order_id
        order = loaded.order
        body = job.raw.split(b"\r\n\r\n", 1)[1]
        chunk = _apply(work.dialect, order, body, datetime.now(UTC) + loaded.clock)
        status, headers = _reply_head(work.dialect, order, chunk)
        dialect = PROVIDERS[order.provider]
        written = orders.Written(
            dialect.status_word(order, order.updated_at), dialect.notifier.render
        )
        update = orders.save_args(loaded, written)
        key = str(uuid.uuid4())
        fingerprint = hashlib.sha256(key.encode()).digest()
        record = (client_id, key, fingerprint, order_id, status, headers, stored_body)
        prepared.append(Prepared(order_id, update, record))
    return prepared


async def run(
    dsn: str,
    captures: Sequence[Prepared],
    concurrency: int,
    *,
    exact: bool,
    pids: Pids,
) -> Cell:
    """Run the prepared captures from ``concurrency`` connections, one transaction each."""
    connections = [await asyncpg.connect(dsn) for _ in range(concurrency)]
    try:
        statements = []
        for conn in connections:
            await init_connection(conn)  # jsonb in binary, as orderdesk's pool sends it
            names = (LOCK_SQL, SAVE_ORDER_SQL, SAVE_SQL, PEEK_SQL, SAVE_WITH_REPLY_SQL)
            statements.append([await conn.prepare(sql) for sql in names])

        async def send(client: int, index: int) -> str | None:
            lock_order, update_order, save_key, peek, save_all = statements[client]
            capture = captures[index]
            client_id, key, fingerprint, order_id, status, headers, body = capture.key
            if exact:
                if (await peek.fetchrow(client_id, key, order_id))["seq"] is None:
                    return f"order {order_id} is missing"
                reply = (client_id, key, fingerprint, status, headers, body)
                written = await save_all.fetchval(*capture.update, *reply)
            else:
                async with connections[client].transaction():
                    if await lock_order.fetchrow(order_id) is None:
                        return f"order {order_id} is missing"
                    written = await update_order.fetchval(*capture.update)
                    await save_key.fetch(*capture.key)
            return None if written == 1 else f"order {order_id} was not written"

        return await measure(concurrency, len(captures), send, pids)
    finally:
        for conn in connections:
            await conn.close()
