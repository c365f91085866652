"""What the core asks of Walley's checkout (``service/checkout_dialect.py``): its loader
scripts, its client-side event names, the validation call before pay, the notification after
it and the redirect to the shop.

- Validation (dev.walleypay.com "Validate order"): a POST to ``validationUri`` with its
  placeholders filled, no body; a 2xx answer lets the purchase go on, anything else (or no
  answer within 10 seconds) stops it, and the answer's ``{"title", "message"}`` is shown.
- Notification ("Handle purchase callbacks"): a GET to ``notificationUri`` with its
  placeholders filled when the purchase completes and when an invoice on hold is settled,
  retried until the shop answers 200, after 5 s, 10 s, 3 min, 1, 4, 8, 16 and 24 hours.
- The redirect: ``redirectPageUri``, placeholders filled, after a purchase (not after a
  rejection: Walley's customer stays in the checkout).

Placeholders: ``{checkout.id}`` (the private id) and ``{checkout.publictoken}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import orjson

from orderdesk.domain.checkout import (
    Callback,
    CheckoutSession,
    HookAnswer,
    Moment,
    Outbound,
    Persona,
    Validation,
    Verdict,
    fill,
)
from orderdesk.domain.order import Order

LOADER = Path(__file__).with_name("loader.js")
#: The session's URLs by the core's roles (``CheckoutSession.urls``), from Walley's names.
ROLES = {
    "redirectPageUri": "confirmation",
    "notificationUri": "notification",
    "validationUri": "validation",
    "merchantTermsUri": "terms",
    "checkoutAbortedRedirectPageUri": "aborted",
}
RETRY_SCHEDULE = tuple(
    timedelta(seconds=s) for s in (5, 10, 180, 3600, 4 * 3600, 8 * 3600, 16 * 3600, 24 * 3600)
)
VALIDATION_TIMEOUT = timedelta(seconds=10)
NOTIFICATION = "checkout.notification"


def placeholders(session: CheckoutSession) -> dict[str, str]:
    return {"checkout.id": session.id, "checkout.publictoken": session.token}


def judge(answer: HookAnswer | None) -> Verdict:
    """The shop's answer to the validation call."""
    if answer is None:
        return Verdict(False, "The shop did not answer the validation in time.")
    if 200 <= answer.status < 300:
        return Verdict(True)
    try:
        said = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        said = None
    if isinstance(said, dict) and isinstance(said.get("message"), str):
        title = said.get("title")
        message: str = said["message"]
        return Verdict(False, f"{title}: {message}" if isinstance(title, str) else message)
    return Verdict(False, f"The shop refused the purchase (HTTP {answer.status}).")


class WalleyCheckout:
    loaders: Mapping[str, Path] = {
        "/collector-checkout-loader.js": LOADER,
        "/walley-checkout-loader.js": LOADER,
    }
    callback_types: Sequence[str] = (NOTIFICATION,)
    events: Mapping[str, str] = {
        "customerUpdated": "walleyCheckoutCustomerUpdated",
        "shippingUpdated": "walleyCheckoutShippingUpdated",
        "locked": "walleyCheckoutLocked",
        "unlocked": "walleyCheckoutUnlocked",
        "resumed": "walleyCheckoutResumed",
        "validationFailed": "walleyCheckoutOrderValidationFailed",
        "completed": "walleyCheckoutPurchaseCompleted",
    }

    def validation(self, session: CheckoutSession) -> Validation | None:
        url = session.urls.get("validation")
        if not url:
            return None
        request = Outbound("POST", fill(url, placeholders(session)))
        return Validation(request, VALIDATION_TIMEOUT, judge)

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        url = session.urls.get("notification")
        if not url:
            return []
        request = Outbound("GET", fill(url, placeholders(session)))
        return [
            Callback(NOTIFICATION, request, accept=frozenset({200}), retry_schedule=RETRY_SCHEDULE)
        ]

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        url = session.urls.get("confirmation")
        if not url or persona in (Persona.DECLINE, Persona.ABANDON):
            return None
        return fill(url, placeholders(session))


CHECKOUT = WalleyCheckout()
