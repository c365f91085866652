"""Klarna Checkout v3's answers: the checkout order (``201`` + ``Location`` when made, ``200``
when read or updated) and its errors in Klarna's envelope.

The order carries what the shop sent (its lines, amounts, merchant URLs and options, as
sent), what the customer entered in the checkout (addresses), ``status``
(``checkout_incomplete`` → ``checkout_complete``), its times and the ``html_snippet``."""

from __future__ import annotations

from typing import Any

from orderdesk.domain.checkout import CheckoutSession
from orderdesk.providers.klarna.checkout.snippet import html_snippet
from orderdesk.providers.klarna.views import _from_sandbox, moment
from orderdesk.web.answers import Reply, json_answer

BASE = "/checkout/v3/orders"
INCOMPLETE = "checkout_incomplete"
COMPLETE = "checkout_complete"
#: What the shop sent, echoed in this order (the rest of the object is Klarna's own).
ECHOED = (
    "purchase_country",
    "purchase_currency",
    "locale",
    "customer",
    "order_amount",
    "order_tax_amount",
    "order_lines",
    "merchant_urls",
    "merchant_reference1",
    "merchant_reference2",
    "merchant_data",
    "options",
    "gui",
    "billing_countries",
    "shipping_countries",
    "shipping_options",
    "tags",
    "recurring",
)


def _address(raw: dict[str, Any] | None, customer: dict[str, Any], country: str) -> dict[str, Any]:
    """An address of the session's customer (the sandbox's shape) in Klarna's words, with
    at least the purchase country."""
    found = {k: v for k, v in _from_sandbox(raw, customer).items() if v not in (None, "")}
    found["country"] = str(found.get("country") or country).lower()
    return found


def status_of(session: CheckoutSession) -> str:
    """``checkout_complete`` once the purchase is (its order made, on hold or not)."""
    return COMPLETE if session.completed_at is not None else INCOMPLETE


def session_order(session: CheckoutSession) -> dict[str, Any]:
    """The checkout order as Klarna answers it: what the shop sent, the country lower case
    as Klarna echoes it, the customer's addresses, the lists it always sends."""
    data: dict[str, Any] = session.data["order"]
    country = str(data["purchase_country"]).lower()
    status = status_of(session)
    order: dict[str, Any] = {"order_id": session.id, "status": status}
    for key in ECHOED:
        if key in data:
            order[key] = data[key]
    order["purchase_country"] = country
    order["purchase_currency"] = str(data["purchase_currency"]).upper()
    customer = session.customer
    order["billing_address"] = _address(customer.get("billingAddress"), customer, country)
    order["shipping_address"] = _address(
        customer.get("shippingAddress") or customer.get("billingAddress"), customer, country
    )
    order.setdefault("customer", {})
    order.setdefault("options", {})
    order["external_payment_methods"] = data.get("external_payment_methods", [])
    order["external_checkouts"] = data.get("external_checkouts", [])
    order["html_snippet"] = html_snippet(session.data["base"], session, status)
    order["started_at"] = moment(session.created_at)
    order["last_modified_at"] = moment(session.updated_at)
    if session.completed_at is not None:
        order["completed_at"] = moment(session.completed_at)
    return order


def created(order: dict[str, Any]) -> Reply:
    """``201`` with the order and its path in ``Location``: the SDK reads both, and requests
    ``base URL + Location`` with its cURL connector, so the path alone works for both."""
    return json_answer(order, 201, {"location": f"{BASE}/{order['order_id']}"})


def read(order: dict[str, Any]) -> Reply:
    return json_answer(order, 200)
