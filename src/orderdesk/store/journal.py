"""The request journal (``request_journal``): requests that named an order, written in
batches, read per order, and kept within a row count and an age."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

COLUMNS = ("order_id", "method", "path", "status", "idempotency_key", "source", "at")
Row = tuple[str, str, str, int, str | None, str, datetime]


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    method: str
    path: str
    status: int
    idempotency_key: str | None
    source: str
    at: datetime
    replayed: bool  # an earlier request on this order used the same key


async def append(conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
    """Write a batch with COPY (one round trip, no per-row statement)."""
    await conn.copy_records_to_table("request_journal", records=rows, columns=COLUMNS)


async def for_order(conn: asyncpg.Connection, order_id: str, limit: int = 200) -> list[Entry]:
    """The latest ``limit`` requests on an order, oldest first."""
    rows = await conn.fetch(
        "SELECT seq, method, path, status, idempotency_key, source, at,"
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
