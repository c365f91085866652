"""Ledyer's rules: the order's ``status[]``, the ``availableActions`` of its chunks, and what
capture, partial capture, refund, partial refund, edit, cancel (of the order or of a sub-order),
extend, edit customer, reference, acknowledge and payment method require; the payment status.

An action the order's state does not allow is ``ACTION_NOT_AVAILABLE`` (409); a rule on the
values sent is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from orderdesk.domain import errors as e
from orderdesk.domain import payments
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.ids import ORDER_LINE, prefixed
from orderdesk.domain.lines import (
    CaptureLine,
    Line,
    check_lines_total,
    copy_line,
    new_line,
)
from orderdesk.domain.order import EXPIRY_EXTENSION, CaptureMeta, Chunk, Order


class LedyerStatus(StrEnum):
    UNCAPTURED = "uncaptured"
    PARTIALLY_CAPTURED = "partiallyCaptured"
    FULLY_CAPTURED = "fullyCaptured"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partiallyRefunded"
    FULLY_REFUNDED = "fullyRefunded"
    EXPIRED = "expired"
    UNACKNOWLEDGED = "unacknowledged"
    PARTIALLY_PAID = "partiallyPaid"
    FULLY_PAID = "fullyPaid"


class Action(StrEnum):
    """What ``availableActions`` lists on the uncaptured part of an order."""

    CANCEL = "cancel"
    CAPTURE = "capture"
    PARTIAL_CAPTURE = "partialCapture"
    EDIT_CUSTOMER = "editCustomer"
    EDIT_ORDER = "editOrder"
    EXTEND_ORDER_EXPIRY = "extendOrderExpiry"
    EDIT_PAYMENT_METHOD = "editPaymentMethod"


class ChunkAction(StrEnum):
    """What ``availableActions`` lists on a captured chunk (an invoice)."""

    REFUND = "refund"
    PARTIAL_REFUND = "partialRefund"


class PaymentMethod(StrEnum):
    INVOICE = "invoice"
    ADVANCE_INVOICE = "advanceInvoice"
    SERVICE_INVOICE = "serviceInvoice"
    CARD = "card"
    BANK_TRANSFER = "bankTransfer"
    PART_PAYMENT = "partPayment"


class PaymentStatus(StrEnum):
    """``GET /v1/orders/{id}/paymentstatus``: ``status``."""

    ORDER_INITIATED = "orderInitiated"
    ORDER_PENDING = "orderPending"
    PAYMENT_PENDING = "paymentPending"
    PAYMENT_CONFIRMED = "paymentConfirmed"
    ORDER_CAPTURED = "orderCaptured"
    ORDER_REFUNDED = "orderRefunded"
    ORDER_CANCELLED = "orderCancelled"
    UNKNOWN = "unknown"


MAX_REFERENCE_LENGTH = 50
#: Paid at once: there is no credit to raise, so an edit may not raise the order.
PREPAID = frozenset({PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER})
#: The store's credit check declined an edit that raised the order.
EDIT_CREDIT_CHECK_DECLINED = "EDIT_CREDIT_CHECK_DECLINED"


def statuses(order: Order, now: datetime) -> list[LedyerStatus]:
    captured = order.captured_amount
    out: list[LedyerStatus] = []
    cancelled = order.cancelled > 0 and order.remaining == 0
    if cancelled and captured == 0:
        out.append(LedyerStatus.CANCELLED)
    elif captured == 0:
        out.append(LedyerStatus.UNCAPTURED)
    elif order.remaining > 0 or cancelled:
        out.append(LedyerStatus.PARTIALLY_CAPTURED)
    else:
        out.append(LedyerStatus.FULLY_CAPTURED)
    if cancelled and captured > 0:
        out.append(LedyerStatus.CANCELLED)
    refunded = order.refunded_amount
    if refunded > 0:
        full = refunded >= captured
        out.append(LedyerStatus.FULLY_REFUNDED if full else LedyerStatus.PARTIALLY_REFUNDED)
    if order.is_expired(now):
        out.append(LedyerStatus.EXPIRED)
    if not order.acknowledged:
        out.append(LedyerStatus.UNACKNOWLEDGED)
    paid = paid_status(order)
    if paid is not None:
        out.append(paid)
    return out


def paid_status(order: Order) -> LedyerStatus | None:
    """``partiallyPaid`` or ``fullyPaid`` once the customer has paid something of what its
    invoices (an advance invoice included) ask; None before."""
    paid_on = payments.paid_on(order)
    owed = [(paid_on[c.ledger_id], payments.due_on(order, c)) for c in payments.invoices(order)]
    paid = sum(p for p, _ in owed)
    if paid <= 0:
        return None
    full = all(p >= due for p, due in owed)
    return LedyerStatus.FULLY_PAID if full else LedyerStatus.PARTIALLY_PAID


def available_actions(order: Order, now: datetime) -> list[Action]:
    """Actions allowed on the uncaptured chunk now.

    An advance invoice is never cancelled and is captured only once acknowledged and paid
    whole; only a service invoice with nothing captured may become an advance invoice.
    """
    if order.uncaptured is None or order.remaining == 0 or order.closed:
        return []
    advance = order.payment_method == PaymentMethod.ADVANCE_INVOICE
    expired = order.is_expired(now)
    actions = [Action.CANCEL, Action.EXTEND_ORDER_EXPIRY] if expired else list(Action)
    if advance:
        actions.remove(Action.CANCEL)
    if advance and not (order.acknowledged and payments.is_advance_paid(order)):
        actions = [a for a in actions if a not in (Action.CAPTURE, Action.PARTIAL_CAPTURE)]
    if order.payment_method != PaymentMethod.SERVICE_INVOICE or order.captured_amount > 0:
        actions = [a for a in actions if a != Action.EDIT_PAYMENT_METHOD]
    return actions


def chunk_actions(order: Order, chunk: Chunk) -> list[ChunkAction]:
    """Actions allowed on a captured chunk: both refunds while nothing of it is refunded,
    then partial refunds until it is refunded whole, then none. Credits offer none."""
    if order.closed or all(chunk is not captured for captured in order.captured):
        return []
    refunded = order.refunded_of(chunk)
    if refunded >= chunk.total:
        return []
    if refunded > 0:
        return [ChunkAction.PARTIAL_REFUND]
    return [ChunkAction.REFUND, ChunkAction.PARTIAL_REFUND]


def require(order: Order, action: Action, now: datetime) -> None:
    if action not in available_actions(order, now):
        status = ", ".join(statuses(order, now))
        raise DomainError(
            e.ACTION_NOT_AVAILABLE,
            f"'{action}' is not available on this order (status: {status})",
            Kind.STATE,
        )


def partial_capture(
    order: Order, lines: list[CaptureLine], total: int, meta: CaptureMeta, now: datetime
) -> Chunk:
    """Lines sent with ``id`` leave the uncaptured lines; lines without one are captured as
    sent and leave them intact (only the money still authorised goes down)."""
    require(order, Action.PARTIAL_CAPTURE, now)
    check_lines_total(lines, total, "totalCaptureAmount")
    if total <= 0:
        raise DomainError(
            e.CAPTURE_AMOUNT_MUST_BE_POSITIVE,
            f"totalCaptureAmount {total} must be more than 0",
            field="totalCaptureAmount",
        )
    if total > order.remaining:
        raise DomainError(
            e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT,
            f"totalCaptureAmount {total} is more than the {order.remaining} left to capture",
            field="totalCaptureAmount",
        )
    assert order.uncaptured is not None
    by_id = {line.id: line for line in order.uncaptured.lines}
    removed: set[str] = set()
    captured: list[Line] = []
    for index, sent in enumerate(lines):
        if sent.id is None:
            captured.append(new_line(sent))
            continue
        stored = by_id.get(sent.id)
        if stored is None or sent.id in removed:
            raise _unknown_line(order, sent.id, removed, f"orderLines[{index}].id")
        if stored.quantity != sent.quantity or stored.total_amount != sent.total_amount:
            raise DomainError(
                e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                f"Order line {sent.id} is uncaptured with quantity {stored.quantity} and "
                f"totalAmount {stored.total_amount}; to capture part of it, omit the id",
                field=f"orderLines[{index}]",
            )
        removed.add(sent.id)
        captured.append(copy_line(stored))
    kept = [line for line in order.uncaptured.lines if line.id not in removed]
    return order.record_capture(captured, meta, now, kept=kept)


def capture(
    order: Order, lines: list[CaptureLine], total: int, meta: CaptureMeta, now: datetime
) -> Chunk:
    """Full capture: the lines sent must match every remaining uncaptured line."""
    require(order, Action.CAPTURE, now)
    check_lines_total(lines, total, "totalCaptureAmount")
    assert order.uncaptured is not None
    if order.uncaptured.total != order.remaining:
        raise DomainError(
            e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
            f"The uncaptured lines sum to {order.uncaptured.total} but {order.remaining} is "
            "left to capture; edit the order first",
            Kind.STATE,
        )
    if total != order.remaining:
        raise DomainError(
            e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
            f"totalCaptureAmount {total} is not the {order.remaining} left to capture",
            field="totalCaptureAmount",
        )
    # The uncaptured lines not matched yet, by their goods, in order: a line sent without id
    # takes the first of its goods, one with an id that very line (as ``Line.same_goods``).
    unmatched: dict[tuple[str, int, int, int], dict[str, Line]] = {}
    for line in order.uncaptured.lines:
        unmatched.setdefault(_same_goods(line), {})[line.id] = line
    for index, sent in enumerate(lines):
        same = unmatched.get(_same_goods(new_line(sent)), {})
        taken = next(iter(same), None) if sent.id is None else sent.id
        if taken is None or taken not in same:
            raise DomainError(
                e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                f"orderLines[{index}] ({sent.reference}) matches no uncaptured line",
                field=f"orderLines[{index}]",
            )
        del same[taken]
    return order.record_capture(list(order.uncaptured.lines), meta, now)


def _same_goods(line: Line) -> tuple[str, int, int, int]:
    """What ``Line.same_goods`` compares."""
    return (line.reference, line.quantity, line.total_amount, line.vat)


@dataclass(frozen=True, slots=True)
class EditOrder:
    """``POST /v1/orders/{id}``: the new uncaptured lines and the order's new totals."""

    lines: list[CaptureLine]
    total: int
    total_excl_vat: int
    total_vat: int

    def raises(self, order: Order) -> bool:
        """Whether it asks for more than the order has authorised and not captured."""
        return self.total > order.remaining


