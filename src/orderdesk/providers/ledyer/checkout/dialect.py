"""What the core asks of Ledyer's checkout (``service/checkout_dialect.py::CheckoutDialect``):
the loader ``/bootstrap.js``, the events it dispatches for the hosted checkout's messages,
the order-validation call before pay, the notification once the order is made, and where
the top window goes.

Sources: developers.ledyer.com …/checkout/client-api-events (suspend, resume, client
validation: at most 10 s, then the purchase proceeds), …/notifications/order-validation
(``POST settings.urls.validate`` with ``{merchantId, orderId, reference, storeId}``; 200
proceeds, 303 redirects to ``Location``, 400 refuses with a generic message, 422 with the
body's ``title``/``body``), …/notifications/order-events (``com.ledyer.order.create``, then
``ready_for_capture``; only a 200 counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

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
)
from orderdesk.domain.order import EventType, Order
from orderdesk.providers.ledyer.notifications import NAMING

LOADER = Path(__file__).parent / "bootstrap.js"
#: The hosted checkout's messages (``checkout/__init__.py``) and the events the loader
#: dispatches on ``document`` for them, as Ledyer's checkout does and the WooCommerce plugin
#: listens for.
EVENTS = {
    "beforePayment": "ledyerCheckoutWaitingForClientValidation",
    "locked": "ledyerCheckoutOrderPending",
    "completed": "ledyerCheckoutOrderComplete",
}
#: How long the shop's validation URL has to answer (Ledyer documents none; its client
#: validation waits 10 s).
VALIDATION_TIMEOUT = timedelta(seconds=10)
GENERIC_REFUSAL = "The order could not be completed. Please contact the store."
JSON = {"Content-Type": "application/json"}


def _body(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def _merchant(session: CheckoutSession) -> str:
    return str(session.data.get("merchantId", ""))


def _timeout_accepts(session: CheckoutSession) -> bool:
    security = session.data.get("settings", {}).get("security", {})
    return bool(security.get("validationSuccessOnTimeout", False))


def judge(answer: HookAnswer | None, accept_on_timeout: bool) -> Verdict:
    """The shop's answer to the validation call, as Ledyer reads it."""
    if answer is None:
        return Verdict(accept_on_timeout, "" if accept_on_timeout else GENERIC_REFUSAL)
    if answer.status == 200:
        return Verdict(True)
    if answer.status == 303 and answer.headers.get("location"):
        return Verdict(False, "", answer.headers["location"])
    if answer.status == 422:
        try:
            sent = orjson.loads(answer.body)
        except orjson.JSONDecodeError:
            sent = None
        if isinstance(sent, dict):
            parts = [str(sent[k]) for k in ("title", "body") if isinstance(sent.get(k), str)]
            if parts:
                return Verdict(False, " — ".join(parts))
    return Verdict(False, GENERIC_REFUSAL)


class LedyerCheckout:
    loaders: ClassVar[Mapping[str, Path]] = {"/bootstrap.js": LOADER}
    events: ClassVar[Mapping[str, str]] = EVENTS
    #: Its callbacks are order notifications, named as the notifier names them.
    callback_types: ClassVar[Sequence[str]] = ()

    def validation(self, session: CheckoutSession) -> Validation | None:
        url = session.urls.get("validation")
        if not url:
            return None
        body = {
            "merchantId": _merchant(session),
            "orderId": session.order_id,
            "reference": session.reference,
            "storeId": session.store_id,
        }
        accept_on_timeout = _timeout_accepts(session)
        return Validation(
            Outbound("POST", url, _body(body), JSON),
            VALIDATION_TIMEOUT,
            lambda answer: judge(answer, accept_on_timeout),
        )

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        """``com.ledyer.order.create`` (and ``ready_for_capture`` when the order is ready)
        to ``settings.urls.notification``; a Ledyer order is never on hold, so nothing
        when one settles."""
        url = session.urls.get("notification")
        if not url or moment != "completed":
            return []
        kinds = [EventType.CREATE]
        if any(event.type == EventType.READY_FOR_CAPTURE for event in order.events):
            kinds.append(EventType.READY_FOR_CAPTURE)
        made = []
        for kind in kinds:
            name = NAMING.of(kind)
            assert name is not None
            body = {
                "eventType": name,
                "merchantId": order.merchant_id,
                "orderId": order.id,
                "reference": order.merchant_reference,
                "storeId": order.store_id,
            }
            made.append(Callback(name, Outbound("POST", url, _body(body), JSON)))
        return made

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        """``settings.urls.confirmation`` after an order is made; none after a refusal. The
        WooCommerce plugin sends ``""`` and goes there itself on
        ``ledyerCheckoutOrderComplete``."""
        if persona in (Persona.DECLINE, Persona.ABANDON):
            return None
        return session.urls.get("confirmation") or None


CHECKOUT = LedyerCheckout()
