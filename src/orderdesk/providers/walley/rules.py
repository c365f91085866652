"""Walley's rules: its order statuses and what capture, refund, cancel, reauthorize and
extend allow in each.

Walley answers every refusal with 422 and a reason code; the checks of a capture run in the
order Walley documents, and the first failure wins. Refund and reauthorize check in the same
order: the request on its own, then the order's status, then the amounts, then the items.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError, Kind, invalid
from orderdesk.domain.lines import MAX_QUANTITY, Line, amount_row, copy_line
from orderdesk.domain.money import MoneyFormatError, exponent, to_minor
from orderdesk.domain.order import (
    CaptureMeta,
    Chunk,
    Order,
    Reauthorization,
    ReauthorizationStatus,
    Segment,
)
from orderdesk.providers.walley.matching import (
    REFUND_CODES,
    ItemSpec,
    effective_price,
    item_line,
    remove_units,
    take_matching,
    units_named,
)

MAX_DESCRIPTION = 50
DEFAULT_CAPTURE_DESCRIPTION = "Part capture"
DEFAULT_REFUND_DESCRIPTION = "Refund"
DEFAULT_REAUTHORIZE_DESCRIPTION = "Reauthorized amount"
#: The type of a credit row that stands for an amount (a refund by amount, an adjustment).
ADJUSTMENT = "adjustment"
#: Payment methods paid up front: their authorisation cannot be raised (walley.md §6.6).
PREPAID = frozenset(
    {
        "swish",
        "card",
        "amex",
        "dankort",
        "vipps",
        "mobilepay",
        "vippsmobilepay",
        "banktransfer",
        "applepay",
        "trustly",
    }
)
#: Ledyer's line types as Walley's clients know them; Walley's own words are kept as they are.
WALLEY_TYPES = {
    "physical": "purchase",
    "digital": "purchase",
    "giftcard": "purchase",
    "shippingfee": "shipping",
    "surcharge": "fee",
    "discount": "discount",
    "storecredit": "discount",
}


def walley_type(line_type: str) -> str:
    """The Walley item type of a line created with a Ledyer type (``physical`` → ``purchase``)."""
    return WALLEY_TYPES.get(line_type.lower(), line_type)


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
    if order.remaining > 0 or order.cancelled > 0:  # part captured, the rest open or cancelled
        return WalleyStatus.PART_ACTIVATED
    return WalleyStatus.ACTIVATED


def _nothing_left(order: Order, current: WalleyStatus) -> bool:
    """A PartActivated order whose rest was cancelled: nothing can be captured, cancelled,
    extended or reauthorized any more."""
    return current == WalleyStatus.PART_ACTIVATED and order.remaining == 0


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
    if amount == order.order_amount and order.captured and not request.replace_items:
        # The whole order's total on a part-captured order (Krokedil's plugin always sends
        # it, with every line when it sends items): the shop means "capture the rest".
        if items is None:
            amount = order.remaining
        else:
            rest = _without_captured(order, items)
            if rest is not None:
                items = rest
                amount = sum(item.unit_price * item.quantity for item in rest)
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


def _without_captured(order: Order, items: list[ItemSpec]) -> list[ItemSpec] | None:
    """``items`` less the units already captured, when they name every captured unit (the
    whole order sent again); None when they do not."""
    pool = [copy_line(line) for chunk in order.captured for line in chunk.lines]
    rest: list[ItemSpec] = []
    for index, item in enumerate(items):
        done = min(item.quantity, units_named(pool, item))
        if done:
            try:
                take_matching(pool, dataclasses.replace(item, quantity=done), index)
            except DomainError:
                return None
        if item.quantity > done:
            rest.append(dataclasses.replace(item, quantity=item.quantity - done))
    if any(line.quantity > 0 for line in pool) or not rest:
        return None
    return rest


def cancel(order: Order, now: datetime, action_reference: str | None = None) -> int:
    """Release everything not captured (NotActivated, PartActivated, Expired)."""
    _require_open(order, now, e.CANCEL_INVALID_ORDER_STATUS, "be cancelled")
    return order.release_rest(now, action_reference)


def extend(order: Order, now: datetime) -> datetime:
    """Extend the expiry: NotActivated, PartActivated, or Expired (authorised again: its
    ``expire`` event is recorded first, if the sweep has not yet, so that what had expired is
    what ``walley:order:extended`` says)."""
    _require_open(order, now, e.EXTEND_INVALID_ORDER_STATUS, "have its expiry extended")
    order.record_expiry(now)
    return order.extend_expiry(now)


def is_open(order: Order, now: datetime) -> bool:
    """Whether something is left uncaptured in an open status: what may be cancelled or have
    its expiry extended."""
    current = status(order, now)
    return current in OPEN and not _nothing_left(order, current)


def _require_open(order: Order, now: datetime, code: str, what: str) -> None:
    """Refuse with ``code`` unless something is left uncaptured in an open status."""
    if not is_open(order, now):
        raise DomainError(
            code,
            f"An order with status {status(order, now)} and {order.remaining} left cannot {what}",
            Kind.STATE,
        )


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


def capturable(order: Order, now: datetime) -> bool:
    """Whether the order's status allows a capture now (NotActivated, or PartActivated with
    something left)."""
    current = status(order, now)
    capturing = (WalleyStatus.NOT_ACTIVATED, WalleyStatus.PART_ACTIVATED)
    return current in capturing and not _nothing_left(order, current)


def _check_capturable(order: Order, now: datetime) -> None:
    if capturable(order, now):
        return
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
    raise DomainError(
        e.CAPTURE_INVALID_INVOICE_STATUS,
        "What was not captured of this order has been cancelled",
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


# -- refund -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RefundRequest:
    """A refund as sent, amounts in major units; ``items`` is None for an amount-only one
    (the whole captured amount left, or an adjustment). Items with a negative unit price are
    fees (a return fee) charged against the articles returned."""

    amount: Decimal
    items: list[RequestedItem] | None
    meta: CaptureMeta


def _items_minor(
    items: list[RequestedItem] | None, exp: int, too_many_decimals: str
) -> list[ItemSpec] | None:
    if items is None:
        return None
    return [
        ItemSpec(
            unit_price=_minor(item.unit_price, f"items[{index}].unitPrice", exp, too_many_decimals),
            quantity=item.quantity,
            id=item.id,
            description=item.description,
            vat=item.vat,
            type=item.type,
        )
        for index, item in enumerate(items)
    ]


def _check_items_request(
    amount: int,
    description: str | None,
    items: list[ItemSpec] | None,
    codes: tuple[str, str, str],
) -> None:
    """Description length, sign, quantities, items = amount (codes: too long, negative, ≠)."""
    too_long, negative, not_equal = codes
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise DomainError(
            too_long,
            f"The description is {len(description)} characters; the limit is {MAX_DESCRIPTION}",
            field="description",
        )
    if amount < 0:
        raise DomainError(negative, "The amount must be zero or greater", field="amount")
    if items is None:
        return
    for index, item in enumerate(items):
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise DomainError(
                e.INVALID_QUANTITY,
                f"items[{index}].quantity must be a whole number from 1 to {MAX_QUANTITY}",
                field=f"items[{index}].quantity",
            )
    item_sum = sum(item.unit_price * item.quantity for item in items)
    if item_sum != amount:
        raise DomainError(
            not_equal,
            f"amount is {amount} but the items sum to {item_sum} (minor units)",
            field="amount",
        )


def refundable_lines(order: Order) -> list[Line]:
    """The captured articles not yet credited, as lines (copies; the order is untouched)."""
    pool = [copy_line(line) for chunk in order.captured for line in chunk.lines]
    for credit in order.refunded:
        for line in credit.lines:
            if line.total_amount > 0 and line.type != ADJUSTMENT:
                remove_units(pool, line)
    return [line for line in pool if line.quantity > 0]


def _fresh(line: Line) -> Line:
    """The line under a new id (a credit's lines are rows of their own)."""
    return dataclasses.replace(line, id=ids.prefixed(ids.ORDER_LINE))


def refund(order: Order, request: RefundRequest, now: datetime) -> Chunk:
    """``POST /refund``: full (the whole captured amount left, amount only), by items (with
    fee lines), or by amount (an adjustment). Allowed on Activated and PartActivated (also
    once the open part of a part-captured order has expired)."""
    exp = exponent(order.currency)
    amount = _minor(request.amount, "amount", exp, e.REFUND_AMOUNT_HAS_TOO_MANY_DECIMALS)
    items = _items_minor(request.items, exp, e.REFUND_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS)
    meta = request.meta
    if items is not None:
        _check_fees(items)
    _check_items_request(
        amount,
        meta.description,
        items,
        (
            e.REFUND_DESCRIPTION_TOO_LONG,
            e.REFUND_AMOUNT_MUST_NOT_BE_NEGATIVE,
            e.REFUND_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT,
        ),
    )
    _check_refundable(order, amount, now)
    if items is None:
        return _refund_amount(order, amount, meta, now)
    return _refund_items(order, items, meta, now)


def _check_fees(items: list[ItemSpec]) -> None:
    """Every fee (a negative unit price) has its VAT and the fees are worth no more than the
    articles returned."""
    for index, item in enumerate(items):
        if item.unit_price < 0 and item.vat is None:
            raise DomainError(
                e.REFUND_FEE_VAT_REQUIRED,
                f"items[{index}] is a fee (a negative unitPrice) and needs its vat",
                field=f"items[{index}].vat",
            )
    articles = sum(i.unit_price * i.quantity for i in items if i.unit_price >= 0)
    charged = -sum(i.unit_price * i.quantity for i in items if i.unit_price < 0)
    if charged > articles:
        raise DomainError(
            e.REFUND_FEE_GREATER_THAN_ITEMS,
            f"The fees ({charged}) are worth more than the articles returned ({articles})",
            field="items",
        )


def _check_refundable(order: Order, amount: int, now: datetime) -> None:
    """The order's status allows a refund, and ``amount`` is more than 0 and no more than
    is captured and not yet refunded."""
    current = status(order, now)
    # A part-captured order whose open part expired reads Expired; its invoices stay
    # creditable (Walley lets the uncaptured part expire, not what was captured).
    part_expired = current == WalleyStatus.EXPIRED and order.captured_amount > 0
    if current not in (WalleyStatus.ACTIVATED, WalleyStatus.PART_ACTIVATED) and not part_expired:
        raise DomainError(
            e.REFUND_INVALID_ORDER_STATUS,
            f"An order with status {current} cannot be refunded",
            Kind.STATE,
        )
    if amount > order.refundable:
        raise DomainError(
            e.REFUND_AMOUNT_TOO_LARGE,
            f"The amount to refund is larger than the {order.refundable} (minor units) captured "
            "and not yet refunded",
            field="amount",
        )
    if amount == 0:
        raise DomainError(
            e.REFUND_AMOUNT_MUST_BE_POSITIVE, "A refund of 0 refunds nothing", field="amount"
        )


def _refund_amount(order: Order, amount: int, meta: CaptureMeta, now: datetime) -> Chunk:
    """Everything left (its lines), or an amount (one adjustment row)."""
    pool = refundable_lines(order)
    if amount == order.refundable and sum(line.total_amount for line in pool) == amount:
        return order.record_refund([_fresh(line) for line in pool], meta, now)
    row = amount_row(amount, meta.description or DEFAULT_REFUND_DESCRIPTION)
    row.type = ADJUSTMENT
    return order.record_refund([row], meta, now)


def _refund_items(order: Order, items: list[ItemSpec], meta: CaptureMeta, now: datetime) -> Chunk:
    """The captured lines the items name, and a line per fee."""
    pool = refundable_lines(order)
    returned: list[Line] = []
    fees: list[Line] = []
    for index, item in enumerate(items):
        if item.unit_price < 0:
            fees.append(_fee_line(item))
        else:
            returned.extend(take_matching(pool, item, index, REFUND_CODES))
    worth = sum(line.total_amount for line in returned)
    asked = sum(item.unit_price * item.quantity for item in items if item.unit_price >= 0)
    if worth != asked:
        raise DomainError(
            e.REFUND_ITEMS_NOT_EXACT,
            f"The items asked for are worth {worth} on the order, not the {asked} asked (a "
            "line whose total does not divide by its quantity); refund it whole or by amount",
            field="items",
        )
    return order.record_refund([_fresh(line) for line in returned] + fees, meta, now)


def _fee_line(item: ItemSpec) -> Line:
    line = item_line(item)
    line.type = item.type or "fee"
    return line


# -- reauthorize -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReauthorizeRequest:
    """A reauthorization as sent: the new uncaptured items (or only their amount)."""

    amount: Decimal
    items: list[RequestedItem] | None
    meta: CaptureMeta


@dataclass(frozen=True, slots=True)
class CreditCheck:
    """How the sandbox answers a raise: approve or reject, after a delay (default: at once)."""

    approve: bool = True
    delay: timedelta = timedelta(0)


def reauthorize(
    order: Order, request: ReauthorizeRequest, check: CreditCheck, now: datetime
) -> Reauthorization | None:
    """``POST /reauthorize``: the items (or the amount) replace what is not captured.

    The same or a lower amount is applied at once (None: answered 202). A raise needs a credit
    check (answered 201 with the returned :class:`Reauthorization`): decided at once, or
    pending until the check's delay has passed (see :func:`settle`).
    """
    exp = exponent(order.currency)
    amount = _minor(request.amount, "amount", exp, e.REAUTHORIZE_AMOUNT_HAS_TOO_MANY_DECIMALS)
    items = _items_minor(request.items, exp, e.REAUTHORIZE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS)
    meta = request.meta
    _check_items_request(
        amount,
        meta.description,
        items,
        (
            e.REAUTHORIZE_DESCRIPTION_TOO_LONG,
            e.REAUTHORIZE_AMOUNT_MUST_BE_POSITIVE,
            e.REAUTHORIZE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT,
        ),
    )
    if amount == 0:
        raise DomainError(
            e.REAUTHORIZE_AMOUNT_MUST_BE_POSITIVE,
            "A reauthorization of 0 authorises nothing; cancel the order instead",
            field="amount",
        )
    lines = (
        [amount_row(amount, meta.description or DEFAULT_REAUTHORIZE_DESCRIPTION)]
        if items is None
        else _new_lines(order, items)
    )
    _check_reauthorizable(order, now)
    if any(r.status == ReauthorizationStatus.PENDING for r in order.reauthorizations):
        raise DomainError(
            e.REAUTHORIZE_ALREADY_PENDING,
            "A raise of this order waits for its credit check; poll it first",
            Kind.STATE,
        )
    if amount <= order.remaining:
        order.reauthorize(lines, now, meta.action_reference)
        if items is None:
            order.items_replaced = True
        return None
    if order.payment_method.lower() in PREPAID:
        raise DomainError(
            e.REAUTHORIZE_ORDER_INCREASE_ABOVE_CURRENT_TOTAL_AMOUNT_IS_NOT_ALLOWED,
            f"An order paid by {order.payment_method} cannot be authorised for more",
            field="amount",
        )
    pending = Reauthorization(
        id=str(uuid.uuid4()),
        status=ReauthorizationStatus.PENDING,
        lines=lines,
        action_reference=meta.action_reference,
        created_at=now,
        decide_at=now + check.delay,
        approve=check.approve,
    )
    order.request_reauthorization(pending, now)
    if check.delay <= timedelta(0):
        _decide(order, pending, now)
    return pending


def settle(order: Order, now: datetime) -> bool:
    """Decide every raise whose credit check is due; True when one was decided."""
    due = [
        r
        for r in order.reauthorizations
        if r.status == ReauthorizationStatus.PENDING and r.decide_at <= now
    ]
    for pending in due:
        _decide(order, pending, now)
    return bool(due)


def has_due(order: Order, now: datetime) -> bool:
    return any(
        r.status == ReauthorizationStatus.PENDING and r.decide_at <= now
        for r in order.reauthorizations
    )


def _decide(order: Order, pending: Reauthorization, now: datetime) -> None:
    """Apply an approved raise to the order as it is now; a rejected one, or one the order no
    longer allows (captured or cancelled meanwhile), fails and changes nothing."""
    if not pending.approve:
        pending.status = ReauthorizationStatus.FAILED
        return
    try:
        _check_reauthorizable(order, now)
    except DomainError:
        pending.status = ReauthorizationStatus.FAILED
        return
    order.reauthorize([copy_line(line) for line in pending.lines], now, pending.action_reference)
    pending.status = ReauthorizationStatus.COMPLETED


def find_reauthorization(order: Order, reauthorization_id: str) -> Reauthorization:
    for pending in order.reauthorizations:
        if pending.id == reauthorization_id:
            return pending
    raise DomainError(
        e.REAUTHORIZATION_NOT_FOUND,
        f"Reauthorization {reauthorization_id} of order {order.id} was not found",
        Kind.NOT_FOUND,
    )


def _check_reauthorizable(order: Order, now: datetime) -> None:
    current = status(order, now)
    if current in (WalleyStatus.ACTIVATED, WalleyStatus.RETURNED):
        raise DomainError(
            e.ORDER_ALREADY_CAPTURED,
            "The order is captured; only what is not captured can be reauthorized",
            Kind.STATE,
        )
    if current not in (WalleyStatus.NOT_ACTIVATED, WalleyStatus.PART_ACTIVATED) or (
        _nothing_left(order, current)
    ):
        raise DomainError(
            e.REAUTHORIZE_INVALID_ORDER_STATUS,
            f"An order with status {current} and {order.remaining} left cannot be reauthorized",
            Kind.STATE,
        )


def _new_lines(order: Order, items: list[ItemSpec]) -> list[Line]:
    """The reauthorized items as lines. An item naming an article the order (or the request)
    already has must agree with it on VAT and unit price; what it leaves out is taken from it."""
    known: dict[str, Line] = {}
    order_lines = [line for chunk in order.captured for line in chunk.lines]
    if order.uncaptured is not None:
        order_lines.extend(order.uncaptured.lines)
    for line in order_lines:
        if line.reference:
            known.setdefault(line.reference, line)
    made: list[Line] = []
    for index, item in enumerate(items):
        same = known.get(item.id) if item.id else None
        if same is not None:
            if item.vat is not None and item.vat != same.vat:
                raise DomainError(
                    e.MATCHING_ARTICLES_WITH_DIFFERENT_VAT,
                    f"items[{index}] ({item.id}) has VAT {item.vat / 100:g} %, the article "
                    f"has {same.vat / 100:g} %",
                    field=f"items[{index}].vat",
                )
            if item.unit_price != effective_price(same):
                raise DomainError(
                    e.ARTICLE_EXISTS_BUT_OTHER_INFORMATION,
                    f"items[{index}] ({item.id}) has another unit price than the article",
                    field=f"items[{index}].unitPrice",
                )
        spec = dataclasses.replace(
            item,
            vat=item.vat if item.vat is not None else (same.vat if same else 0),
            description=item.description
            if item.description is not None
            else (same.description if same else ""),
            type=item.type or (same.type if same else "purchase"),
        )
        line = item_line(spec)
        made.append(line)
        if item.id:
            known.setdefault(item.id, line)
    return made
