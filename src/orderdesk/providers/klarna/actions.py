"""What a shop can do to a Klarna order: capture, refund, cancel, release the rest, update
the authorization, extend it, change customer details and merchant references, add shipping
info, extend a capture's due date, acknowledge. Each answers with the caller's presenter,
inside the change's unit of work (``service/unit_of_work.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from orderdesk.domain.order import Chunk, Order
from orderdesk.providers.klarna import rules
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act, Parsed
from orderdesk.store import settings as store_settings
from orderdesk.store.orders import Loaded
from orderdesk.web.answers import Reply


async def capture(
    act: Act, request: Parsed[rules.CaptureRequest], presenter: Presenter[Chunk]
) -> Reply:
    return await act.change(
        lambda order, now: rules.capture(order, request(), now), presenter, body=request
    )


async def refund(
    act: Act, request: Parsed[rules.RefundRequest], presenter: Presenter[Chunk]
) -> Reply:
    return await act.change(
        lambda order, now: rules.refund(order, request(), now), presenter, body=request
    )


async def cancel(act: Act, presenter: Presenter[int]) -> Reply:
    return await act.change(rules.cancel, presenter)


async def release_remaining(act: Act, presenter: Presenter[int]) -> Reply:
    return await act.change(rules.release_remaining, presenter)


async def extend_authorization(act: Act, presenter: Presenter[datetime]) -> Reply:
    return await act.change(rules.extend_authorization, presenter)


class CreditCheck:
    """The ``prepare`` step of an update: the store's scripted credit check (the sandbox's
    ``creditCheck`` setting) decides a raise."""

    def __init__(self) -> None:
        self.approve = True

    async def prepare(self, conn: asyncpg.Connection, loaded: Loaded, now: datetime) -> None:
        settings = await store_settings.get(conn, loaded.order.store_id)
        self.approve = settings.credit_check == "approve"


async def update_authorization(
    act: Act, request: Parsed[rules.UpdateAuthorization], presenter: Presenter[int]
) -> Reply:
    check = CreditCheck()
    return await act.change(
        lambda order, now: rules.update_authorization(order, request(), check.approve, now),
        presenter,
        prepare=check.prepare,
        body=request,
    )


async def update_customer(
    act: Act,
    billing: dict[str, Any] | None,
    shipping: dict[str, Any] | None,
    presenter: Presenter[None],
) -> Reply:
    return await act.change(
        lambda order, now: rules.update_customer(order, billing, shipping, now), presenter
    )


async def update_references(
    act: Act, reference1: str | None, reference2: str | None, presenter: Presenter[None]
) -> Reply:
    return await act.change(
        lambda order, now: rules.update_references(order, reference1, reference2, now), presenter
    )


async def add_shipping_info(
    act: Act, entries: list[dict[str, Any]], presenter: Presenter[None]
) -> Reply:
    return await act.change(
        lambda order, now: rules.add_order_shipping_info(order, entries), presenter
    )


async def add_capture_shipping_info(
    act: Act, capture_id: str, entries: list[dict[str, Any]], presenter: Presenter[None]
) -> Reply:
    def change(order: Order, now: datetime) -> None:
        rules.add_capture_shipping_info(order, rules.find_capture(order, capture_id), entries)

    return await act.change(change, presenter)


async def trigger_send_out(act: Act, capture_id: str, presenter: Presenter[None]) -> Reply:
    """``POST …/captures/{id}/trigger-send-out``: the invoice is sent again (nothing to keep
    but that the capture exists)."""

    def change(order: Order, now: datetime) -> None:
        rules.find_capture(order, capture_id)

    return await act.change(change, presenter)


async def extend_due_date(
    act: Act, capture_id: str, days: int, presenter: Presenter[datetime]
) -> Reply:
    def change(order: Order, now: datetime) -> datetime:
        return rules.extend_due_date(order, rules.find_capture(order, capture_id), days)

    return await act.change(change, presenter)


async def acknowledge(act: Act, presenter: Presenter[bool]) -> Reply:
    return await act.change(lambda order, now: order.acknowledge(now), presenter)
