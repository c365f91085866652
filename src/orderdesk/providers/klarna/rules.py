"""Klarna's rules: the order's ``status``, and what capture, refund, cancel, release, update
of the authorization, extension, customer details, merchant references and shipping info
require.

A refused action is a 403 with Klarna's ``*_NOT_ALLOWED`` code; a malformed value a 400
``BAD_VALUE``. Klarna's own data that the core does not model (the second merchant
reference, addresses in Klarna's shape, shipping info) lives in the order's
``customer`` document under ``klarna``; a capture's shipping info and due date in its chunk's
``note`` (JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.ids import ksuid_decode
from orderdesk.domain.lines import CaptureLine, Line, amount_row, check_lines_total, new_line
from orderdesk.domain.order import CaptureMeta, Chunk, Order
from orderdesk.providers.klarna import errors as k

#: How long a capture's invoice runs before it is due, and the extensions Klarna offers.
DUE_AFTER = timedelta(days=14)
DUE_DATE_OPTIONS = (7, 14, 28)
#: ``POST …/extend-authorization-time``: the authorisation runs this much longer.
AUTHORIZATION_EXTENSION = timedelta(days=28)
MAX_SHIPPING_KEPT = 500
EXTRAS = "klarna"  # the key of Klarna's own data in ``order.customer``
#: Klarna's words, which its WooCommerce plugin rewrites for the merchant.
AMOUNT_ABOVE_REMAINING = (
    "Captured amount is higher than the remaining authorized amount. Capture not possible."
)


class Status(StrEnum):
    AUTHORIZED = "AUTHORIZED"
    PART_CAPTURED = "PART_CAPTURED"
    CAPTURED = "CAPTURED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    CLOSED = "CLOSED"


class FraudStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"


def extras(order: Order) -> dict[str, Any]:
    """Klarna's own data kept with the order (empty until something sets it)."""
    value = order.customer.get(EXTRAS)
    return value if isinstance(value, dict) else {}


def fraud_status(order: Order) -> FraudStatus:
    """An order the sandbox made on hold is ``PENDING`` until the sandbox accepts it
    (``ACCEPTED``) or rejects it (``REJECTED``, and nothing is authorised any more)."""
    if order.on_hold:
        return FraudStatus.PENDING
    return FraudStatus.REJECTED if order.rejected else FraudStatus.ACCEPTED


def status(order: Order, now: datetime) -> Status:
    captured = order.captured_amount
    if order.closed:
        return Status.CLOSED
    if captured == 0 and order.remaining == 0:
        return Status.CANCELLED
    if captured == 0 and order.is_expired(now):
        return Status.EXPIRED
    if captured > 0 and order.remaining == 0:
        return Status.CAPTURED
    if captured > 0:
        return Status.PART_CAPTURED
    return Status.AUTHORIZED


def _open(order: Order, now: datetime, code: str, action: str) -> None:
    """Refused unless the order is authorised or part captured, unexpired and accepted."""
    current = status(order, now)
    if current not in (Status.AUTHORIZED, Status.PART_CAPTURED) or order.is_expired(now):
        shown = Status.EXPIRED if order.is_expired(now) else current
        raise k.refused(code, f"{action} is not allowed on an order that is {shown}")
    if fraud_status(order) != FraudStatus.ACCEPTED:
        raise k.refused(
            code, f"{action} is not allowed while the fraud status is {fraud_status(order)}"
        )


def _bad(message: str) -> DomainError:
    return DomainError(k.BAD_VALUE, message, Kind.INVALID)


def _checked_lines(lines: list[CaptureLine] | None, total: int, total_field: str) -> None:
    """The lines' own rules and their sum, as 400s (Klarna validates values, not state)."""
    if not lines:
        return
    try:
        check_lines_total(lines, total, total_field)
    except DomainError as err:
        raise _bad(err.message.replace("orderLines", "order_lines")) from None


def _positive(amount: int, name: str) -> None:
    if amount <= 0:
        raise _bad(f"{name} must be more than 0")


@dataclass(frozen=True, slots=True)
class CaptureRequest:
    amount: int
    lines: list[CaptureLine] | None
    description: str | None = None
    reference: str | None = None
    shipping_info: list[dict[str, Any]] = field(default_factory=list)
    shipping_delay: int | None = None


def capture(order: Order, request: CaptureRequest, now: datetime) -> Chunk:
    """``POST …/captures``: one capture of ``captured_amount``, at most what is authorised
    and not captured. Lines sent are the capture's (and leave the uncaptured lines they
    match); without lines, capturing all that is left takes the uncaptured lines, anything
    less is one row of the amount."""
    _positive(request.amount, "captured_amount")
    _checked_lines(request.lines, request.amount, "captured_amount")
    if status(order, now) != Status.CAPTURED:  # captured whole: the amount's refusal below
        _open(order, now, k.CAPTURE_NOT_ALLOWED, "Capture")
    if request.amount > order.remaining:
        raise k.refused(k.CAPTURE_NOT_ALLOWED, AMOUNT_ABOVE_REMAINING)
    assert order.uncaptured is not None
    uncaptured = order.uncaptured.lines
    kept: list[Line] | None = None
    if request.lines:
        captured = [new_line(line) for line in request.lines]
        kept = _without(uncaptured, captured)
    elif request.amount == order.remaining == order.uncaptured.total:
        captured = list(uncaptured)
    else:
        captured = [amount_row(request.amount, request.description or "Capture")]
    note = _note({"shipping_info": request.shipping_info, "shipping_delay": request.shipping_delay})
    meta = CaptureMeta(request.description, request.reference, note)
    return order.record_capture(captured, meta, now, kept=kept)


