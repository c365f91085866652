"""Where a read goes: a replica (``ORDERDESK_READ_DATABASE_URL``) when one is configured and
no more than ``ORDERDESK_READ_MAX_LAG_SECONDS`` behind, else the primary.

Each read on the replica first asks it how far behind it is (one short statement on the
same connection); beyond the bound, or when the replica does not answer, the primary
answers instead. A reader that must see a write of its own says so (``fresh``, or Walley's
``correlationId``: looked for on the replica, then on the primary), so a client always reads
its own writes. A read that finds nothing on the replica asks the primary (``fetch``): a row
made a moment ago may not be there yet, and "no such order" would be wrong where an older
copy is only late. The order pages of the back-office, the sandbox and every write use the
primary.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from orderdesk.ops import metrics
from orderdesk.store import db, replica

log = logging.getLogger("orderdesk.reads")

T = TypeVar("T")


class Reads:
    """``acquire()`` a connection for a read, as from a pool."""

    def __init__(
        self, primary: asyncpg.Pool, replica_pool: asyncpg.Pool | None = None, max_lag: float = 1.0
    ) -> None:
        self.primary = primary
        self.replica = replica_pool
        self.max_lag = max_lag

    @asynccontextmanager
    async def acquire(self, *, fresh: bool = False) -> AsyncIterator[asyncpg.Connection]:
        """A connection to the replica when it is close enough behind, else to the primary
        (always with ``fresh``)."""
        async with self._acquire(fresh) as (conn, _):
            yield conn

    async def fetch(
        self, read: Callable[[asyncpg.Connection], Awaitable[T | None]], *, fresh: bool = False
    ) -> T | None:
        """``read`` where ``acquire`` sends it; when it finds nothing on the replica, again
        on the primary."""
        async with self._acquire(fresh) as (conn, on_replica):
            found = await read(conn)
        if found is None and on_replica:
            async with self._acquire(True) as (conn, _):
                found = await read(conn)
        return found

    @asynccontextmanager
    async def _acquire(self, fresh: bool) -> AsyncIterator[tuple[asyncpg.Connection, bool]]:
        """A connection, and whether it is the replica's."""
        if self.replica is not None and not fresh:
            conn = await self._close_replica(self.replica)
            if conn is not None:
                metrics.read_on("replica")
                try:
                    yield conn, True
                finally:
                    await self.replica.release(conn)
                return
        metrics.read_on("primary")
        async with self.primary.acquire() as conn:
            yield conn, False

    async def _close_replica(self, pool: asyncpg.Pool) -> asyncpg.Connection | None:
        """A connection to the replica if it answers and is within the bound, else None."""
        conn: asyncpg.Connection | None = None
        try:
            conn = await pool.acquire()
            behind = await replica.lag(conn)
        except db.UNAVAILABLE as exc:
            if not db.lost(exc):
                raise
            log.warning("read replica unavailable, reading on the primary: %s", db.reason(exc))
            await db.replace_connections(pool)
            behind = float("inf")
        metrics.replica_lag(behind)
        if behind <= self.max_lag:
            return conn
        if conn is not None:
            await pool.release(conn)
        return None
