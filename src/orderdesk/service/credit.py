"""Refunding (crediting) what was captured: Walley ``POST /manage/orders/{id}/refund``."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import walley
from orderdesk.domain.order import Chunk, Order
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order
from orderdesk.service.walley_store import WalleyStore


async def refund_walley(
    pool: asyncpg.Pool,
    ref: OrderRef,
    request: walley.RefundRequest,
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """A full refund, by items (with fees) or by amount; the credit chunk is the result."""

    def change(order: Order, now: datetime) -> Chunk:
        return walley.refund(order, request, now)

    return await change_order(pool, ref, key, change, presenter, WalleyStore().prepare)
