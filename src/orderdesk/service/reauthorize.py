"""Reauthorizing: Walley ``POST /manage/orders/{id}/reauthorize`` and its status resource."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import walley
from orderdesk.domain.order import Order, Reauthorization
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order, load_order
from orderdesk.service.walley_store import WalleyStore, check_manageable, settle_if_due
from orderdesk.store import settings as store_settings


async def reauthorize_walley(
    pool: asyncpg.Pool,
    ref: OrderRef,
    request: walley.ReauthorizeRequest,
    key: IdempotencyKey | None,
    presenter: Presenter[Reauthorization | None],
) -> Reply:
    """Replace what is not captured; a raise goes through the store's credit check and its
    :class:`Reauthorization` is the result (None: applied at once, no check needed)."""
    store = WalleyStore()

    def change(order: Order, now: datetime) -> Reauthorization | None:
        return walley.reauthorize(order, request, store.credit_check, now)

    return await change_order(pool, ref, key, change, presenter, store.prepare)


async def reauthorization(
    pool: asyncpg.Pool, ref: OrderRef, reauthorization_id: str, now: datetime
) -> Reauthorization:
    """A raise's state; one whose credit check is due is decided first."""
    loaded = await settle_if_due(pool, ref, now)
    async with pool.acquire() as conn:
        if loaded is None:
            loaded = await load_order(conn, ref)
        check_manageable(loaded.order, await store_settings.get(conn, loaded.order.store_id), now)
    return walley.find_reauthorization(loaded.order, reauthorization_id)