def _without(uncaptured: list[Line], taken: list[Line]) -> list[Line] | None:
    """The uncaptured lines less those ``taken`` names (same goods), or None (keep all)
    when some taken line names none of them."""
    left = list(uncaptured)
    for line in taken:
        match = next((kept for kept in left if kept.same_goods(line)), None)
        if match is None:
            return None
        left.remove(match)
    return left


@dataclass(frozen=True, slots=True)
class RefundRequest:
    amount: int
    lines: list[CaptureLine] | None
    description: str | None = None
    reference: str | None = None


def refund(order: Order, request: RefundRequest, now: datetime) -> Chunk:
    """``POST …/refunds``: at most what was captured and not refunded."""
    _positive(request.amount, "refunded_amount")
    _checked_lines(request.lines, request.amount, "refunded_amount")
    if order.refundable == 0:
        raise k.refused(k.REFUND_NOT_ALLOWED, "There is nothing captured left to refund")
    if request.amount > order.refundable:
        raise k.refused(
            k.REFUND_NOT_ALLOWED,
            f"Refunded amount is higher than the captured amount not yet refunded "
            f"({request.amount} > {order.refundable})",
        )
    lines = (
        [new_line(line) for line in request.lines]
        if request.lines
        else [amount_row(request.amount, request.description or "Refund")]
    )
    meta = CaptureMeta(request.description, request.reference)
    return order.record_refund(lines, meta, now)


def cancel(order: Order, now: datetime) -> int:
    """``POST …/cancel``: only an order with nothing captured, not already cancelled."""
    if order.captured_amount > 0:
        raise k.refused(k.CANCEL_NOT_ALLOWED, "Cancel is not allowed: the order has captures")
    if order.closed or order.remaining == 0:
        raise k.refused(
            k.CANCEL_NOT_ALLOWED, f"Cancel is not allowed on an order that is {status(order, now)}"
        )
    return order.release_rest(now)


def release_remaining(order: Order, now: datetime) -> int:
    """``POST …/release-remaining-authorization``: the uncaptured rest of a part captured
    order."""
    if order.captured_amount == 0 or order.remaining == 0 or order.closed:
        raise k.refused(
            k.NOT_ALLOWED,
            f"Release is allowed only on a part captured order (this one is {status(order, now)})",
        )
    return order.release_rest(now)


def extend_authorization(order: Order, now: datetime) -> datetime:
    """``POST …/extend-authorization-time``: the authorisation runs 28 days longer from its
    current expiry; refused once expired, cancelled or wholly captured."""
    _open(order, now, k.NOT_ALLOWED, "Extending the authorization time")
    return order.extend_expiry(max(order.expires_at, now) + AUTHORIZATION_EXTENSION, now)


@dataclass(frozen=True, slots=True)
class UpdateAuthorization:
    amount: int
    lines: list[CaptureLine] | None
    description: str | None = None


def update_authorization(
    order: Order, request: UpdateAuthorization, approve: bool, now: datetime
) -> int:
    """``PATCH …/authorization``: the order's new amount (and lines). Lowering it, to no less
    than what is captured, is applied; raising it runs the store's credit check (``approve``),
    and a declined raise is ``NOT_ALLOWED``. Returns the change of the authorisation."""
    _checked_lines(request.lines, request.amount, "order_amount")
    _open(order, now, k.NOT_ALLOWED, "Updating the authorization")
    captured = order.captured_amount
    if request.amount < captured:
        raise k.refused(
            k.NOT_ALLOWED,
            f"The order amount cannot be lower than the captured amount ({captured})",
        )
    if request.amount > order.order_amount and not approve:
        raise k.refused(k.NOT_ALLOWED, "The new order amount was declined by the credit check")
    rest = request.amount - captured
    if rest == 0:
        return -order.release_rest(now)
    if request.lines and captured == 0:
        lines = [new_line(line) for line in request.lines]
    else:
        lines = [amount_row(rest, request.description or "Updated order amount")]
    return order.reauthorize(lines, now)


def update_customer(
    order: Order, billing: dict[str, Any] | None, shipping: dict[str, Any] | None, now: datetime
) -> None:
    """``PATCH …/customer-details``: the fields sent are merged into the stored addresses."""
    if order.closed:
        raise k.refused(k.NOT_ALLOWED, "The order is closed")
    own = dict(extras(order))
    for name, sent in (("billing_address", billing), ("shipping_address", shipping)):
        if sent:
            own[name] = {**own.get(name, {}), **sent}
    order.replace_customer({EXTRAS: own}, now)


