"""``orderdesk check``: every order recomputed from its ledger rows, its events and its lines,
and held against what the ``orders`` row says.

The ledger is the truth (``store/orders.py`` derives the row's amounts from the rows a change
appends, in the same statement); this reads it all back, order by order, and names each
amount that disagrees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from orderdesk.domain.order import EventType, LedgerKind

_CAPTURES = f"('{EventType.PARTIAL_CAPTURE}', '{EventType.FULL_CAPTURE}')"
_REFUNDS = f"('{EventType.PARTIAL_REFUND}', '{EventType.FULL_REFUND}')"


def _sum(table: str, column: str, value: str) -> str:
    return f"coalesce(sum({table}.amount) FILTER (WHERE {table}.{column} = '{value}'), 0)"


#: Per order: the row's amounts, and the same amounts as the ledger, the events and the
#: lines of the captured and refunded chunks have them.
CHECK_SQL = f"""
SELECT o.id, o.seq, o.authorized, o.captured, o.refunded, o.cancelled,
       coalesce(l.captured, 0) AS ledger_captured, coalesce(l.refunded, 0) AS ledger_refunded,
       coalesce(l.raised, 0) AS ledger_raised, coalesce(l.released, 0) AS ledger_released,
       coalesce(l.foreign_rows, 0) AS ledger_foreign_rows,
       coalesce(e.created, 0) AS event_created, coalesce(e.captured, 0) AS event_captured,
       coalesce(e.refunded, 0) AS event_refunded, coalesce(e.cancelled, 0) AS event_cancelled,
       coalesce(c.captured, 0) AS lines_captured, coalesce(c.refunded, 0) AS lines_refunded
FROM orders o
LEFT JOIN LATERAL (
    SELECT {_sum("g", "kind", LedgerKind.CAPTURE)} AS captured,
           {_sum("g", "kind", LedgerKind.REFUND)} AS refunded,
           {_sum("g", "kind", LedgerKind.REAUTHORIZE)} AS raised,
           {_sum("g", "kind", LedgerKind.RELEASE)} AS released,
           count(*) FILTER (WHERE g.store_id <> o.store_id OR g.merchant_id <> o.merchant_id
                            OR g.currency <> o.currency) AS foreign_rows
    FROM ledger g WHERE g.order_id = o.id) AS l ON true
LEFT JOIN LATERAL (
    SELECT {_sum("v", "type", EventType.CREATE)} AS created,
           coalesce(sum(v.amount) FILTER (WHERE v.type IN {_CAPTURES}), 0) AS captured,
           coalesce(sum(v.amount) FILTER (WHERE v.type IN {_REFUNDS}), 0) AS refunded,
           {_sum("v", "type", EventType.CANCEL)} AS cancelled
    FROM order_events v WHERE v.order_id = o.id) AS e ON true
LEFT JOIN LATERAL (
    SELECT coalesce(sum(x.total_amount) FILTER (WHERE g.kind = '{LedgerKind.CAPTURE}'), 0)
               AS captured,
           coalesce(sum(x.total_amount) FILTER (WHERE g.kind = '{LedgerKind.REFUND}'), 0)
               AS refunded
    FROM order_lines x JOIN ledger g ON g.order_id = x.order_id AND g.ledger_id = x.chunk
    WHERE x.order_id = o.id AND g.kind IN ('{LedgerKind.CAPTURE}', '{LedgerKind.REFUND}')
) AS c ON true
WHERE ($1::text IS NULL OR o.store_id = $1) AND o.seq > $2
ORDER BY o.seq LIMIT $3
"""


@dataclass(frozen=True, slots=True)
class Difference:
    order_id: str
    what: str  # the amount that disagrees, and with what
    stored: int
    derived: int

    def __str__(self) -> str:
        return f"order {self.order_id}: {self.what}: {self.stored} stored, {self.derived} derived"


def differences(row: asyncpg.Record) -> list[Difference]:
    """What of one order's row disagrees with its ledger, events and lines."""
    authorised = (
        row["event_created"]
        + row["ledger_raised"]
        - row["ledger_released"]
        + row["event_cancelled"]
    )
    checks = (
        ("captured, by the ledger's capture rows", row["captured"], row["ledger_captured"]),
        ("captured, by the capture events", row["captured"], row["event_captured"]),
        ("captured, by the captured chunks' lines", row["captured"], row["lines_captured"]),
        ("refunded, by the ledger's refund rows", row["refunded"], row["ledger_refunded"]),
        ("refunded, by the refund events", row["refunded"], row["event_refunded"]),
        ("refunded, by the credits' lines", row["refunded"], row["lines_refunded"]),
        ("cancelled, by the cancel events", row["cancelled"], row["event_cancelled"]),
        ("authorised, by its creation and the ledger's rows", row["authorized"], authorised),
        ("ledger rows of another store, merchant or currency", 0, row["ledger_foreign_rows"]),
    )
    return [
        Difference(row["id"], what, int(stored), int(derived))
        for what, stored, derived in checks
        if stored != derived
    ]


async def check_orders(
    conn: asyncpg.Connection, store_id: str | None = None, batch: int = 1000
) -> AsyncIterator[tuple[int, list[Difference]]]:
    """(orders checked, their differences), a batch at a time, oldest orders first."""
    after = 0
    while True:
        rows = await conn.fetch(CHECK_SQL, store_id, after, batch)
        if not rows:
            return
        found = [difference for row in rows for difference in differences(row)]
        yield len(rows), found
        after = rows[-1]["seq"]
