"""Expiry and the stores' test clocks.

An order whose ``expiresAt`` passes on its store's clock gets an ``expire`` event (and so the
provider's notification of it); nothing is released, and an extend authorises it again, as
the providers document. Every server
process (and ``orderdesk worker``) sweeps every ``ORDERDESK_EXPIRY_SWEEP_SECONDS``; moving a
store's clock sweeps that store at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from orderdesk.service import unit_of_work, wakeup
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import outbox
from orderdesk.store.outbox import StoreSettings

log = logging.getLogger("orderdesk.expiry")

CANDIDATES_SQL = (
    "SELECT o.id FROM orders o JOIN stores st ON st.id = o.store_id"
    " WHERE o.authorized > o.captured + o.cancelled"
    " AND o.expires_at <= now() + (SELECT max(clock_offset) FROM stores)"
    " AND o.expires_at <= now() + st.clock_offset"
    " AND ($1::text IS NULL OR o.store_id = $1)"
    " AND NOT (o.state -> 'closed') = 'true'::jsonb"
    " AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
    "  AND e.type = 'expire' AND e.created_at >= o.expires_at)"
    " ORDER BY o.expires_at LIMIT $2"
)


async def expire_order(uow: UnitOfWork, order_id: str) -> bool:
    """Record the order's expiry if it has expired and it is not recorded yet."""
    async with uow.pool.acquire() as conn:
        async with conn.transaction():
            found = await uow.rows.get(conn, order_id, for_update=True)
            if found is None:
                return False
            unit_of_work.clock.set(found.clock)
            if not found.order.record_expiry(unit_of_work.utcnow()):
                return False
            await uow.write(conn, found)
        wakeup.after_commit()
    log.info("order %s: expire %d %s", order_id, found.order.remaining, found.order.currency)
    return True


async def sweep(uow: UnitOfWork, store_id: str | None = None, batch: int = 500) -> int:
    """Expire every order whose expiry has passed (of one store, or all); returns how many."""
    total = 0
    while True:
        async with uow.pool.acquire() as conn:
            found = [row["id"] for row in await conn.fetch(CANDIDATES_SQL, store_id, batch)]
        expired = 0
        for order_id in found:
            expired += await expire_order(uow, order_id)
        total += expired
        if len(found) < batch or not expired:
            return total


async def sweep_periodically(uow: UnitOfWork, every: float) -> None:
    while True:
        try:
            await sweep(uow)
        except (asyncpg.PostgresError, OSError):
            log.exception("expiring orders failed; next try in %.1f s", every)
        await asyncio.sleep(every)


async def advance_clock(uow: UnitOfWork, store_id: str, by: timedelta) -> StoreSettings | None:
    """Move a store's clock ``by`` forward; expire what that made expire and wake the
    deliveries that became due. None when there is no such store."""
    async with uow.pool.acquire() as conn:
        moved = await outbox.advance_clock(conn, store_id, by)
    if moved is None:
        return None
    await sweep(uow, store_id)
    wakeup.poke()
    return moved
