"""Walley's rules: its order statuses and what capture, cancel and extend allow in each.

Walley answers every refusal with 422 and a reason code; the checks of a capture run in the
order Walley documents, and the first failure wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind, invalid
from orderdesk.domain.lines import MAX_QUANTITY, Line, amount_row, copy_line
from orderdesk.domain.matching import ItemSpec, item_line, take_matching
from orderdesk.domain.money import MoneyFormatError, exponent, to_minor
from orderdesk.domain.order import CaptureMeta, Chunk, Order, Segment

MAX_DESCRIPTION = 50
DEFAULT_CAPTURE_DESCRIPTION = "Part capture"


class WalleyStatus(StrEnum):
    NOT_ACTIVATED = "NotActivated"
    PART_ACTIVATED = "PartActivated"
    ACTIVATED = "Activated"
    RETURNED = "Returned"
    EXPIRED = "Expired"
    CLOSED = "Closed"
    CANCELLED = "Cancelled"


#: Statuses in which what is not captured can still be cancelled or have its expiry extended.
OPEN = (WalleyStatus.NOT_ACTIVATED, WalleyStatus.PART_ACTIVATED, WalleyStatus.EXPIRED)


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """A capture item as sent: the unit price still a decimal in major units."""

    unit_price: Decimal
    quantity: int
    id: str | None = None
    description: str | None = None
    vat: int | None = None  # basis points
    type: str | None = None


@dataclass(frozen=True, slots=True)
class CaptureRequest:
    """A capture as sent, amounts in major units; ``items`` is None for an amount-only one."""

    amount: Decimal
    items: list[RequestedItem] | None
    replace_items: bool
    meta: CaptureMeta


@dataclass(slots=True)
class WalleyCapture:
    """A capture in minor units; ``items`` is None for an amount-only capture."""

    amount: int
    items: list[ItemSpec] | None
    replace_items: bool
    meta: CaptureMeta


def in_minor_units(request: CaptureRequest, currency: str) -> WalleyCapture:
    """Amounts in the currency's minor units; a decimal too many is a 422, the amount's
    before any unit price's."""
    exp = exponent(currency)
    amount = _minor(request.amount, "amount", exp, e.CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS)
    items = None
    if request.items is not None:
        items = [
            ItemSpec(
                unit_price=_minor(
                    item.unit_price,
                    f"items[{index}].unitPrice",
                    exp,
                    e.CAPTURE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS,
                ),
                quantity=item.quantity,
                id=item.id,
                description=item.description,
                vat=item.vat,
                type=item.type,
            )
            for index, item in enumerate(request.items)
        ]
    return WalleyCapture(amount, items, request.replace_items, request.meta)


def _minor(value: Decimal, where: str, exp: int, too_many_decimals: str) -> int:
    try:
        return to_minor(value, exp)
    except MoneyFormatError as exc:
        if exc.reason == "too_many_decimals":
            raise DomainError(
                too_many_decimals, f"{where} has more than {exp} decimals", field=where
            ) from None
        raise invalid(f"{where} is not a representable amount", where) from None


def status(order: Order, now: datetime) -> WalleyStatus:
    captured = order.captured_amount
    if order.closed:
        return WalleyStatus.CLOSED
    if captured == 0 and order.cancelled > 0:
        return WalleyStatus.CANCELLED
    if captured > 0 and order.refunded_amount >= captured and order.remaining == 0:
        return WalleyStatus.RETURNED
    if order.is_expired(now):
        return WalleyStatus.EXPIRED
    if captured == 0:
        return WalleyStatus.NOT_ACTIVATED
    return WalleyStatus.PART_ACTIVATED if order.remaining > 0 else WalleyStatus.ACTIVATED


def capture(order: Order, request: CaptureRequest, now: datetime) -> Chunk:
    """``POST /capture`` as sent: see :func:`capture_minor`."""
    return capture_minor(order, in_minor_units(request, order.currency), now)


