"""The request journal (``request_journal``): requests that named an order, written in
batches, read per order, and kept within a row count and an age.

A row has two times: ``at``, the server's (what the journal is pruned by), and ``store_at``,
the same moment on the clock of the order's store — what the order page shows, beside the
order's own times, which are all on that clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

COLUMNS = ("order_id", "method", "path", "status", "idempotency_key", "source", "at", "store_at")
#: A request as noted: ``store_at`` is None when the request did not load its order (refused
#: before), and is then taken from the order's store's clock as the batch is written.
Row = tuple[str, str, str, int, str | None, str, datetime, datetime | None]


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    method: str
    path: str
    status: int
    idempotency_key: str | None
    source: str
    at: datetime  # on the clock of the order's store, as the order's events
    replayed: bool  # an earlier request on this order used the same key


# One statement for the batch, in its order (``seq``); a row without the store's time takes
# it from the store's clock now (a row that names no order: the server's time).
APPEND_SQL = (
    f"INSERT INTO request_journal ({', '.join(COLUMNS)})"
    " SELECT r.order_id, r.method, r.path, r.status, r.idempotency_key, r.source, r.at,"
    " coalesce(r.store_at, r.at + st.clock_offset, r.at)"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],"
    "  $7::timestamptz[], $8::timestamptz[]) WITH ORDINALITY"
    "  AS r(order_id, method, path, status, idempotency_key, source, at, store_at, n)"
    " LEFT JOIN orders o ON o.id = r.order_id LEFT JOIN stores st ON st.id = o.store_id"
    " ORDER BY r.n"
)


async def append(conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
    """Write a batch (one round trip, one statement)."""
    await conn.execute(APPEND_SQL, *([row[i] for row in rows] for i in range(len(COLUMNS))))


async def for_order(conn: asyncpg.Connection, order_id: str, limit: int = 200) -> list[Entry]:
    """The latest ``limit`` requests on an order, oldest first, at their store's time."""
    rows = await conn.fetch(
        "SELECT seq, method, path, status, idempotency_key, source, store_at,"
        " idempotency_key IS NOT NULL AND EXISTS (SELECT 1 FROM request_journal p"
        "  WHERE p.order_id = j.order_id AND p.seq < j.seq"
        "  AND p.idempotency_key = j.idempotency_key) AS replayed"
        " FROM (SELECT * FROM request_journal WHERE order_id = $1"
        "       ORDER BY seq DESC LIMIT $2) AS j ORDER BY seq",
        order_id,
        limit,
    )
    return [Entry(*row) for row in rows]


async def prune(conn: asyncpg.Connection, max_rows: int, max_age_days: int) -> int:
    """Delete what is older than ``max_age_days`` or beyond the newest ``max_rows`` (two
    index range deletes); returns the rows deleted."""
    by_age: str = await conn.execute(
        "DELETE FROM request_journal WHERE at < now() - make_interval(days => $1)", max_age_days
    )
    by_count: str = await conn.execute(
        "DELETE FROM request_journal WHERE seq <= (SELECT max(seq) FROM request_journal) - $1",
        max_rows,
    )
    return int(by_age.split()[-1]) + int(by_count.split()[-1])
