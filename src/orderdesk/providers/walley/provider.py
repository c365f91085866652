"""Walley as the registry lists it: everything the core, the back-office, the sandbox and the
demo ask of a provider (``providers/base.py::Provider``)."""

from __future__ import annotations

from datetime import datetime

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.order import Order
from orderdesk.providers.base import Provider
from orderdesk.providers.walley import (
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
from orderdesk.providers.walley.backoffice import WalleyBackoffice
from orderdesk.providers.walley.demo import WalleyDemo
from orderdesk.web.dialect import Security

STATUS_WORDS: dict[str, str] = {
    rules.WalleyStatus.NOT_ACTIVATED: "authorised, nothing captured yet",
    rules.WalleyStatus.PART_ACTIVATED: "partly captured",
    rules.WalleyStatus.ACTIVATED: "fully captured",
    rules.WalleyStatus.RETURNED: "captured and fully refunded",
    rules.WalleyStatus.EXPIRED: "the authorisation expired",
    rules.WalleyStatus.CLOSED: "settled or written off by Walley",
    rules.WalleyStatus.CANCELLED: "released before anything was captured",
    rules.WalleyStatus.ON_HOLD: "on hold: Walley has yet to accept or reject it",
}
#: Walley's own refusals in plain words (the back-office's).
EXPLAINED = {
    e.CAPTURE_ITEM_AMBIGUOUS: (
        "Two uncaptured lines look the same to Walley (same article number and price); "
        "capture them together or capture everything."
    ),
    e.CAPTURE_ITEMS_NOT_EXACT: (
        "A chosen line's total does not divide evenly by its quantity, so Walley cannot "
        "capture it by items; capture everything instead."
    ),
    e.REFUND_ITEM_AMBIGUOUS: (
        "Two captured lines look the same to Walley (same article number and price); "
        "refund them together or refund an amount."
    ),
    e.REFUND_ITEMS_NOT_EXACT: (
        "A chosen line's total does not divide evenly by its quantity, so Walley cannot "
        "refund it by items; refund an amount instead."
    ),
}


class Walley:
    name = NAME
    title = TITLE
    prefixes = ("/manage/", "/reports/")
    security = Security(
        "WalleyToken", "an access token from POST /oauth2/v2.0/token", "X-Idempotency"
    )
    route_tables = (tokens.ROUTES, routes.ROUTES, settlements.ROUTES)
    statuses = tuple(rules.WalleyStatus)
    status_words = STATUS_WORDS
    explained = EXPLAINED
    payment_methods = tuple(rules.PaymentMethod)
    holds = True
    order_shape = None
    checkout = None
    notifier = notifications.NOTIFIER
    envelope = staticmethod(errors.envelope)
    error_answer = staticmethod(errors.error_answer)
    backoffice = WalleyBackoffice()
    demo = WalleyDemo()

    def status_word(self, order: Order, at: datetime) -> str:
        return rules.status(order, at).value

    def statuses_of(self, order: Order, now: datetime) -> list[str]:
        return [rules.status(order, now).value]

    def status_sql(self, status: str, now: str) -> str:
        return search.status_sql(status, now)

    def new_order_id(self) -> str:
        return ids.new_uuid()

    def line_type(self, type_: str) -> str:
        return rules.walley_type(type_)

    def order_path(self, order_id: str) -> str:
        return f"/manage/orders/{order_id}"


PROVIDER: Provider = Walley()
