"""Klarna's answers: the order object (``200``), ``201`` + ``Capture-Id`` / ``Refund-Id`` +
``Location`` for a capture or refund made, and ``204`` with no body for every other change.

Each view returns its shape from ``responses.py``; mypy checks every key it writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.order import Chunk, Order, document_reference
from orderdesk.providers.klarna import rules
from orderdesk.providers.klarna.errors import error_answer
from orderdesk.providers.klarna.responses import (
    KlarnaAddress,
    KlarnaCapture,
    KlarnaDueDateOptions,
    KlarnaOrder,
    KlarnaOrderLine,
    KlarnaRefund,
    KlarnaShippingInfo,
)
from orderdesk.web.answers import Reply, json_answer

BASE = "/ordermanagement/v1/orders"
#: The fee for each due-date extension Klarna offers, in minor units (the sandbox's own).
EXTENSION_FEE = {7: 0, 14: 0, 28: 0}


def moment(at: datetime) -> str:
    """``2026-12-07T10:15:00.123Z``, as Klarna writes times."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _line(line: Line) -> KlarnaOrderLine:
    unit_price = line.unit_price if line.unit_price is not None else line.total_amount
    quantity = line.quantity if line.unit_price is not None else 1
    discount = (line.unit_discount or 0) * line.quantity
    return {
        "reference": line.reference,
        "type": line.type,
        "quantity": quantity,
        "quantity_unit": "pcs",
        "name": line.description,
        "total_amount": line.total_amount,
        "unit_price": unit_price,
        "total_discount_amount": discount,
        "tax_rate": line.vat,
        "total_tax_amount": line.total_vat,
    }


def _from_sandbox(raw: dict[str, Any] | None, customer: dict[str, Any]) -> dict[str, Any]:
    """An address the sandbox made (camelCase, Ledyer-like) in Klarna's words."""
    raw = raw or {}
    contact = raw.get("contact") or {}
    return {
        "given_name": contact.get("firstName") or customer.get("firstName"),
        "family_name": contact.get("lastName") or customer.get("lastName"),
        "organization_name": raw.get("companyName") or customer.get("companyName"),
        "email": contact.get("email") or customer.get("email"),
        "street_address": raw.get("streetAddress"),
        "street_address2": raw.get("streetAddress2"),
        "postal_code": raw.get("postalCode"),
        "city": raw.get("city"),
        "phone": contact.get("phone") or customer.get("phone"),
        "country": raw.get("country"),
        "care_of": raw.get("careOf"),
    }


ADDRESS_FIELDS = (
    "given_name",
    "family_name",
    "organization_name",
    "email",
    "street_address",
    "street_address2",
    "postal_code",
    "city",
    "region",
    "phone",
    "country",
    "care_of",
)


def _address(customer: dict[str, Any], name: str, sandbox_name: str) -> KlarnaAddress:
    own = (customer.get(rules.EXTRAS) or {}).get(name) or {}
    merged = {**_from_sandbox(customer.get(sandbox_name), customer), **own}
    return {  # type: ignore[return-value]  # the keys are exactly KlarnaAddress's
        key: merged.get(key) for key in ADDRESS_FIELDS
    }


def _shipping(entries: list[dict[str, Any]]) -> list[KlarnaShippingInfo]:
    return [{k: v for k, v in entry.items() if v is not None} for entry in entries]  # type: ignore[misc]


def capture_view(order: Order, chunk: Chunk, refunded: int) -> KlarnaCapture:
    customer = chunk.customer or order.customer
    data = rules.capture_data(order, chunk)
    return {
        "capture_id": rules.capture_id(chunk),
        "klarna_reference": document_reference(0, chunk.document_number),
        "description": chunk.description,
        "reference": chunk.action_reference,
        "captured_at": moment(chunk.created_at),
        "captured_amount": chunk.total,
        "order_lines": [_line(line) for line in chunk.lines],
        "refunded_amount": refunded,
        "billing_address": _address(customer, "billing_address", "billingAddress"),
        "shipping_address": _address(customer, "shipping_address", "shippingAddress"),
        "shipping_info": _shipping(data.get("shipping_info", [])),
        "due_date": moment(rules.due_date(order, chunk)),
    }


