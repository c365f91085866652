"""Klarna Checkout v3's answers: the checkout order (``201`` + ``Location`` when made, ``200``
when read or updated) and its errors in Klarna's envelope.

The order carries what the shop sent (its lines, amounts, merchant URLs and options, as
sent), what the customer entered in the checkout (addresses), ``status``
(``checkout_incomplete`` → ``checkout_complete``), its times and the ``html_snippet``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderdesk.providers.klarna.checkout.snippet import html_snippet
from orderdesk.providers.klarna.views import moment
from orderdesk.web.answers import Reply, json_answer

BASE = "/checkout/v3/orders"
INCOMPLETE = "checkout_incomplete"
COMPLETE = "checkout_complete"
#: What the shop sent, echoed in this order (the rest of the object is Klarna's own).
ECHOED = (
    "purchase_country",
    "purchase_currency",
    "locale",
    "billing_address",
    "customer",
    "shipping_address",
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


def checkout_order(
    base: str,
    order_id: str,
    data: dict[str, Any],
    status: str,
    started_at: datetime,
    last_modified_at: datetime,
    completed_at: datetime | None,
) -> dict[str, Any]:
    """The checkout order as Klarna answers it: the country lower case as Klarna echoes it,
    an address holding at least the purchase country, the lists it always sends."""
    country = str(data["purchase_country"]).lower()
    order: dict[str, Any] = {"order_id": order_id, "status": status}
    for key in ECHOED:
        if key in data:
            order[key] = data[key]
    order["purchase_country"] = country
    order["purchase_currency"] = str(data["purchase_currency"]).upper()
    order["billing_address"] = {"country": country, **data.get("billing_address", {})}
    order["shipping_address"] = {"country": country, **data.get("shipping_address", {})}
    order.setdefault("customer", {})
    order.setdefault("options", {})
    order["external_payment_methods"] = data.get("external_payment_methods", [])
    order["external_checkouts"] = data.get("external_checkouts", [])
    order["html_snippet"] = html_snippet(base, order_id, data, status)
    order["started_at"] = moment(started_at)
    order["last_modified_at"] = moment(last_modified_at)
    if completed_at is not None:
        order["completed_at"] = moment(completed_at)
    return order


def created(order: dict[str, Any]) -> Reply:
    """``201`` with the order and its path in ``Location``: the SDK reads both, and requests
    ``base URL + Location`` with its cURL connector, so the path alone works for both."""
    return json_answer(order, 201, {"location": f"{BASE}/{order['order_id']}"})


def read(order: dict[str, Any]) -> Reply:
    return json_answer(order, 200)
