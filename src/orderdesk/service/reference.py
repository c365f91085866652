"""What a merchant tells Ledyer about an order: its reference, that it has the order
(acknowledge), and a new payment method."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import ledyer
from orderdesk.domain.order import Order
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order


async def set_reference(
    pool: asyncpg.Pool,
    ref: OrderRef,
    reference: str,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/reference``: the merchant reference (≤ 50 characters)."""

    def change(order: Order, now: datetime) -> None:
        ledyer.set_reference(order, reference, now)

    return await change_order(pool, ref, key, change, presenter)


async def acknowledge(
    pool: asyncpg.Pool, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[bool]
) -> Reply:
    """``POST /v1/orders/{id}/acknowledge``: repeatable; the result says whether it changed."""
    return await change_order(pool, ref, key, ledyer.acknowledge, presenter)


async def edit_payment_method(
    pool: asyncpg.Pool,
    ref: OrderRef,
    provider: str,
    type_: str,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/paymentmethod``: service invoice → advance invoice."""

    def change(order: Order, now: datetime) -> None:
        ledyer.edit_payment_method(order, provider, type_, now)

    return await change_order(pool, ref, key, change, presenter)