def capture_minor(order: Order, request: WalleyCapture, now: datetime) -> Chunk:
    """A capture by amount, by items, or while replacing the items.

    Checks run in this order and the first failure wins: the request on its own
    (description, sign, items = amount), then the order's status, then the amount
    against the whole order and against what is left, then item matching.
    """
    _check_request(request)
    amount, items, meta = request.amount, request.items, request.meta
    _check_capturable(order, now)
    if amount > order.authorized:
        raise DomainError(
            e.CAPTURE_AMOUNT_TOO_LARGE,
            "The amount to capture is larger than the sum of all items on the order",
            field="amount",
        )
    if amount > order.remaining:
        raise DomainError(
            e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT,
            "The amount to capture is larger than the amount left on the order",
            field="amount",
        )
    assert order.uncaptured is not None
    if items is None:
        return _capture_by_amount(order, amount, meta, now)
    if request.replace_items:
        chunk = order.record_capture([item_line(item) for item in items], meta, now)
        order.replace_uncaptured_with_remainder()
        return chunk
    pool = [copy_line(line) for line in order.uncaptured.lines]
    captured: list[Line] = []
    for index, item in enumerate(items):
        captured.extend(take_matching(pool, item, index))
    worth = sum(line.total_amount for line in captured)
    if worth != amount:
        raise DomainError(
            e.CAPTURE_ITEMS_NOT_EXACT,
            f"The items asked for are worth {worth} on the order, not the {amount} asked "
            "(a line whose total does not divide by its quantity); capture it whole or by "
            "amount",
            field="items",
        )
    kept = [line for line in pool if line.quantity > 0]
    return order.record_capture(captured, meta, now, kept=kept)


def cancel(order: Order, now: datetime, action_reference: str | None = None) -> int:
    """Release everything not captured (NotActivated, PartActivated, Expired)."""
    current = status(order, now)
    if current not in OPEN:
        raise DomainError(
            e.CANCEL_INVALID_ORDER_STATUS,
            f"An order with status {current} cannot be cancelled",
            Kind.STATE,
        )
    return order.release_rest(now, action_reference)


def extend(order: Order, now: datetime) -> datetime:
    """Extend the expiry: NotActivated, PartActivated, or Expired (authorised again)."""
    current = status(order, now)
    if current not in OPEN:
        raise DomainError(
            e.EXTEND_INVALID_ORDER_STATUS,
            f"The expiry of an order with status {current} cannot be extended",
            Kind.STATE,
        )
    return order.extend_expiry(now)


def _check_request(request: WalleyCapture) -> None:
    """The rules a capture request must meet on its own, before the order is looked at."""
    description = request.meta.description
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise DomainError(
            e.CAPTURE_DESCRIPTION_TOO_LONG,
            f"The description is {len(description)} characters; the limit is {MAX_DESCRIPTION}",
            field="description",
        )
    if request.amount < 0:
        raise DomainError(
            e.CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE,
            "The amount must be zero or greater",
            field="amount",
        )
    if request.items is None:
        return
    for index, item in enumerate(request.items):
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise DomainError(
                e.INVALID_QUANTITY,
                f"items[{index}].quantity must be a whole number from 1 to {MAX_QUANTITY}",
                field=f"items[{index}].quantity",
            )
    item_sum = sum(item.unit_price * item.quantity for item in request.items)
    if item_sum != request.amount:
        raise DomainError(
            e.CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT,
            f"amount is {request.amount} but the items sum to {item_sum} (minor units)",
            field="amount",
        )


def _check_capturable(order: Order, now: datetime) -> None:
    current = status(order, now)
    if current == WalleyStatus.ACTIVATED:
        raise DomainError(
            e.CAPTURE_ORDER_ALREADY_CAPTURED, "The order is already captured", Kind.STATE
        )
    if current not in (WalleyStatus.NOT_ACTIVATED, WalleyStatus.PART_ACTIVATED):
        raise DomainError(
            e.CAPTURE_INVALID_INVOICE_STATUS,
            f"An order with status {current} cannot be captured",
            Kind.STATE,
        )


def _capture_by_amount(order: Order, amount: int, meta: CaptureMeta, now: datetime) -> Chunk:
    assert order.uncaptured is not None
    if amount == order.remaining and order.uncaptured.total == amount:
        return order.record_capture(list(order.uncaptured.lines), meta, now)
    if amount == 0:
        raise DomainError(
            e.CAPTURE_AMOUNT_MUST_BE_POSITIVE,
            "An amount-only capture of 0 captures nothing",
            field="amount",
        )
    if order.segment == Segment.B2B:
        raise DomainError(
            e.CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B,
            "Part capture by amount is only available for B2C stores; send items",
            field="amount",
        )
    row = amount_row(amount, meta.description or DEFAULT_CAPTURE_DESCRIPTION)
    chunk = order.record_capture([row], meta, now)
    order.replace_uncaptured_with_remainder()
    return chunk
