"""Klarna's checkout as the core asks for it (``service/checkout_dialect.py``): the loader the
``html_snippet`` loads, the events it dispatches for the iframe's messages, the push and
validation calls (``callbacks.py``) and the confirmation URL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from orderdesk.domain.checkout import Callback, CheckoutSession, Moment, Persona, Validation
from orderdesk.domain.order import Order
from orderdesk.providers.klarna.checkout import callbacks, views
from orderdesk.providers.klarna.checkout.snippet import LOADER_PATH
from orderdesk.providers.klarna.checkout.wire import filled

LOADER = Path(__file__).with_name("checkout.bootstrap.js")
#: The iframe's messages as Klarna's client-side events (the loader dispatches more with
#: them: ``customer`` with ``load``, ``change`` with ``billing_address_change``;
#: ``order_total_change`` only when the total moved).
EVENTS = {
    "ready": "load",
    "customerUpdated": "billing_address_change",
    "shippingUpdated": "shipping_address_change",
    "validationFailed": "can_not_complete_order",
    "completed": "redirect_initiated",
    "resumed": "order_total_change",
}


class KlarnaCheckout:
    loaders: Mapping[str, Path] = {LOADER_PATH: LOADER}
    events: Mapping[str, str] = EVENTS
    callback_types: Sequence[str] = (callbacks.PUSH, callbacks.NOTIFICATION)

    def validation(self, session: CheckoutSession) -> Validation | None:
        return callbacks.validation(session, views.session_order(session))

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        return callbacks.callbacks(session, order, moment)

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        """The shop's confirmation page once the purchase is complete; a declined customer
        stays in the checkout."""
        if persona in (Persona.DECLINE, Persona.ABANDON):
            return None
        return filled(callbacks.urls(session)["confirmation"], session.id)


CHECKOUT = KlarnaCheckout()
