"""Customer payments: what the customer pays the provider for an order's invoices.

An invoice is a captured chunk; what is owed on it is its total less what was credited
against it. An order paid by advance invoice is paid before it is captured: its uncaptured
chunk is the invoice, and it becomes ready for capture once it is paid whole. Payments are
``paid`` events on the order (their ledger id names the invoice), never ledger rows: the
ledger holds what the merchant captured, refunded or released, and a payment changes none
of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import Chunk, EventType, Order

#: The payment method whose invoice is paid before capture (in any case: each provider
#: spells it its own way).
ADVANCE_INVOICE = "advanceinvoice"


class PaidStatus(StrEnum):
    """How far an invoice (or an order's invoices) is paid."""

    NOT_PAID = "NotPaid"
    PARTIALLY_PAID = "PartiallyPaid"
    FULLY_PAID = "FullyPaid"


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment as recorded: the invoice (ledger id) it paid, what it paid and what is
    left to pay of that invoice."""

    id: str
    ledger_id: str
    amount: int
    paid: int
    due: int


def paid_in_advance(order: Order) -> bool:
    return order.payment_method.lower() == ADVANCE_INVOICE


def due_on(order: Order, chunk: Chunk) -> int:
    """What the customer owes on one invoice: a captured chunk less its credits; for an
    advance invoice's uncaptured chunk, what is still authorised."""
    if chunk is order.uncaptured:
        return order.remaining
    return max(chunk.total - order.refunded_of(chunk), 0)


def status_of(paid: int, due: int) -> PaidStatus:
    if paid <= 0:
        return PaidStatus.NOT_PAID
    return PaidStatus.FULLY_PAID if paid >= due else PaidStatus.PARTIALLY_PAID


def paid_on(order: Order) -> dict[str, int]:
    """What is paid of each invoice (by ledger id). What was paid of an advance invoice
    before its capture pays the captures it became, oldest first."""
    captured = {chunk.ledger_id for chunk in order.captured}
    advance = sum(
        event.amount
        for event in order.events
        if event.type == EventType.PAID and event.ledger_id not in captured
    )
    out: dict[str, int] = {}
    for chunk in order.captured:
        carried = min(advance, due_on(order, chunk))
        advance -= carried
        out[chunk.ledger_id] = carried + order.paid_of(chunk.ledger_id)
    if order.uncaptured is not None:
        out[order.uncaptured.ledger_id] = advance
    return out


def invoices(order: Order) -> list[Chunk]:
    """The order's invoices a customer pays: its captures, and an advance invoice's
    uncaptured chunk while nothing is captured."""
    found = list(order.captured)
    if paid_in_advance(order) and not order.captured and order.uncaptured is not None:
        found.append(order.uncaptured)
    return found


def is_advance_paid(order: Order) -> bool:
    """Whether an advance invoice's uncaptured part is paid whole (what capture waits for)."""
    if order.uncaptured is None:
        return True
    return paid_on(order)[order.uncaptured.ledger_id] >= order.remaining


def _invoice(order: Order, ledger_id: str | None) -> Chunk:
    payable = invoices(order)
    if ledger_id is None:
        paid = paid_on(order)
        for chunk in payable:
            if paid[chunk.ledger_id] < due_on(order, chunk):
                return chunk
        raise DomainError(e.NOTHING_TO_PAY, "Nothing is owed on this order", Kind.STATE)
    for chunk in payable:
        if chunk.ledger_id == ledger_id:
            return chunk
    raise DomainError(
        e.INVOICE_NOT_FOUND,
        f"{ledger_id} is not an invoice of order {order.id} that a customer pays",
        field="ledgerId",
    )


def pay(order: Order, ledger_id: str | None, amount: int | None, now: datetime) -> Payment:
    """The customer pays ``amount`` (None: all that is left) of the invoice ``ledger_id``
    (None: the oldest not paid whole). An advance invoice paid whole is ready for capture."""
    if order.on_hold or order.rejected:
        raise DomainError(e.NOTHING_TO_PAY, "The order is not authorised", Kind.STATE)
    chunk = _invoice(order, ledger_id)
    due = due_on(order, chunk)
    left = due - paid_on(order)[chunk.ledger_id]
    if left <= 0:
        raise DomainError(
            e.NOTHING_TO_PAY, f"Invoice {chunk.ledger_id} is paid already", Kind.STATE
        )
    paying = left if amount is None else amount
    if paying > left:
        raise DomainError(
            e.PAYMENT_AMOUNT_TOO_LARGE,
            f"amount {paying} is more than the {left} left to pay of {chunk.ledger_id}",
            field="amount",
        )
    order.record_payment(chunk.ledger_id, paying, left, now)
    payment_id = order.events[-1].id
    if chunk is order.uncaptured and is_advance_paid(order):
        order.record_ready(now)
    return Payment(payment_id, chunk.ledger_id, paying, paid_on(order)[chunk.ledger_id], due)
