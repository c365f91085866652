"""Ledyer's rules: the order's ``status[]``, the ``availableActions`` of its uncaptured part,
and what capture, partial capture, edit, cancel, extend and edit customer require.

An action the order's state does not allow is ``ACTION_NOT_AVAILABLE`` (409); a rule on the
values sent is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine, Line, check_lines_total, copy_line, new_line
from orderdesk.domain.order import CaptureMeta, Chunk, Order


class LedyerStatus(StrEnum):
    UNCAPTURED = "uncaptured"
    PARTIALLY_CAPTURED = "partiallyCaptured"
    FULLY_CAPTURED = "fullyCaptured"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partiallyRefunded"
    FULLY_REFUNDED = "fullyRefunded"
    EXPIRED = "expired"


class Action(StrEnum):
    """What ``availableActions`` lists on the uncaptured part of an order."""

    CANCEL = "cancel"
    CAPTURE = "capture"
    PARTIAL_CAPTURE = "partialCapture"
    EDIT_CUSTOMER = "editCustomer"
    EDIT_ORDER = "editOrder"
    EXTEND_ORDER_EXPIRY = "extendOrderExpiry"


#: What a captured chunk offers (refunds are not built yet, but Ledyer lists them).
CAPTURED_ACTIONS = ("refund", "partialRefund")


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
    return out


def available_actions(order: Order, now: datetime) -> list[Action]:
    """Actions allowed on the uncaptured chunk now."""
    if order.uncaptured is None or order.remaining == 0 or order.closed:
        return []
    if order.is_expired(now):
        return [Action.CANCEL, Action.EXTEND_ORDER_EXPIRY]
    return list(Action)


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
    unmatched = list(order.uncaptured.lines)
    for index, sent in enumerate(lines):
        probe = new_line(sent)
        match = next(
            (
                line
                for line in unmatched
                if (sent.id is None or sent.id == line.id) and line.same_goods(probe)
            ),
            None,
        )
        if match is None:
            raise DomainError(
                e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                f"orderLines[{index}] ({sent.reference}) matches no uncaptured line",
                field=f"orderLines[{index}]",
            )
        unmatched.remove(match)
    return order.record_capture(list(order.uncaptured.lines), meta, now)


@dataclass(frozen=True, slots=True)
class EditOrder:
    """``POST /v1/orders/{id}``: the new uncaptured lines and the order's new totals."""

    lines: list[CaptureLine]
    total: int
    total_excl_vat: int
    total_vat: int


def edit(order: Order, request: EditOrder, now: datetime) -> None:
    """Replace the uncaptured lines.

    An edit may lower the order to what is already captured, never below; raising it above
    the current authorisation is refused (``EDIT_ABOVE_AUTHORIZATION``).
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
    order.replace_uncaptured_lines(lines, now)


def cancel(order: Order, now: datetime) -> int:
    """Remove every uncaptured line; captured chunks stay."""
    require(order, Action.CANCEL, now)
    return order.release_rest(now)


def extend(order: Order, now: datetime) -> datetime:
    require(order, Action.EXTEND_ORDER_EXPIRY, now)
    return order.extend_expiry(now)


def edit_customer(order: Order, changes: dict[str, Any], now: datetime) -> None:
    require(order, Action.EDIT_CUSTOMER, now)
    order.replace_customer(changes, now)


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
