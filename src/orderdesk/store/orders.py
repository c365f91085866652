"""Reading and writing orders."""

from __future__ import annotations

import asyncpg

from orderdesk.domain.order import Order
from orderdesk.store.codec import order_doc, order_from_doc

_COLUMNS = (
    "id, provider, merchant_id, store_id, currency, authorized, captured, refunded, cancelled,"
    " created_at, expires_at, updated_at, state"
)


def _values(order: Order) -> tuple[object, ...]:
    return (
        order.id,
        order.provider,
        order.merchant_id,
        order.store_id,
        order.currency,
        order.authorized,
        order.captured_amount,
        order.refunded_amount,
        order.cancelled,
        order.created_at,
        order.expires_at,
        order.updated_at,
        order_doc(order),
    )


async def insert(conn: asyncpg.Connection, order: Order) -> int:
    """Store a new order; returns its sequence number."""
    seq: int = await conn.fetchval(
        f"INSERT INTO orders ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
        " RETURNING seq",
        *_values(order),
    )
    return seq


UPDATE_SQL = (
    "UPDATE orders SET authorized=$2, captured=$3, refunded=$4, cancelled=$5,"
    " expires_at=$6, updated_at=$7, state=$8 WHERE id=$1"
)
GET_SQL = "SELECT seq, state FROM orders WHERE id=$1"
LOCK_SQL = GET_SQL + " FOR UPDATE"


def update_args(order: Order) -> tuple[object, ...]:
    """The parameters of ``UPDATE_SQL`` for ``order`` (the state as a document)."""
    return (
        order.id,
        order.authorized,
        order.captured_amount,
        order.refunded_amount,
        order.cancelled,
        order.expires_at,
        order.updated_at,
        order_doc(order),
    )


async def update(conn: asyncpg.Connection, order: Order) -> None:
    await conn.execute(UPDATE_SQL, *update_args(order))


async def get(
    conn: asyncpg.Connection, order_id: str, *, for_update: bool = False
) -> tuple[Order, int] | None:
    """The order and its sequence number, or None. ``for_update`` locks the row."""
    row = await conn.fetchrow(LOCK_SQL if for_update else GET_SQL, order_id)
    if row is None:
        return None
    return order_from_doc(row["state"]), row["seq"]