def update_references(
    order: Order, reference1: str | None, reference2: str | None, now: datetime
) -> None:
    """``PATCH …/merchant-references``: each reference sent replaces the stored one."""
    if order.closed:
        raise k.refused(k.NOT_ALLOWED, "The order is closed")
    if reference2 is not None:
        order.customer = {
            **order.customer,
            EXTRAS: {**extras(order), "merchant_reference2": reference2},
        }
    if reference1 is not None or reference2 is not None:
        order.set_merchant_reference(
            order.merchant_reference if reference1 is None else reference1, now
        )


def add_order_shipping_info(order: Order, entries: list[dict[str, Any]]) -> None:
    """``POST …/shipping-info``: kept with the order (the last 500)."""
    kept = [*extras(order).get("shipping_info", []), *entries][-MAX_SHIPPING_KEPT:]
    order.customer = {**order.customer, EXTRAS: {**extras(order), "shipping_info": kept}}


# -- captures -------------------------------------------------------------------------------


def capture_id(chunk: Chunk) -> str:
    """A capture's (or refund's) id: its ledger id in lower-case hex, so it survives
    WordPress' ``sanitize_key()``."""
    return ledger_capture_id(chunk.ledger_id)


def ledger_capture_id(ledger_id: str) -> str:
    """The ``capture_id`` (or ``refund_id``) of the chunk with this ledger id."""
    return ksuid_decode(ledger_id.partition("_")[2]).hex()


def find_capture(order: Order, wanted: str) -> Chunk:
    for chunk in order.captured:
        if capture_id(chunk) == wanted:
            return chunk
    raise DomainError(k.NO_SUCH_CAPTURE, f"Capture {wanted} was not found", Kind.NOT_FOUND)


def find_refund(order: Order, wanted: str) -> Chunk:
    for chunk in order.refunded:
        if capture_id(chunk) == wanted:
            return chunk
    raise DomainError(k.NO_SUCH_REFUND, f"Refund {wanted} was not found", Kind.NOT_FOUND)


def _note(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


def capture_data(order: Order, chunk: Chunk) -> dict[str, Any]:
    """What a capture keeps of Klarna's: the shipping info and delay it was made with (its
    chunk's ``note``: an issued chunk is never written again) and what was added since — more
    shipping info, a due-date extension — kept with the order's own data by capture."""
    try:
        made = json.loads(chunk.note) if chunk.note else {}
    except ValueError:
        made = {}
    made = made if isinstance(made, dict) else {}
    since = extras(order).get("captures", {}).get(chunk.ledger_id, {})
    shipping = [*made.get("shipping_info", []), *since.get("shipping_info", [])]
    return {**made, **since, "shipping_info": shipping[-MAX_SHIPPING_KEPT:]}


def _update_capture(order: Order, chunk: Chunk, **changes: Any) -> None:
    own = extras(order)
    captures = dict(own.get("captures", {}))
    captures[chunk.ledger_id] = {**captures.get(chunk.ledger_id, {}), **changes}
    order.customer = {**order.customer, EXTRAS: {**own, "captures": captures}}


def add_capture_shipping_info(order: Order, chunk: Chunk, entries: list[dict[str, Any]]) -> None:
    since = extras(order).get("captures", {}).get(chunk.ledger_id, {})
    added = [*since.get("shipping_info", []), *entries][-MAX_SHIPPING_KEPT:]
    _update_capture(order, chunk, shipping_info=added)


def due_date(order: Order, chunk: Chunk) -> datetime:
    days = capture_data(order, chunk).get("due_days", 0)
    return chunk.created_at + DUE_AFTER + timedelta(days=days)


def extend_due_date(order: Order, chunk: Chunk, days: int) -> datetime:
    """``PATCH …/captures/{id}/extend-due-date``: one of the offered extensions, once."""
    if capture_data(order, chunk).get("due_days"):
        raise k.refused(k.NOT_ALLOWED, "The due date of this capture was already extended")
    if refunded_by_capture(order)[chunk.ledger_id] >= chunk.total:
        raise k.refused(k.NOT_ALLOWED, "The capture is refunded")
    if days not in DUE_DATE_OPTIONS:
        raise _bad(f"number_of_days must be one of {', '.join(map(str, DUE_DATE_OPTIONS))}")
    _update_capture(order, chunk, due_days=days)
    return due_date(order, chunk)


def due_date_options(order: Order, chunk: Chunk) -> list[int]:
    return [] if capture_data(order, chunk).get("due_days") else list(DUE_DATE_OPTIONS)


def refunded_by_capture(order: Order) -> dict[str, int]:
    """How much of each capture is refunded: Klarna's refunds name no capture, so they are
    set against the captures oldest first."""
    left = order.refunded_amount
    out: dict[str, int] = {}
    for chunk in order.captured:
        taken = min(left, chunk.total)
        out[chunk.ledger_id] = taken
        left -= taken
    return out
