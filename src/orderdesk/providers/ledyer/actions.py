"""What a shop can do to a Ledyer order: capture, refund, cancel (the order or a sub-order),
edit its lines and customer, extend its expiry, set its reference, acknowledge it, change its
payment method. Each answers with the caller's presenter, inside the change's unit of work
(``service/unit_of_work.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.order import CaptureMeta, Chunk, Order
from orderdesk.providers.ledyer import rules
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, Parsed, UnitOfWork
from orderdesk.web.answers import Reply

#: A capture command: the lines to capture and the total they must add up to.
CaptureCommand = tuple[list[CaptureLine], int]


async def capture(
    uow: UnitOfWork,
    ref: OrderRef,
    command: Parsed[CaptureCommand],
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
    *,
    partial: bool,
) -> Reply:
    """``POST /v1/orders/{id}/partialcapture`` (``partial``) or ``…/capture`` (everything
    left: the lines must match the uncaptured lines)."""
    take = rules.partial_capture if partial else rules.capture

    def change(order: Order, now: datetime) -> Chunk:
        lines, total = command()
        return take(order, lines, total, CaptureMeta(), now)

    return await uow.change(ref, key, change, presenter, body=command)


async def refund(
    uow: UnitOfWork,
    ref: OrderRef,
    ledger_id: str,
    note: str,
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /v1/orders/{id}/refund/{ledgerId}``: credit every line of the captured chunk."""
    return await uow.change(
        ref, key, lambda order, now: rules.refund(order, ledger_id, note, now), presenter
    )


async def partial_refund(
    uow: UnitOfWork,
    ref: OrderRef,
    ledger_id: str,
    lines: list[CaptureLine],
    total: int,
    note: str,
    key: IdempotencyKey | None,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /v1/orders/{id}/partialrefund/{ledgerId}``: credit the lines sent."""
    return await uow.change(
        ref,
        key,
        lambda order, now: rules.partial_refund(order, ledger_id, lines, total, note, now),
        presenter,
    )


async def cancel(
    uow: UnitOfWork, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[int]
) -> Reply:
    """``DELETE /v1/orders/{id}``: remove every uncaptured line; captured chunks stay."""
    return await uow.change(ref, key, rules.cancel, presenter)


async def cancel_sub_order(
    uow: UnitOfWork,
    ref: OrderRef,
    ledger_id: str,
    key: IdempotencyKey | None,
    presenter: Presenter[int],
) -> Reply:
    """``DELETE /v1/orders/{id}/{ledgerId}``: cancel the uncaptured sub-order."""
    return await uow.change(
        ref, key, lambda order, now: rules.cancel_sub_order(order, ledger_id, now), presenter
    )


async def edit_order(
    uow: UnitOfWork,
    ref: OrderRef,
    request: rules.EditOrder,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}``: new uncaptured lines; the order may shrink, never grow."""
    return await uow.change(ref, key, lambda order, now: rules.edit(order, request, now), presenter)


async def edit_customer(
    uow: UnitOfWork,
    ref: OrderRef,
    changes: dict[str, Any],
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/customer``: the fields sent replace the stored ones."""
    return await uow.change(
        ref, key, lambda order, now: rules.edit_customer(order, changes, now), presenter
    )


async def extend(
    uow: UnitOfWork, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[datetime]
) -> Reply:
    """``POST /v1/orders/{id}/extendexpiry``: 14 more days."""
    return await uow.change(ref, key, rules.extend, presenter)


async def set_reference(
    uow: UnitOfWork,
    ref: OrderRef,
    reference: str,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/reference``: the merchant reference (≤ 50 characters)."""
    return await uow.change(
        ref, key, lambda order, now: rules.set_reference(order, reference, now), presenter
    )


async def acknowledge(
    uow: UnitOfWork, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[bool]
) -> Reply:
    """``POST /v1/orders/{id}/acknowledge``: repeatable; the result says whether it changed."""
    return await uow.change(ref, key, rules.acknowledge, presenter)


async def edit_payment_method(
    uow: UnitOfWork,
    ref: OrderRef,
    provider: str,
    type_: str,
    key: IdempotencyKey | None,
    presenter: Presenter[None],
) -> Reply:
    """``POST /v1/orders/{id}/paymentmethod``: service invoice → advance invoice."""
    return await uow.change(
        ref,
        key,
        lambda order, now: rules.edit_payment_method(order, provider, type_, now),
        presenter,
    )