def edit(order: Order, request: EditOrder, now: datetime, *, credit_approved: bool = True) -> None:
    """Replace the uncaptured lines.

    An edit may lower the order to what is already captured, never below. Raising it needs
    a new credit check, as Ledyer documents: ``credit_approved`` is the store's answer (422
    ``EDIT_CREDIT_CHECK_DECLINED`` when it declined); a card or bank transfer, paid at once,
    is never raised (422 ``EDIT_ABOVE_AUTHORIZATION``).
    """
    lines, total, total_vat = request.lines, request.total, request.total_vat
    if request.total_excl_vat != total - total_vat:
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            "totalOrderAmountExclVat must be totalOrderAmount − totalOrderVatAmount",
            field="totalOrderAmountExclVat",
        )
    require(order, Action.EDIT_ORDER, now)
    if not lines:
        raise DomainError(
            e.ORDER_HAS_NO_LINES,
            "An edit needs at least one line; cancel the order instead",
            field="orderLines",
        )
    check_lines_total(lines, total, "totalOrderAmount")
    line_vat = sum(line.total_vat for line in lines)
    if total_vat != line_vat:
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            f"totalOrderVatAmount {total_vat} is not the sum of the lines' "
            f"totalVatAmount ({line_vat})",
            field="totalOrderVatAmount",
        )
    if request.raises(order):
        _check_raise(order, total)
        if not credit_approved:
            raise DomainError(
                EDIT_CREDIT_CHECK_DECLINED,
                f"The credit check for the raised order ({total}, {order.remaining} "
                "authorised) was declined; the order is unchanged",
                field="totalOrderAmount",
            )
    order.replace_uncaptured_lines(lines, now, raise_approved=credit_approved)


