"""Klarna as the registry lists it: everything the core, the back-office, the sandbox and the
demo ask of a provider (``providers/base.py::Provider``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from orderdesk.domain.order import Order
from orderdesk.providers.base import Provider
from orderdesk.providers.klarna import (
    NAME,
    TITLE,
    errors,
    notifications,
    routes,
    rules,
    search,
    settlements,
    wire,
)
from orderdesk.providers.klarna.backoffice import KlarnaBackoffice
from orderdesk.providers.klarna.checkout import routes as checkout_routes
from orderdesk.providers.klarna.checkout.dialect import CHECKOUT
from orderdesk.providers.klarna.demo import KlarnaDemo
from orderdesk.web.dialect import Security

STATUS_WORDS: dict[str, str] = {
    rules.Status.AUTHORIZED: "authorised, nothing captured yet",
    rules.Status.PART_CAPTURED: "partly captured",
    rules.Status.CAPTURED: "fully captured",
    rules.Status.CANCELLED: "cancelled before anything was captured",
    rules.Status.EXPIRED: "the authorisation expired before anything was captured",
    rules.Status.CLOSED: "closed by Klarna",
}
#: Klarna's own refusals in plain words (the back-office's).
EXPLAINED = {
    errors.CAPTURE_NOT_ALLOWED: "Klarna does not allow this capture: it is more than is left "
    "to capture, or the order is not open for captures.",
    errors.REFUND_NOT_ALLOWED: "Klarna does not allow this refund: it is more than was captured "
    "and not yet refunded.",
    errors.CANCEL_NOT_ALLOWED: "Klarna cancels only orders with nothing captured.",
    errors.NOT_ALLOWED: "Klarna does not allow this on the order in its state.",
}


class Klarna:
    name = NAME
    title = TITLE
    prefixes = ("/ordermanagement/", "//ordermanagement/", "/settlements/", "/checkout/v3/")
    security = Security(
        "KlarnaBasic",
        "a credential's client id and secret as username and password",
        "Klarna-Idempotency-Key",
        http_scheme="basic",
    )
    route_tables = (routes.ROUTES, settlements.ROUTES, checkout_routes.ROUTES)
    statuses = tuple(rules.Status)
    status_words = STATUS_WORDS
    explained = EXPLAINED
    payment_methods = None  # any; shown upper-case as Klarna's initial_payment_method.type
    holds = True  # an order on hold is fraud_status PENDING (rules.fraud_status)
    order_shape = staticmethod(wire.sandbox_order)
    checkout = CHECKOUT
    notifier = notifications.NOTIFIER
    envelope = staticmethod(errors.envelope)
    error_answer = staticmethod(errors.error_answer)
    backoffice = KlarnaBackoffice()
    demo = KlarnaDemo()

    def status_word(self, order: Order, at: datetime) -> str:
        return rules.status(order, at).value

    def statuses_of(self, order: Order, now: datetime) -> list[str]:
        return [rules.status(order, now).value]

    def status_sql(self, status: str, now: str) -> str:
        return search.STATUS_SQL[rules.Status(status)].format(now=now)

    def new_order_id(self) -> str:
        return str(uuid.uuid4())

    def line_type(self, type_: str) -> str:
        return type_

    def order_path(self, order_id: str) -> str:
        return f"/ordermanagement/v1/orders/{order_id}"


PROVIDER: Provider = Klarna()
