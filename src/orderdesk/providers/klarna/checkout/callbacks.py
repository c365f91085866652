"""Klarna's server-to-server calls around a checkout order.

- **push**: once the purchase is complete, an empty ``POST`` to ``merchant_urls.push`` with
  ``{checkout.order.id}`` filled, repeated until the shop acknowledges the order through order
  management (``POST /ordermanagement/v1/orders/{id}/acknowledge``; a capture acknowledges
  too) — "after 5, 15, 30 and 60 minutes and then every 4 hours for a total of 48 hours"
  (docs.klarna.com, Confirm purchase).
- **notification**: when an order that was ``PENDING`` (on hold) is settled, a ``POST`` of
  ``{"order_id", "event_type": "FRAUD_RISK_ACCEPTED" | "FRAUD_RISK_REJECTED"}`` to
  ``merchant_urls.notification``, when the shop gave one.
- **validation**: when the customer buys, a ``POST`` of the order (as the checkout API reads
  it) to ``merchant_urls.validation``: ``200`` accepts; ``301``/``302``/``303``/``307`` with
  ``Location`` rejects and sends the customer there; no answer within 3 seconds approves the
  purchase, unless the order's ``options.require_validate_callback_success`` is true, when
  the shop has 10 seconds and no answer fails it (docs.klarna.com, Validate order).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from orderdesk.domain.checkout import (
    Callback,
    CheckoutSession,
    HookAnswer,
    Moment,
    Outbound,
    Validation,
    Verdict,
)
from orderdesk.domain.order import Order
from orderdesk.providers.klarna.checkout.wire import filled

PUSH = "checkout.push"
NOTIFICATION = "checkout.notification"
#: The waits between pushes: 5, 15, 30, 60 minutes after the first, then every 4 hours while
#: 48 hours have not passed since the first.
PUSH_RETRIES: tuple[timedelta, ...] = (
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=15),
    timedelta(minutes=30),
    *(timedelta(hours=4),) * 11,
)
ACCEPTED = frozenset(range(200, 300))
REJECTING = frozenset({301, 302, 303, 307})
QUICK = timedelta(seconds=3)
STRICT = timedelta(seconds=10)


def urls(session: CheckoutSession) -> dict[str, str]:
    """The order's merchant URLs as the shop sent them (placeholders unfilled)."""
    merchant_urls: dict[str, str] = session.data["order"]["merchant_urls"]
    return merchant_urls


def callbacks(session: CheckoutSession, order: Order, moment: Moment) -> Sequence[Callback]:
    if moment == "completed":
        push = Outbound("POST", filled(urls(session)["push"], session.id))
        return [
            Callback(PUSH, push, ACCEPTED, until_acknowledged=True, retry_schedule=PUSH_RETRIES)
        ]
    target = urls(session).get("notification")
    if not target:
        return []
    event = "FRAUD_RISK_ACCEPTED" if session.status == "completed" else "FRAUD_RISK_REJECTED"
    body = json.dumps({"order_id": session.id, "event_type": event}, separators=(",", ":"))
    request = Outbound(
        "POST", filled(target, session.id), body, {"Content-Type": "application/json"}
    )
    return [Callback(NOTIFICATION, request, ACCEPTED)]


def _strict(session: CheckoutSession) -> bool:
    options = session.data["order"].get("options") or {}
    return options.get("require_validate_callback_success") is True


def validation(session: CheckoutSession, now_order: dict[str, object]) -> Validation | None:
    """The validation call for ``session`` whose order reads ``now_order``; None without a
    validation URL."""
    target = urls(session).get("validation")
    if not target:
        return None
    strict = _strict(session)
    body = json.dumps(now_order, separators=(",", ":"), ensure_ascii=False)
    request = Outbound(
        "POST", filled(target, session.id), body, {"Content-Type": "application/json"}
    )

    def judge(answer: HookAnswer | None) -> Verdict:
        if answer is None:
            if strict:
                return Verdict(False, "The shop did not answer the validation in time")
            return Verdict(True)
        if answer.status == 200:
            return Verdict(True)
        location = answer.headers.get("location")
        if answer.status in REJECTING and location:
            return Verdict(False, "The shop refused the purchase", location)
        return Verdict(False, f"The shop's validation answered {answer.status}")

    return Validation(request, STRICT if strict else QUICK, judge)