def refund_view(chunk: Chunk) -> KlarnaRefund:
    return {
        "refund_id": rules.capture_id(chunk),
        "refunded_amount": chunk.total,
        "refunded_at": moment(chunk.created_at),
        "description": chunk.description,
        "reference": chunk.action_reference,
        "order_lines": [_line(line) for line in chunk.lines],
    }


def order_lines(order: Order) -> list[Line]:
    """The order's lines: those captured (amount rows aside), then those not captured."""
    lines = [line for chunk in order.captured for line in chunk.lines if line.reference]
    if order.uncaptured is not None:
        lines.extend(order.uncaptured.lines)
    return lines


def order_view(order: Order, now: datetime) -> KlarnaOrder:
    own = rules.extras(order)
    refunded = rules.refunded_by_capture(order)
    first = order.events[0].amount if order.events else order.authorized
    return {
        "order_id": order.id,
        "status": rules.status(order, now),
        "fraud_status": rules.fraud_status(order),
        "order_amount": order.order_amount,
        "original_order_amount": first,
        "captured_amount": order.captured_amount,
        "refunded_amount": order.refunded_amount,
        "remaining_authorized_amount": 0 if order.is_expired(now) else order.remaining,
        "purchase_currency": order.currency,
        "purchase_country": order.country,
        "locale": own.get("locale") or f"{_language(order.country)}-{order.country}",
        "order_lines": [_line(line) for line in order_lines(order)],
        "merchant_reference1": order.merchant_reference,
        "merchant_reference2": own.get("merchant_reference2"),
        "klarna_reference": order.order_reference,
        "billing_address": _address(order.customer, "billing_address", "billingAddress"),
        "shipping_address": _address(order.customer, "shipping_address", "shippingAddress"),
        "created_at": moment(order.created_at),
        "expires_at": moment(order.expires_at),
        "captures": [capture_view(order, c, refunded[c.ledger_id]) for c in order.captured],
        "refunds": [refund_view(chunk) for chunk in order.refunded],
        "shipping_info": _shipping(own.get("shipping_info", [])),
        "initial_payment_method": {
            "type": order.payment_method.upper(),
            "description": PAYMENT_WORDS.get(order.payment_method.upper(), order.payment_method),
        },
    }


PAYMENT_WORDS = {
    "INVOICE": "Pay later",
    "FIXED_AMOUNT": "Slice it",
    "PAY_LATER_IN_PARTS": "Pay in 3",
    "DIRECT_DEBIT": "Pay now",
}
LANGUAGES = {"SE": "sv", "NO": "nb", "FI": "fi", "DK": "da", "DE": "de", "AT": "de", "NL": "nl"}


def _language(country: str) -> str:
    return LANGUAGES.get(country, "en")


def due_date_options(order: Order, chunk: Chunk) -> KlarnaDueDateOptions:
    return {
        "currency": order.currency,
        "options": [
            {"number_of_days": days, "amount": EXTENSION_FEE[days]}
            for days in rules.due_date_options(order, chunk)
        ],
    }


def no_content() -> Reply:
    return Reply(204, {}, b"")


def created(order_id: str, kind: str, id_header: str, made_id: str) -> Reply:
    """``201`` with the new object's id and its path (never an absolute URL: the SDK's
    cURL connector requests the base URL + ``Location``)."""
    return Reply(
        201,
        {id_header: made_id, "location": f"{BASE}/{order_id}/{kind}/{made_id}"},
        b"",
    )


class Created:
    """``201`` for a capture or refund made; a refusal in Klarna's envelope."""

    def __init__(self, kind: str, id_header: str) -> None:
        self.kind = kind
        self.id_header = id_header

    def present(self, order: Order, seq: int, result: Chunk) -> Reply:
        return created(order.id, self.kind, self.id_header, rules.capture_id(result))

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)


class NoContent:
    """``204`` for every other change; a refusal in Klarna's envelope."""

    def present(self, order: Order, seq: int, result: object) -> Reply:
        return no_content()

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)


def order_answer(order: Order, now: datetime) -> Reply:
    return json_answer(order_view(order, now))


def answer(body: Any) -> Reply:
    return json_answer(body)
