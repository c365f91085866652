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
from orderdesk.providers.ledyer.credit import EditCreditCheck
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act, Parsed
from orderdesk.web.answers import Reply

#: A capture command: the lines to capture and the total they must add up to.
CaptureCommand = tuple[list[CaptureLine], int]


async def capture(
    act: Act, command: Parsed[CaptureCommand], presenter: Presenter[Chunk], *, partial: bool
) -> Reply:
    """``POST /v1/orders/{id}/partialcapture`` (``partial``) or ``…/capture`` (everything
    left: the lines must match the uncaptured lines)."""
    take = rules.partial_capture if partial else rules.capture

    def change(order: Order, now: datetime) -> Chunk:
        lines, total = command()
        return take(order, lines, total, CaptureMeta(), now)

    return await act.change(change, presenter, body=command)


async def refund(act: Act, ledger_id: str, note: str, presenter: Presenter[Chunk]) -> Reply:
    """``POST /v1/orders/{id}/refund/{ledgerId}``: credit every line of the captured chunk."""
    return await act.change(lambda order, now: rules.refund(order, ledger_id, note, now), presenter)


async def partial_refund(
    act: Act,
    ledger_id: str,
    lines: list[CaptureLine],
    total: int,
    note: str,
    presenter: Presenter[Chunk],
) -> Reply:
    """``POST /v1/orders/{id}/partialrefund/{ledgerId}``: credit the lines sent."""
    return await act.change(
        lambda order, now: rules.partial_refund(order, ledger_id, lines, total, note, now),
        presenter,
    )


async def cancel(act: Act, presenter: Presenter[int]) -> Reply:
    """``DELETE /v1/orders/{id}``: remove every uncaptured line; captured chunks stay."""
    return await act.change(rules.cancel, presenter)


async def cancel_sub_order(act: Act, ledger_id: str, presenter: Presenter[int]) -> Reply:
    """``DELETE /v1/orders/{id}/{ledgerId}``: cancel the uncaptured sub-order."""
    return await act.change(
        lambda order, now: rules.cancel_sub_order(order, ledger_id, now), presenter
    )


async def edit_order(act: Act, request: rules.EditOrder, presenter: Presenter[None]) -> Reply:
    """``POST /v1/orders/{id}``: new uncaptured lines; a raise runs the store's credit check."""
    check = EditCreditCheck(request)

    def change(order: Order, now: datetime) -> None:
        rules.edit(order, request, now, credit_approved=check.approved)

    return await act.change(change, presenter, prepare=check.prepare)


async def edit_customer(act: Act, changes: dict[str, Any], presenter: Presenter[None]) -> Reply:
    """``POST /v1/orders/{id}/customer``: the fields sent replace the stored ones."""
    return await act.change(lambda order, now: rules.edit_customer(order, changes, now), presenter)


async def extend(act: Act, presenter: Presenter[datetime]) -> Reply:
    """``POST /v1/orders/{id}/extendexpiry``: 14 more days."""
    return await act.change(rules.extend, presenter)


async def set_reference(act: Act, reference: str, presenter: Presenter[None]) -> Reply:
    """``POST /v1/orders/{id}/reference``: the merchant reference (≤ 50 characters)."""
    return await act.change(
        lambda order, now: rules.set_reference(order, reference, now), presenter
    )


async def acknowledge(act: Act, presenter: Presenter[bool]) -> Reply:
    """``POST /v1/orders/{id}/acknowledge``: repeatable; the result says whether it changed."""
    return await act.change(rules.acknowledge, presenter)


async def edit_payment_method(
    act: Act, provider: str, type_: str, presenter: Presenter[None]
) -> Reply:
    """``POST /v1/orders/{id}/paymentmethod``: service invoice → advance invoice."""
    return await act.change(
        lambda order, now: rules.edit_payment_method(order, provider, type_, now),
        presenter,
    )
