"""Editing an order: its uncaptured lines (Ledyer edit order), its customer, its expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from orderdesk.domain import ledyer, walley
from orderdesk.domain.order import Order, Provider
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order
from orderdesk.service.walley_store import WalleyStore


async def edit_order(
    pool: asyncpg.Pool,
    ref: OrderRef,
    request: ledyer.EditOrder,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}``: new uncaptured lines; the order may shrink, never grow."""

    def change(order: Order, now: datetime) -> None:
        ledyer.edit(order, request, now)

    return await change_order(pool, ref, key, change, presenter)


async def edit_customer(
    pool: asyncpg.Pool,
    ref: OrderRef,
    changes: dict[str, Any],
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/customer``: the fields sent replace the stored ones."""

    def change(order: Order, now: datetime) -> None:
        ledyer.edit_customer(order, changes, now)

    return await change_order(pool, ref, key, change, presenter)


async def extend_expiry(
    pool: asyncpg.Pool, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[datetime]
) -> Reply:
    """Walley ``/extend`` or Ledyer ``/extendexpiry``: 14 more days, each by its own rules."""
    if ref.provider == Provider.WALLEY:
        return await change_order(pool, ref, key, walley.extend, presenter, WalleyStore().prepare)
    return await change_order(pool, ref, key, ledyer.extend, presenter)
