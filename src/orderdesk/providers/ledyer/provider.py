"""Ledyer as the registry lists it: everything the core, the back-office, the sandbox and the
demo ask of a provider (``providers/base.py::Provider``)."""

from __future__ import annotations

from datetime import datetime

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.order import Order
from orderdesk.providers.base import Provider
from orderdesk.providers.ledyer import (
    NAME,
    TITLE,
    errors,
    notifications,
    routes,
    rules,
    search,
    settlements,
    tokens,
)
from orderdesk.providers.ledyer.backoffice import LedyerBackoffice
from orderdesk.providers.ledyer.checkout import routes as checkout_routes
from orderdesk.providers.ledyer.checkout.dialect import CHECKOUT
from orderdesk.providers.ledyer.demo import LedyerDemo
from orderdesk.web.dialect import Security

STATUS_WORDS: dict[str, str] = {
    rules.LedyerStatus.UNCAPTURED: "authorised, nothing captured yet",
    rules.LedyerStatus.PARTIALLY_CAPTURED: "partly captured",
    rules.LedyerStatus.FULLY_CAPTURED: "fully captured",
    rules.LedyerStatus.CANCELLED: "what was not captured is released",
    rules.LedyerStatus.PARTIALLY_REFUNDED: "partly refunded",
    rules.LedyerStatus.FULLY_REFUNDED: "fully refunded",
    rules.LedyerStatus.EXPIRED: "the authorisation expired",
    rules.LedyerStatus.UNACKNOWLEDGED: "the merchant has not acknowledged it yet",
    rules.LedyerStatus.PARTIALLY_PAID: "the customer has paid part of its invoices",
    rules.LedyerStatus.FULLY_PAID: "the customer has paid its invoices",
}
#: Ledyer's own refusals in plain words (the back-office's).
EXPLAINED = {
    e.ACTION_NOT_AVAILABLE: "Ledyer does not offer this action on the order in its state.",
}


class Ledyer:
    name = NAME
    title = TITLE
    prefixes = ("/v1/",)
    security = Security("LedyerToken", "an access token from POST /oauth/token", "Idempotency-Key")
    route_tables = (
        tokens.ROUTES,
        routes.ROUTES,
        settlements.ROUTES,
        checkout_routes.ROUTES,
        checkout_routes.LOADER_ROUTES,
    )
    statuses = tuple(rules.LedyerStatus)
    status_words = STATUS_WORDS
    explained = EXPLAINED
    payment_methods = tuple(rules.PaymentMethod)
    holds = False
    order_shape = None
    checkout = CHECKOUT
    notifier = notifications.NOTIFIER
    envelope = staticmethod(errors.envelope)
    error_answer = staticmethod(errors.error_answer)
    backoffice = LedyerBackoffice()
    demo = LedyerDemo()

    def status_word(self, order: Order, at: datetime) -> str:
        return rules.statuses(order, at)[0].value

    def statuses_of(self, order: Order, now: datetime) -> list[str]:
        return [status.value for status in rules.statuses(order, now)]

    def status_sql(self, status: str, now: str) -> str:
        return search.STATUS_SQL[status].format(now=now)

    def new_order_id(self) -> str:
        return ids.prefixed(ids.ORDER)

    def line_type(self, type_: str) -> str:
        return type_

    def order_path(self, order_id: str) -> str:
        return f"/v1/orders/{order_id}"


PROVIDER: Provider = Ledyer()