def _check_raise(order: Order, total: int) -> None:
    if order.payment_method in PREPAID:
        raise DomainError(
            e.EDIT_ABOVE_AUTHORIZATION,
            f"An order paid by {order.payment_method} cannot be raised from "
            f"{order.remaining} to {total}",
            field="totalOrderAmount",
        )


def cancel(order: Order, now: datetime) -> int:
    """Remove every uncaptured line; captured chunks stay."""
    require(order, Action.CANCEL, now)
    return order.release_rest(now)


def extend(order: Order, now: datetime) -> datetime:
    require(order, Action.EXTEND_ORDER_EXPIRY, now)
    return order.extend_expiry(max(order.expires_at, now) + EXPIRY_EXTENSION, now)


def edit_customer(order: Order, changes: dict[str, Any], now: datetime) -> None:
    require(order, Action.EDIT_CUSTOMER, now)
    order.replace_customer(changes, now)


def new_line_id() -> str:
    return prefixed(ORDER_LINE)


def find_chunk(order: Order, ledger_id: str) -> Chunk:
    """The chunk (uncaptured, captured or refunded) with this ledger id; 404 if none."""
    chunk = order.find_chunk(ledger_id)
    if chunk is None:
        raise DomainError(
            e.LEDGER_NOT_FOUND,
            f"Order {order.id} has no sub-order {ledger_id}",
            Kind.NOT_FOUND,
        )
    return chunk


