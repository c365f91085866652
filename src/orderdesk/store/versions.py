"""Earlier versions of orders, kept for stores whose reads lag behind writes (sandbox)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain.order import Order
from orderdesk.store.codec import event_doc, line_rows, order_from_rows, state_doc


async def keep(conn: asyncpg.Connection, order: Order, written_at: datetime) -> None:
    """Keep ``order`` as it is (before a write at ``written_at``)."""
    await conn.execute(
        "INSERT INTO order_versions (order_id, written_at, state, lines, events)"
        " VALUES ($1, $2, $3, $4, $5)",
        order.id,
        written_at,
        state_doc(order),
        [list(row) for row in line_rows(order)],
        [list(event_doc(event).values()) for event in order.events],
    )


async def as_of(conn: asyncpg.Connection, order_id: str, moment: datetime) -> Order | None:
    """The order as it was at ``moment``: the version a write after ``moment`` replaced, or
    None when no write has happened since (the order as it is now is that version)."""
    row = await conn.fetchrow(
        "SELECT state, lines, events FROM order_versions"
        " WHERE order_id = $1 AND written_at > $2 ORDER BY written_at, seq LIMIT 1",
        order_id,
        moment,
    )
    if row is None:
        return None
    return order_from_rows(row["state"], [tuple(r) for r in row["lines"]], row["events"])
