"""The checkout API's answers in Walley's envelope, ``{"id", "data", "error": null}`` — the
PHP SDK takes a body without ``"error": null`` for a failure (``CurlAdapter::validateResponse``).

``GET /checkouts/{privateId}`` shows the session as Walley's "Get Checkout Information" does:
``status`` (``Initialized``, ``CustomerIdentified``, ``CommittedToPurchase``,
``PurchaseCompleted``, ``Aborted``), the customer, the cart and fees, and once paid
``purchase`` (``result``: ``Preliminary``, ``OnHold``, ``Rejected``) and ``order`` (its
``orderId`` is the order-management order, ``/manage/orders/{orderId}``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from orderdesk.domain.checkout import CheckoutSession
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.money import exponent
from orderdesk.domain.order import Order
from orderdesk.providers.walley.checkout.responses import (
    CheckoutAnswer,
    CheckoutInformation,
    CheckoutItem,
    Created,
    CreatedAnswer,
    Done,
    Purchase,
    Result,
    SessionStatus,
)
from orderdesk.providers.walley.views import decimal_number, iso_offset

#: ``data.fees``' names, in the order of ``session.fees`` (kept in the session's ``data``).
FEE_NAMES = "feeNames"


def envelope_id() -> str:
    return str(uuid.uuid4())


def created(session: CheckoutSession) -> CreatedAnswer:
    data: Created = {
        "privateId": session.id,
        "publicToken": session.token,
        "expiresAt": iso_offset(session.expires_at),
    }
    return {"id": envelope_id(), "data": data, "error": None}


def done() -> Done:
    """The answer to an update: no data, no error."""
    return {"id": envelope_id(), "data": None, "error": None}


def status(session: CheckoutSession, now: datetime) -> SessionStatus:
    at = session.status_at(now)
    if at in ("completed", "onHold") or (at == "declined" and session.order_id):
        return "PurchaseCompleted"
    if at == "locked":
        return "CommittedToPurchase"
    if at in ("declined", "abandoned", "expired"):
        return "Aborted"
    return "CustomerIdentified" if _identified(session.customer) else "Initialized"


def _identified(customer: dict[str, Any]) -> bool:
    return bool(customer.get("firstName") or customer.get("billingAddress"))


def _item(line: CaptureLine, exp: int) -> CheckoutItem:
    return {
        "id": line.reference,
        "description": line.description,
        "unitPrice": decimal_number(line.unit_price or 0, exp),
        "quantity": line.quantity,
        "vat": decimal_number(line.vat, 2),
    }


def _address(raw: dict[str, Any] | None, customer: dict[str, Any]) -> dict[str, Any] | None:
    if not raw:
        return None
    contact = raw.get("contact") or {}
    return {
        "firstName": contact.get("firstName") or customer.get("firstName"),
        "lastName": contact.get("lastName") or customer.get("lastName"),
        "coAddress": raw.get("careOf"),
        "address": raw.get("streetAddress") or raw.get("street"),
        "address2": raw.get("streetAddress2"),
        "postalCode": raw.get("postalCode"),
        "city": raw.get("city"),
        "country": raw.get("country"),
        "countryCode": raw.get("country"),
    }


def _customer(customer: dict[str, Any]) -> dict[str, Any] | None:
    if not customer:
        return None
    billing = customer.get("billingAddress")
    delivery = customer.get("shippingAddress") or billing
    return {
        "email": customer.get("email"),
        "mobilePhoneNumber": customer.get("phone"),
        "nationalIdentificationNumber": customer.get("nationalId"),
        "deliveryContactInformation": {"mobilePhoneNumber": customer.get("phone")},
        "deliveryAddress": _address(delivery, customer),
        "billingAddress": _address(billing, customer),
    }


def _result(session: CheckoutSession, order: Order) -> Result:
    if session.status == "onHold" or order.on_hold:
        return "OnHold"
    if session.status == "declined" or order.rejected:
        return "Rejected"
    return "Preliminary"


def information(session: CheckoutSession, order: Order | None, now: datetime) -> CheckoutAnswer:
    exp = exponent(session.currency)
    names: list[str] = session.data.get(FEE_NAMES, [])
    fees = {name: _item(fee, exp) for name, fee in zip(names, session.fees, strict=False)}
    data: CheckoutInformation = {
        "customerType": "PrivateCustomer" if _identified(session.customer) else None,
        "customer": _customer(session.customer),
        "businessCustomer": None,
        "countryCode": session.country,
        "status": status(session, now),
        "reference": (order.merchant_reference if order else session.reference) or None,
        "cart": {
            "totalAmount": decimal_number(sum(x.total_amount for x in session.lines), exp),
            "items": [_item(line, exp) for line in session.lines],
        },
        "fees": fees or None,
        "metadata": session.metadata or None,
        "purchase": None,
        "order": None,
        "shipping": None,
    }
    if order is not None:
        purchase: Purchase = {
            "amountToPay": decimal_number(session.total, exp),
            "paymentName": order.payment_method,
            "invoiceDeliveryMethod": "Email",
            "purchaseIdentifier": order.order_reference,
            "result": _result(session, order),
        }
        data["purchase"] = purchase
        data["order"] = {
            "orderId": order.id,
            "totalAmount": decimal_number(session.total, exp),
            "items": [_item(line, exp) for line in (*session.lines, *session.fees)],
        }
    return {"id": envelope_id(), "data": data, "error": None}