def _require_chunk(order: Order, chunk: Chunk, action: ChunkAction) -> None:
    if action not in chunk_actions(order, chunk):
        what = "the uncaptured part" if chunk is order.uncaptured else "this sub-order"
        left = order.refunded_of(chunk) if chunk in order.captured else 0
        raise DomainError(
            e.ACTION_NOT_AVAILABLE,
            f"'{action}' is not available on {what} ({chunk.ledger_id}"
            + (f", {left} of {chunk.total} already refunded" if left else "")
            + ")",
            Kind.STATE,
        )


def refund(order: Order, ledger_id: str, note: str, now: datetime) -> Chunk:
    """``refund/{ledgerId}``: a credit note with every line of the captured chunk."""
    chunk = find_chunk(order, ledger_id)
    _require_chunk(order, chunk, ChunkAction.REFUND)
    lines = [copy_line(line) for line in chunk.lines]
    for line in lines:
        line.id = new_line_id()
    return order.record_refund(lines, CaptureMeta(note=note), now, of=chunk)


def _goods(line: Line | CaptureLine) -> tuple[str, int]:
    return (line.reference, line.vat)


def partial_refund(
    order: Order,
    ledger_id: str,
    lines: list[CaptureLine],
    total: int,
    note: str,
    now: datetime,
) -> Chunk:
    """``partialrefund/{ledgerId}``: positive lines, each naming goods of the captured chunk
    (by ``reference`` and ``vat``, or by ``id``), never more of them than are left to refund,
    and never more money than is left of the chunk."""
    chunk = find_chunk(order, ledger_id)
    _require_chunk(order, chunk, ChunkAction.PARTIAL_REFUND)
    check_lines_total(lines, total, "totalRefundAmount")
    for index, sent in enumerate(lines):
        if sent.total_amount <= 0 or sent.quantity <= 0:
            raise DomainError(
                e.REFUND_AMOUNT_MUST_BE_POSITIVE,
                f"orderLines[{index}] must have a quantity and totalAmount above 0",
                field=f"orderLines[{index}]",
            )
    left = chunk.total - order.refunded_of(chunk)
    if total > left:
        raise DomainError(
            e.REFUND_AMOUNT_TOO_LARGE,
            f"totalRefundAmount {total} is more than the {left} left to refund of "
            f"{chunk.ledger_id}",
            field="totalRefundAmount",
        )
    left_of = _left_to_refund(order, chunk)
    ids_in_chunk = {line.id: _goods(line) for line in chunk.lines}
    for index, sent in enumerate(lines):
        _take_refund(left_of, ids_in_chunk, chunk, sent, f"orderLines[{index}]")
    return order.record_refund(
        [new_line(sent) for sent in lines], CaptureMeta(note=note), now, of=chunk
    )


def _left_to_refund(order: Order, chunk: Chunk) -> dict[tuple[str, int], list[int]]:
    """Per goods of ``chunk``: [quantity, money] captured and not yet refunded."""
    left: dict[tuple[str, int], list[int]] = {}
    for line in chunk.lines:
        sums = left.setdefault(_goods(line), [0, 0])
        sums[0] += line.quantity
        sums[1] += line.total_amount
    for credit in order.refunded:
        if credit.refunds == chunk.ledger_id:
            for line in credit.lines:
                sums = left.setdefault(_goods(line), [0, 0])
                sums[0] -= line.quantity
                sums[1] -= line.total_amount
    return left


