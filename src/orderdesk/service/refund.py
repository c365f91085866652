"""Refunding: Ledyer's refund and partial refund of one captured chunk (a credit note each)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import ledyer
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.order import Chunk, Order
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, change_order


async def refund_ledyer(
    pool: asyncpg.Pool,
    ref: OrderRef,
    ledger_id: str,
    note: str,
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /v1/orders/{id}/refund/{ledgerId}``: credit every line of the captured chunk."""

    def change(order: Order, now: datetime) -> Chunk:
        return ledyer.refund(order, ledger_id, note, now)

    return await change_order(pool, ref, key, change, presenter)


async def partial_refund_ledyer(
    pool: asyncpg.Pool,
    ref: OrderRef,
    ledger_id: str,
    lines: list[CaptureLine],
    total: int,
    note: str,
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /v1/orders/{id}/partialrefund/{ledgerId}``: credit the lines sent."""

    def change(order: Order, now: datetime) -> Chunk:
        return ledyer.partial_refund(order, ledger_id, lines, total, note, now)

    return await change_order(pool, ref, key, change, presenter)
