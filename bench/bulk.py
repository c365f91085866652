"""Filling a database with many orders at SQL speed (a million through HTTP would take hours).

Each filler order is a copy of a real, captured order's row — the same columns and ``state``
document — under a new random UUID, with a copy of that order's stored idempotency record
pointing at it, so both tables grow as they would in use.
"""

from __future__ import annotations

import asyncpg

_COPY = """
WITH template AS (SELECT * FROM orders WHERE id = $1),
     record AS (SELECT * FROM idempotency_keys WHERE order_id = $1 LIMIT 1),
     copies AS (
        INSERT INTO orders (id, provider, merchant_id, store_id, currency, authorized, captured,
                            refunded, cancelled, created_at, expires_at, updated_at, state)
        SELECT gen_random_uuid()::text, provider, merchant_id, store_id, currency, authorized,
               captured, refunded, cancelled, created_at, expires_at, updated_at, state
        FROM template, generate_series(1, $2)
        RETURNING id)
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
    await conn.execute("VACUUM ANALYZE orders")
    await conn.execute("VACUUM ANALYZE idempotency_keys")
    return total
