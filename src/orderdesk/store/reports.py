"""Sums for the back-office dashboard: money per day per store from ``ledger``, orders per
status from ``orders`` — each read through an index. A store's days are the days of its clock
(UTC), as its ledger's times are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class DayAmount:
    store_id: str
    currency: str
    day: date
    kind: str  # capture | refund
    amount: int


async def per_day(conn: asyncpg.Connection, days: int) -> list[DayAmount]:
    """Captured and refunded minor units per store and day over each store's last ``days``
    days, today included (on its clock); one range scan of ``ledger_store_created`` per
    store."""
    rows = await conn.fetch(
        "SELECT s.id, s.currency, d.day, d.kind, d.amount FROM stores s"
        " CROSS JOIN LATERAL (SELECT (l.created_at AT TIME ZONE 'UTC')::date AS day, l.kind,"
        "  sum(l.amount)::bigint AS amount FROM ledger l"
        "  WHERE l.store_id = s.id AND l.kind IN ('capture', 'refund') AND l.created_at >="
        "   (date_trunc('day', (now() + s.clock_offset) AT TIME ZONE 'UTC')"
        "    - make_interval(days => $1 - 1)) AT TIME ZONE 'UTC'"
        "  GROUP BY 1, 2) AS d ORDER BY s.id, d.day, d.kind",
        days,
    )
    return [DayAmount(*row) for row in rows]


async def status_counts(conn: asyncpg.Connection) -> list[tuple[str, str, int]]:
    """(provider, status, orders) per store's provider and status."""
    rows = await conn.fetch(
        "SELECT s.provider, c.status, sum(c.n)::bigint FROM stores s"
        " CROSS JOIN LATERAL (SELECT status, count(*) AS n FROM orders"
        "  WHERE store_id = s.id GROUP BY status) AS c"
        " GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [(row[0], row[1], row[2]) for row in rows]


@dataclass(frozen=True, slots=True)
class Movement:
    kind: str
    amount: int
    ledger_id: str
    action_reference: str | None
    created_at: datetime


async def movements(conn: asyncpg.Connection, order_id: str) -> list[Movement]:
    """The ``ledger`` rows of one order, in order."""
    rows = await conn.fetch(
        "SELECT kind, amount, ledger_id, action_reference, created_at FROM ledger"
        " WHERE order_id = $1 ORDER BY seq",
        order_id,
    )
    return [Movement(*row) for row in rows]
