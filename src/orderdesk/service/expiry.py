"""Expiry: an order whose ``expiresAt`` passes on its store's clock gets an ``expire`` event,
at the moment it expired (and so the provider's notification of it); nothing is released, and
an extend authorises it again, as the providers document.

Every server process (and ``orderdesk worker``) sweeps every ``ORDERDESK_EXPIRY_SWEEP_SECONDS``;
a store whose clock is advancing is left to the advance, which expires its orders in time
order (``service/clock.py``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from orderdesk.domain.clock import clock, utcnow
from orderdesk.service import wakeup
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import db
from orderdesk.store.clocks import EXPIRABLE

log = logging.getLogger("orderdesk.expiry")

CANDIDATES_SQL = (
    "SELECT o.id FROM orders o JOIN stores st ON st.id = o.store_id"
    " WHERE o.expires_at <= now() + (SELECT max(clock_offset) FROM stores)"
    " AND o.expires_at <= now() + st.clock_offset"
    f" AND st.clock_advancing_since IS NULL AND {EXPIRABLE}"
    " ORDER BY o.expires_at LIMIT $1"
)


async def expire_order(uow: UnitOfWork, order_id: str) -> datetime | None:
    """Record the order's expiry if it has expired and it is not recorded yet; the moment of
    the expiry recorded, or None."""
    async with uow.pool.acquire() as conn:
        async with conn.transaction():
            found = await uow.rows.get(conn, order_id, for_update=True)
            if found is None:
                return None
            clock.set(found.clock)
            if not found.order.record_expiry(utcnow()):
                return None
            await uow.write(conn, found)
        wakeup.after_commit()
    log.info("order %s: expire %d %s", order_id, found.order.remaining, found.order.currency)
    return found.order.events[-1].created_at


async def sweep(uow: UnitOfWork, batch: int = 500) -> int:
    """Expire every order whose expiry has passed; returns how many."""
    total = 0
    while True:
        async with uow.pool.acquire() as conn:
            found = [row["id"] for row in await conn.fetch(CANDIDATES_SQL, batch)]
        expired = 0
        for order_id in found:
            expired += await expire_order(uow, order_id) is not None
        total += expired
        if len(found) < batch or not expired:
            return total


async def sweep_periodically(uow: UnitOfWork, every: float) -> None:
    while True:
        try:
            await sweep(uow)
        except db.LOOP_ERRORS as exc:
            await db.turn_failed(uow.pool, exc, log, "expiring orders")
        await asyncio.sleep(every)