def _take_refund(
    left: dict[tuple[str, int], list[int]],
    ids_in_chunk: dict[str, tuple[str, int]],
    chunk: Chunk,
    sent: CaptureLine,
    where: str,
) -> None:
    """Take what ``sent`` refunds off ``left``; refused when it names no goods of the chunk
    or more of them than are left."""
    key = _goods(sent)
    if (sent.id is not None and ids_in_chunk.get(sent.id) != key) or key not in left:
        raise DomainError(
            e.REFUND_LINES_DO_NOT_MATCH,
            f"{where} ({sent.reference}, vat {sent.vat}) matches no line of {chunk.ledger_id}",
            field=where,
        )
    sums = left[key]
    sums[0] -= sent.quantity
    sums[1] -= sent.total_amount
    if sums[0] < 0:
        raise DomainError(
            e.REFUND_LINE_QUANTITY_TOO_LARGE,
            f"{where}: more of {sent.reference} than is left to refund",
            field=f"{where}.quantity",
        )
    if sums[1] < 0:
        raise DomainError(
            e.REFUND_AMOUNT_TOO_LARGE,
            f"{where}: more money for {sent.reference} than is left to refund",
            field=f"{where}.totalAmount",
        )


def cancel_sub_order(order: Order, ledger_id: str, now: datetime) -> int:
    """``DELETE /v1/orders/{id}/{ledgerId}``: only the uncaptured sub-order can be cancelled
    (a captured one is refunded instead)."""
    chunk = find_chunk(order, ledger_id)
    if chunk is not order.uncaptured:
        raise DomainError(
            e.ACTION_NOT_AVAILABLE,
            f"'{Action.CANCEL}' is not available on {ledger_id}: it is not the uncaptured "
            "sub-order",
            Kind.STATE,
        )
    return cancel(order, now)


def _require_open(order: Order, action: str) -> None:
    if order.closed:
        raise DomainError(
            e.ACTION_NOT_AVAILABLE, f"'{action}' is not available: the order is closed", Kind.STATE
        )


def set_reference(order: Order, reference: str, now: datetime) -> None:
    """``POST …/reference``: the merchant's reference (at most 50 characters)."""
    _require_open(order, "reference")
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise DomainError(
            e.REFERENCE_TOO_LONG,
            f"reference is {len(reference)} characters; at most {MAX_REFERENCE_LENGTH}",
            field="reference",
        )
    order.set_merchant_reference(reference, now)


def acknowledge(order: Order, now: datetime) -> bool:
    """``POST …/acknowledge``: repeatable; a second call changes nothing."""
    _require_open(order, "acknowledge")
    return order.acknowledge(now)


def edit_payment_method(order: Order, provider: str, type_: str, now: datetime) -> None:
    """``POST …/paymentmethod``: a service invoice becomes an advance invoice, only while
    nothing is captured."""
    require(order, Action.EDIT_PAYMENT_METHOD, now)
    if (provider, type_) != ("ledyer", PaymentMethod.ADVANCE_INVOICE):
        raise DomainError(
            e.PAYMENT_METHOD_NOT_ALLOWED,
            f"A service invoice can only become {{provider: ledyer, type: "
            f"{PaymentMethod.ADVANCE_INVOICE}}}, not {{{provider}, {type_}}}",
            field="paymentMethod",
        )
    order.replace_payment_method(PaymentMethod.ADVANCE_INVOICE, now)


def payment_status(order: Order) -> tuple[PaymentStatus, str]:
    """The payment status and its note, from the order's ledger; ``unknown`` once Ledyer
    has closed the order (settled or written off: docs/decisions.md)."""
    if order.closed:
        return PaymentStatus.UNKNOWN, "Closed"
    captured = order.captured_amount
    if captured > 0 and order.refunded_amount >= captured and order.remaining == 0:
        return PaymentStatus.ORDER_REFUNDED, "Refunded"
    if captured > 0:
        return PaymentStatus.ORDER_CAPTURED, "Captured"
    if order.remaining == 0:
        return PaymentStatus.ORDER_CANCELLED, "Cancelled"
    if order.payment_method == PaymentMethod.ADVANCE_INVOICE:
        if not order.acknowledged:
            return PaymentStatus.PAYMENT_PENDING, "Awaiting acknowledgement and payment"
        if not payments.is_advance_paid(order):
            return PaymentStatus.PAYMENT_PENDING, "Awaiting payment"
    return PaymentStatus.PAYMENT_CONFIRMED, "Authorized"


def _unknown_line(order: Order, line_id: str, removed: set[str], where: str) -> DomainError:
    if line_id in removed or any(
        line.id == line_id for chunk in order.captured for line in chunk.lines
    ):
        return DomainError(
            e.CAPTURE_LINE_ALREADY_CAPTURED,
            f"Order line {line_id} is already captured",
            field=where,
        )
    return DomainError(
        e.CAPTURE_LINE_NOT_FOUND,
        f"Order line {line_id} is not an uncaptured line of this order",
        field=where,
    )
