"""The ledger invariants of one order, read straight from PostgreSQL."""

from __future__ import annotations

import asyncpg
import orjson

from orderdesk.domain.order import Order
from orderdesk.store.codec import order_from_doc

CAPTURE_EVENTS = ("partialCapture", "fullCapture")


async def checked_order(database_url: str, order_id: str) -> Order:
    """The stored order, after checking that its ledger adds up to the minor unit.

    captured + uncaptured + cancelled = authorised; the captured column, the captured
    chunks and the capture events agree; no amount is negative.
    """
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT authorized, captured, refunded, cancelled, state::text FROM orders"
            " WHERE id = $1",
            order_id,
        )
    finally:
        await conn.close()
    assert row is not None, order_id
    order = order_from_doc(orjson.loads(row["state"]))
    assert (row["authorized"], row["captured"], row["cancelled"]) == (
        order.authorized,
        order.captured_amount,
        order.cancelled,
    )
    captured_events = sum(e.amount for e in order.events if e.type in CAPTURE_EVENTS)
    assert captured_events == order.captured_amount == sum(c.total for c in order.captured)
    assert order.captured_amount + order.remaining + order.cancelled == order.authorized
    assert min(order.captured_amount, order.remaining, order.cancelled, row["refunded"]) >= 0
    return order
