"""Cancelling what is not captured (Walley ``/cancel``, Ledyer ``DELETE /v1/orders/{id}``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import ledyer, walley
from orderdesk.domain.order import Order
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order
from orderdesk.service.walley_store import WalleyStore


async def cancel_walley(
    pool: asyncpg.Pool,
    ref: OrderRef,
    action_reference: str | None,
    key: IdempotencyKey | None,
    presenter: Presenter[int],
) -> Reply:
    """Release everything not captured; the amount released is the result."""

    def change(order: Order, now: datetime) -> int:
        return walley.cancel(order, now, action_reference)

    return await change_order(pool, ref, key, change, presenter, WalleyStore().prepare)


async def cancel_ledyer(
    pool: asyncpg.Pool, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[int]
) -> Reply:
    """Remove every uncaptured line; captured chunks stay."""
    return await change_order(pool, ref, key, ledyer.cancel, presenter)


async def cancel_sub_order(
    pool: asyncpg.Pool,
    ref: OrderRef,
    ledger_id: str,
    key: IdempotencyKey | None,
    presenter: Presenter[int],
) -> Reply:
    """``DELETE /v1/orders/{id}/{ledgerId}``: cancel the uncaptured sub-order."""

    def change(order: Order, now: datetime) -> int:
        return ledyer.cancel_sub_order(order, ledger_id, now)

    return await change_order(pool, ref, key, change, presenter)
