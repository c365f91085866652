"""The background job that forgets idempotency keys once they are older than the TTL.

Every server process runs it; an advisory lock lets one purge at a time and the others skip
their round, and a purge is harmless even when two do overlap (a row is deleted once).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from orderdesk.store import db, idempotency

log = logging.getLogger("orderdesk.purge")

BATCH = 5000


async def purge_expired(pool: asyncpg.Pool, ttl: timedelta) -> int:
    """Delete every key older than ``ttl``, a batch per transaction; returns how many.

    0 when another process holds the purge lock (it is doing the same work).
    """
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            deleted = await idempotency.purge(conn, ttl, BATCH)
        if deleted is None:
            return total
        total += deleted
        if deleted < BATCH:
            return total


async def purge_periodically(pool: asyncpg.Pool, ttl: timedelta, every: float) -> None:
    """Purge now and then every ``every`` seconds, until cancelled; a failed round is logged."""
    while True:
        try:
            deleted = await purge_expired(pool, ttl)
        except Exception as exc:  # the loop must outlive a database hiccup
            await db.turn_failed(pool, exc, log, "purging idempotency keys")
        else:
            if deleted:
                log.info("purged %d idempotency keys older than %s", deleted, ttl)
        await asyncio.sleep(every)
