"""The Ledyer order object, shaped exactly like the provider's responses.

Each view returns its shape from ``responses.py``, so mypy checks every key and value it writes
against what the OpenAPI document says; at run time they are plain dicts for orjson."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from orderdesk.domain.clock import utcnow
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.money import exponent, grouped_string, major_string
from orderdesk.domain.order import Chunk, Order, document_reference
from orderdesk.invoices.links import signed_url
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer.errors import error_answer
from orderdesk.providers.ledyer.responses import (
    LedyerAmount,
    LedyerCapture,
    LedyerChunk,
    LedyerLine,
    LedyerOrder,
    LedyerPaymentStatus,
)
from orderdesk.web.answers import Reply, json_answer


def iso_z(moment: datetime) -> str:
    """``2023-04-09T14:45:35.367198Z``: RFC 3339 UTC with microseconds.

    Every stored time is UTC; ``isoformat`` is cheaper than ``strftime`` on this hot path.
    """
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def amount(minor: int, currency: str) -> LedyerAmount:
    """``{"amount": "4890.00", …, "formattedWithCurrency": "SEK 4,890.00", "minorUnits": …}``."""
    exp = exponent(currency)
    grouped = grouped_string(minor, exp)
    with_currency = f"-{currency} {grouped[1:]}" if minor < 0 else f"{currency} {grouped}"
    return {
        "amount": major_string(minor, exp),
        "currency": currency,
        "formatted": grouped,
        "formattedWithCurrency": with_currency,
        "minorUnits": minor,
    }


def line_view(line: Line) -> LedyerLine:
    return {
        "description": line.description,
        "id": line.id,
        "quantity": line.quantity,
        "reference": line.reference,
        "totalAmount": line.total_amount,
        "totalVatAmount": line.total_vat,
        "type": line.type,
        "unitDiscountAmount": line.unit_discount if line.unit_discount is not None else 0,
        "unitPrice": line.unit_price,
        "vat": line.vat,
    }


def _chunk_totals(chunk: Chunk, currency: str) -> tuple[LedyerAmount, LedyerAmount, LedyerAmount]:
    """The chunk's total, its total excluding VAT and its VAT."""
    total, vat = chunk.total, chunk.total_vat
    return amount(total, currency), amount(total - vat, currency), amount(vat, currency)


def captured_view(order: Order, seq: int, chunk: Chunk, document_url: str) -> LedyerCapture:
    """A captured chunk (an invoice) or a refunded one (a credit note)."""
    total, excl_vat, vat = _chunk_totals(chunk, order.currency)
    return {
        "availableActions": [{"type": action} for action in ledyer.chunk_actions(order, chunk)],
        "createdAt": iso_z(chunk.created_at),
        "documentReference": document_reference(seq, chunk.document_number),
        "documentUrl": document_url,
        "ledgerId": chunk.ledger_id,
        "note": chunk.note,
        "orderLines": [line_view(line) for line in chunk.lines],
        "status": [],
        "totalOrderAmount": total,
        "totalOrderAmountExclVat": excl_vat,
        "totalOrderVatAmount": vat,
    }


def uncaptured_view(order: Order, now: datetime) -> LedyerChunk | None:
    chunk = order.uncaptured
    if chunk is None:
        return None
    total, excl_vat, vat = _chunk_totals(chunk, order.currency)
    return {
        "availableActions": [{"type": action} for action in ledyer.available_actions(order, now)],
        "createdAt": iso_z(chunk.created_at),
        "ledgerId": chunk.ledger_id,
        "note": chunk.note,
        "orderLines": [line_view(line) for line in chunk.lines],
        "status": [],
        "totalOrderAmount": total,
        "totalOrderAmountExclVat": excl_vat,
        "totalOrderVatAmount": vat,
    }


def order_view(
    order: Order, seq: int, now: datetime, document_url: Callable[[str], str]
) -> LedyerOrder:
    """The whole order; ``document_url(ledger_id)`` gives each captured chunk's signed URL."""
    currency = order.currency
    events = sorted(
        enumerate(order.events), key=lambda pair: (pair[1].created_at, pair[0]), reverse=True
    )
    return {
        "authorizeStatus": "authorized",
        "captured": [
            captured_view(order, seq, chunk, document_url(chunk.ledger_id))
            for chunk in order.captured
        ],
        "capturedAmount": amount(order.captured_amount, currency),
        "createdAt": iso_z(order.created_at),
        "customer": order.customer,
        "events": [
            {
                "amount": amount(event.amount, currency),
                "createdAt": iso_z(event.created_at),
                "id": event.id,
                "ledgerId": event.ledger_id,
                "orderId": order.id,
                "type": event.type,
            }
            for _, event in events
        ],
        "expiresAt": iso_z(order.expires_at),
        "id": order.id,
        "merchantId": order.merchant_id,
        "merchantReference": order.merchant_reference,
        "orderAmount": amount(order.order_amount, currency),
        "orderReference": order.order_reference,
        "paymentMethod": {"provider": "ledyer", "type": order.payment_method},
        "riskProfile": {"tags": []},
        "refunded": [
            captured_view(order, seq, chunk, document_url(chunk.ledger_id))
            for chunk in order.refunded
        ],
        "refundedAmount": amount(order.refunded_amount, currency),
        "status": ledyer.statuses(order, now),
        "storeId": order.store_id,
        "uncaptured": uncaptured_view(order, now),
        "uncapturedAmount": amount(order.remaining, currency),
        "updatedAt": iso_z(order.updated_at),
    }


def payment_status_view(order: Order) -> LedyerPaymentStatus:
    status, note = ledyer.payment_status(order)
    return {
        "note": note,
        "paymentMethod": {"provider": "ledyer", "type": order.payment_method},
        "status": status,
    }


class OrderObject:
    """Ledyer's answer to a change or a read: the whole order; refusals in its envelope.

    ``status`` is the success status: 200, or 201 for acknowledge.
    """

    def __init__(self, link_key: bytes, base_url: str, status: int = 200) -> None:
        self.link_key = link_key
        self.base_url = base_url
        self.status = status

    def view(self, order: Order, seq: int, now: datetime) -> LedyerOrder:
        def document_url(ledger_id: str) -> str:
            return signed_url(self.link_key, self.base_url, order.id, ledger_id)

        return order_view(order, seq, now, document_url)

    def present(self, order: Order, seq: int, result: object) -> Reply:
        return json_answer(self.view(order, seq, utcnow()), self.status)

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)
