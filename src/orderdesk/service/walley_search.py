"""Searching a credential's Walley orders: ``GET /manage/orders``."""

from __future__ import annotations

from dataclasses import replace

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain.order import Order
from orderdesk.store import orders, walley_search
from orderdesk.store.walley_search import OrderQuery


async def search_orders(
    pool: asyncpg.Pool, principal: Principal, query: OrderQuery
) -> list[tuple[Order, int]]:
    """One page of the orders of the credential's stores that match, newest first."""
    allowed = [store for store in query.store_ids if principal.may_use(store)]
    async with pool.acquire() as conn:
        page = await walley_search.order_ids(conn, replace(query, store_ids=allowed))
        found = [await orders.get(conn, order_id) for order_id in page]
    return [(loaded.order, loaded.seq) for loaded in found if loaded is not None]
