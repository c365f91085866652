"""Reading orders."""

from __future__ import annotations

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain.order import Order
from orderdesk.service.transaction import load_order


async def get_order(
    pool: asyncpg.Pool, principal: Principal, order_id: str, provider: str
) -> tuple[Order, int]:
    async with pool.acquire() as conn:
        return await load_order(conn, principal, order_id, provider)
