"""Finding orders: a page of the orders a credential may see (Ledyer ``GET /v1/orders``)."""

from __future__ import annotations

import asyncpg

from orderdesk.store import order_search
from orderdesk.store.order_search import OrderQuery, Page


async def list_orders(pool: asyncpg.Pool, query: OrderQuery) -> Page:
    """``query.store_ids`` scopes it: the route passes the caller's stores only."""
    async with pool.acquire() as conn:
        return await order_search.search(conn, query)
