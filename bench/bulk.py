"""Filling a database with many orders at SQL speed (a million through HTTP would take hours).

Each filler order is a copy of a real, captured order — its row, its lines, events and ledger
rows — under a new random UUID, with a copy of that order's stored idempotency record pointing
at it, so every table grows as it would in use.
"""

from __future__ import annotations

import asyncpg

_COPY = """
WITH template AS (SELECT * FROM orders WHERE id = $1),
     record AS (SELECT * FROM idempotency_keys WHERE order_id = $1 LIMIT 1),
     copies AS (
        INSERT INTO orders (id, provider, merchant_id, store_id, currency, authorized, captured,
                            refunded, cancelled, created_at, expires_at, updated_at, state,
                            merchant_reference, order_reference, status)
        SELECT gen_random_uuid()::text, provider, merchant_id, store_id, currency, authorized,
               captured, refunded, cancelled, created_at, expires_at, updated_at, state,
               merchant_reference, order_reference, status
        FROM template, generate_series(1, $2)
        RETURNING id),
     lines AS (
        INSERT INTO order_lines
        SELECT copies.id, l.id, l.chunk, l.position, l.reference, l.description, l.type,
               l.quantity, l.unit_price, l.unit_discount, l.total_amount, l.vat, l.total_vat
        FROM copies, order_lines l WHERE l.order_id = $1),
     events AS (
        INSERT INTO order_events (order_id, id, type, amount, ledger_id, created_at)
        SELECT copies.id, 'oe_' || md5(copies.id || e.id), e.type, e.amount, e.ledger_id,
               e.created_at
        FROM copies, order_events e WHERE e.order_id = $1),
     entries AS (
        INSERT INTO ledger (order_id, store_id, merchant_id, kind, amount, currency, ledger_id,
                            action_reference, created_at)
        SELECT copies.id, g.store_id, g.merchant_id, g.kind, g.amount, g.currency, g.ledger_id,
               g.action_reference, g.created_at
        FROM copies, ledger g WHERE g.order_id = $1)
INSERT INTO idempotency_keys (client_id, key, fingerprint, order_id, status_code, headers, body)
SELECT record.client_id, gen_random_uuid()::text, record.fingerprint, copies.id,
       record.status_code, record.headers, record.body
FROM copies, record
"""

BATCH = 100_000


async def count_orders(conn: asyncpg.Connection) -> int:
    total: int = await conn.fetchval("SELECT count(*) FROM orders")
    return total


async def fill(conn: asyncpg.Connection, template_id: str, up_to: int) -> int:
    """Copy ``template_id`` (a captured order) until the table holds ``up_to`` orders."""
    total = await count_orders(conn)
    while total < up_to:
        batch = min(BATCH, up_to - total)
        await conn.execute(_COPY, template_id, batch)
        total += batch
    for table in ("orders", "order_lines", "order_events", "ledger", "idempotency_keys"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    return total
