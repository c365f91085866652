"""Walley's answers: the order model (``GET /manage/orders/{id}`` → ``{"data": {...}}``) and
``202 Accepted`` + ``Location`` for every change.

Each view returns its shape from ``responses.py``, so mypy checks every key and value it writes
against what the OpenAPI document says; at run time they are plain dicts for orjson."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from orderdesk.domain import payments
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.order import Chunk, Order, Reauthorization, document_reference
from orderdesk.domain.payments import PaidStatus
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.errors import error_answer
from orderdesk.providers.walley.responses import (
    WalleyAddress,
    WalleyCustomer,
    WalleyInvoice,
    WalleyItem,
    WalleyOrderAnswer,
    WalleyOrderSummary,
    WalleyReauthorizationAnswer,
)
from orderdesk.web.answers import Reply

INVOICE_DUE = timedelta(days=14)


def iso_offset(moment: datetime) -> str:
    """``2022-09-21T11:14:35.790041+00:00``."""
    return moment.isoformat()


def decimal_number(minor: int, exp: int) -> orjson.Fragment:
    """A JSON number written from integer minor units (``28500`` → ``285.00``), no float."""
    return orjson.Fragment(major_string(minor, exp).encode())


def _item(line: Line, exp: int) -> WalleyItem:
    price = line.unit_price if line.unit_price is not None else line.total_amount
    return {
        "articleNumber": line.reference,
        "description": line.description,
        "quantity": line.quantity,
        "price": decimal_number(price - (line.unit_discount or 0), exp),
        "vatRate": decimal_number(line.vat, 2),
        "totalAmount": decimal_number(line.total_amount, exp),
        "type": line.type,
    }


def _address(raw: dict[str, Any] | None) -> WalleyAddress | None:
    if not raw:
        return None
    contact = raw.get("contact") or {}
    name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
    return {
        "addressLine1": raw.get("streetAddress"),
        "addressLine2": raw.get("streetAddress2"),
        "city": raw.get("city"),
        "coAddress": raw.get("careOf"),
        "receiverName": raw.get("companyName") or raw.get("attentionName") or name or None,
        "countryCode": raw.get("country"),
        "email": contact.get("email"),
        "mobilePhone": contact.get("phone"),
        "phoneNumber": None,
        "postalCode": raw.get("postalCode"),
    }


def _masked(number: str | None) -> str | None:
    if not number:
        return None
    return number[:6] + "***" + number[-1:] if len(number) > 7 else "***"


def _customer(order: Order) -> WalleyCustomer:
    c = order.customer
    billing = c.get("billingAddress") or {}
    company = c.get("companyName")
    person = " ".join(p for p in (c.get("firstName"), c.get("lastName")) if p)
    return {
        "type": "Company" if company else "Person",
        "name": company or person or None,
        "firstName": c.get("firstName"),
        "lastName": c.get("lastName"),
        "registrationNumber": _masked(c.get("companyId") or c.get("nationalId")),
        "countryCode": billing.get("country") or order.country,
        "coAddress": billing.get("careOf"),
        "addressLine1": billing.get("streetAddress"),
        "addressLine2": billing.get("streetAddress2"),
        "city": billing.get("city"),
        "postalCode": billing.get("postalCode"),
        "email": c.get("email"),
        "mobilePhoneNumber": c.get("phone"),
        "homePhoneNumber": None,
    }


def order_view(order: Order, seq: int, now: datetime) -> WalleyOrderAnswer:
    exp = exponent(order.currency)
    lines = [line for chunk in order.captured for line in chunk.lines]
    if order.uncaptured is not None:
        lines.extend(order.uncaptured.lines)
    return {
        "data": {
            "id": order.id,
            "reference": order.merchant_reference,
            "paymentMethod": order.payment_method,
            "totalAmount": decimal_number(order.order_amount, exp),
            "currency": order.currency,
            "status": walley.status(order, now),
            "salesSegment": order.segment,
            "countryCode": order.country,
            "productCode": None,
            "placedAt": iso_offset(order.created_at),
            "expiresAt": iso_offset(order.expires_at) if order.remaining > 0 else None,
            "customer": _customer(order),
            "deliveryAddress": _address(order.customer.get("shippingAddress")),
            "invoiceAddress": _address(order.customer.get("billingAddress")),
            "items": [_item(line, exp) for line in lines],
            "invoices": _invoices(order, seq, exp),
        }
    }


def _invoices(order: Order, seq: int, exp: int) -> list[WalleyInvoice]:
    """One invoice per capture and one credit invoice (a negative total) per refund."""
    chunks = sorted((*order.captured, *order.refunded), key=lambda c: c.document_number)
    paid_on = payments.paid_on(order)
    return [_invoice(order, chunk, seq, exp, paid_on.get(chunk.ledger_id)) for chunk in chunks]


def _invoice(order: Order, chunk: Chunk, seq: int, exp: int, paid_on: int | None) -> WalleyInvoice:
    """A capture's invoice (``paid_on``: what is paid of it) or a credit's (None)."""
    credit = paid_on is None
    paid = PaidStatus.NOT_PAID
    if paid_on is not None:
        paid = payments.status_of(paid_on, payments.due_on(order, chunk))
    return {
        "invoiceNumber": document_reference(seq, chunk.document_number),
        "paymentStatus": paid,
        "totalAmount": decimal_number(-chunk.total if credit else chunk.total, exp),
        "createdAt": iso_offset(chunk.created_at),
        "dueDate": (chunk.created_at + INVOICE_DUE).date().isoformat(),
        "description": chunk.description,
        "actionReference": chunk.action_reference,
    }


def search_item(order: Order, now: datetime) -> WalleyOrderSummary:
    """An order as ``GET /manage/orders`` lists it."""
    exp = exponent(order.currency)
    lines = [line for chunk in order.captured for line in chunk.lines]
    if order.uncaptured is not None:
        lines.extend(order.uncaptured.lines)
    return {
        "id": order.id,
        "orderNumber": order.merchant_reference,
        "merchantId": order.merchant_id,
        "storeId": order.store_id,
        "paymentMethod": order.payment_method,
        "totalAmount": decimal_number(order.order_amount, exp),
        "totalVat": decimal_number(sum(line.total_vat for line in lines), exp),
        "currency": order.currency,
        "status": walley.status(order, now),
        "countryCode": order.country,
        "placedAt": iso_offset(order.created_at),
        "expiresAt": iso_offset(order.expires_at) if order.remaining > 0 else None,
        "customerDetails": {**_customer(order), "customerId": None},
        "deliveryAddress": _address(order.customer.get("shippingAddress")),
        "invoiceAddress": _address(order.customer.get("billingAddress")),
        "tags": [],
    }


def reauthorization_view(pending: Reauthorization) -> WalleyReauthorizationAnswer:
    """``GET /manage/orders/{id}/reauthorize/{reauthorizeId}``."""
    return {"data": {"status": pending.status}}


#: The header a write's ``correlationId`` is answered in (``GET …?correlationId=`` reads it).
CORRELATION_HEADER = "x-correlation-id"


def _written(order: Order, status: int, location: str) -> Reply:
    headers = {"location": location, CORRELATION_HEADER: order.events[-1].id}
    return Reply(status, headers, b"")


class Accepted:
    """Walley's answer to a change: ``202`` + ``Location``, no body; refusals in its envelope.
    The write's ``correlationId`` comes in a header."""

    def present(self, order: Order, seq: int, result: object) -> Reply:
        return _written(order, 202, f"/manage/orders/{order.id}")

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)


class Reauthorized:
    """``202`` when the order was reauthorized at once; ``201`` with the status resource in
    ``Location`` (relative, as clients prepend their base URL) when a credit check decides."""

    def present(self, order: Order, seq: int, result: Reauthorization | None) -> Reply:
        if result is None:
            return _written(order, 202, f"/manage/orders/{order.id}")
        return _written(order, 201, f"/manage/orders/{order.id}/reauthorize/{result.id}")

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)


ACCEPTED = Accepted()
REAUTHORIZED = Reauthorized()
