"""Capturing: Walley's capture (full, by items, by amount, replacing items) and Ledyer's
capture and partial capture. Each answers with the caller's presenter, inside the change's
transaction (see ``unit_of_work.py``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from orderdesk.domain import ledyer, walley
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.order import CaptureMeta, Chunk, Order
from orderdesk.service.replies import Presenter, Reply
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, Parsed, change_order
from orderdesk.service.walley_store import WalleyStore

#: Ledyer's capture command: the lines to capture and the total they must add up to.
LedyerCapture = tuple[list[CaptureLine], int]


async def capture_walley(
    pool: asyncpg.Pool,
    ref: OrderRef,
    request: Parsed[walley.CaptureRequest],
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /manage/orders/{id}/capture``: amounts become minor units in the order's
    currency (a decimal too many is refused), then Walley's capture rules decide."""

    def change(order: Order, now: datetime) -> Chunk:
        return walley.capture(order, request(), now)

    prepare = WalleyStore().prepare
    return await change_order(pool, ref, key, change, presenter, prepare, body=request)


async def capture_ledyer(
    pool: asyncpg.Pool,
    ref: OrderRef,
    command: Parsed[LedyerCapture],
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
    *,
    partial: bool,
) -> Reply:
    """``POST /v1/orders/{id}/partialcapture`` (``partial``) or ``…/capture`` (everything
    left: the lines must match the uncaptured lines)."""
    capture = ledyer.partial_capture if partial else ledyer.capture

    def change(order: Order, now: datetime) -> Chunk:
        lines, total = command()
        return capture(order, lines, total, CaptureMeta(), now)

    return await change_order(pool, ref, key, change, presenter, body=command)
