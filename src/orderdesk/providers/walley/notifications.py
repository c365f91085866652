"""Walley's notifications (dev.walleypay.com, "Webhooks": overview and order events).

Body: ``{"Type": "walley:order:<event>", "Timestamp", "Payload": {"OrderId", "Reference",
"Amount", "Currency"}}`` with the amount in decimal major units; ``created`` adds ``Status``,
``AuthorizationId`` and ``CustomerToken``, ``reauthorized`` adds ``OriginalAmount`` (the
order's worth before). ``authorized`` is sent when an order that was on hold is accepted (a
``readyForCapture`` that is not part of the order's creation), ``extended`` when an expired
order is authorised again (``Amount``: what had expired, its ``expire`` event's).
``editCustomer`` is not sent.

Headers: ``User-Agent`` in Walley's form, ``Walley-CorrelationId`` (the write that caused the
event), ``Walley-Timestamp`` (the event's UNIX time), ``Walley-Signature`` (the HMAC, see
``signature``) and ``Walley-Live: False``. Any ``2xx`` answer counts as delivered; the
retries follow Walley's schedule (``RETRY_SCHEDULE``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.notifications import Naming, Notification, Notifier, Outgoing
from orderdesk.domain.order import Event, EventType, LedgerKind, Order

NAMING = Naming(
    "walley:order:",
    {
        EventType.CREATE: "created",
        EventType.READY_FOR_CAPTURE: "authorized",
        EventType.PARTIAL_CAPTURE: "captured",
        EventType.FULL_CAPTURE: "captured",
        EventType.PARTIAL_REFUND: "refunded",
        EventType.FULL_REFUND: "refunded",
        EventType.CANCEL: "cancelled",
        EventType.EXTEND_EXPIRY: "extended",
        EventType.REAUTHORIZE: "reauthorized",
        EventType.EXPIRE: "expired",
        EventType.AUTHORIZE: "authorized",
        EventType.REJECT: "rejected",
    },
)

#: Walley's example User-Agent ("Walleybot 0.1 (+https://dev.walleypay.com)").
USER_AGENT = "Walleybot 0.1 (+https://dev.walleypay.com)"

#: The webhook is sent at once; after a failed attempt it is retried after 5 s, 10 s, 3 min,
#: 1 h, 4 h, 8 h, 16 h and 24 h, then given up (Walley's "Retries").
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(seconds=10),
    timedelta(minutes=3),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=16),
    timedelta(hours=24),
)


def render(order: Order, event: Event) -> Notification | None:
    if not _notified(order, event):
        return None
    return NAMING.render(event, lambda name: _body(order, event, name))


def _notified(order: Order, event: Event) -> bool:
    """``authorized`` only for an order accepted after it was on hold, ``extended`` only when
    an expired order was authorised again."""
    if event.type == EventType.READY_FOR_CAPTURE:
        return not _part_of_creation(order, event)
    if event.type == EventType.EXTEND_EXPIRY:
        return _expired_before(order, event) is not None
    return True


def _expired_before(order: Order, extend: Event) -> Event | None:
    """The ``expire`` event an extend authorised again: one since the extend before it."""
    for event in reversed(order.events[: order.events.index(extend)]):
        if event.type == EventType.EXPIRE:
            return event
        if event.type == EventType.EXTEND_EXPIRY:
            return None
    return None


def _part_of_creation(order: Order, event: Event) -> bool:
    """Whether ``event`` came with the order's ``create`` event (an order authorised at once)."""
    create = order.events[0]
    return create.type == EventType.CREATE and event.created_at == create.created_at


def _body(order: Order, event: Event, name: str) -> dict[str, Any]:
    exp = exponent(order.currency)
    amount = event.amount or order.order_amount
    payload: dict[str, Any] = {
        "OrderId": order.id,
        "Reference": order.merchant_reference,
        "Amount": orjson.Fragment(major_string(amount, exp)),
        "Currency": order.currency,
    }
    if event.type == EventType.CREATE:
        authorized = any(
            e.type == EventType.READY_FOR_CAPTURE and _part_of_creation(order, e)
            for e in order.events
        )
        payload["Status"] = "Authorized" if authorized else "OnHold"
        payload["AuthorizationId"] = None  # orders made by the tokenized flow only
        payload["CustomerToken"] = None
    elif event.type == EventType.EXTEND_EXPIRY:
        expired = _expired_before(order, event)
        assert expired is not None  # else not notified (_notified)
        payload["Amount"] = orjson.Fragment(major_string(expired.amount, exp))
    elif event.type == EventType.REAUTHORIZE:
        original = amount - _reauthorized_change(order, event)
        payload["OriginalAmount"] = orjson.Fragment(major_string(original, exp))
    return {"Type": name, "Timestamp": event.created_at.isoformat(), "Payload": payload}


def _reauthorized_change(order: Order, event: Event) -> int:
    """How much a reauthorization raised (+) or lowered (−) the order: its ledger entry, made
    with the event and still among the order's new entries when notifications are queued."""
    change = 0
    for entry in order.new_entries:
        if entry.ledger_id == event.ledger_id and entry.created_at == event.created_at:
            if entry.kind == LedgerKind.REAUTHORIZE:
                change += entry.amount
            elif entry.kind == LedgerKind.RELEASE:
                change -= entry.amount
    return change


def delivered(status: int) -> bool:
    return 200 <= status < 300


def signature(secret: str, timestamp: str, body: str) -> str:
    """``Walley-Signature``: HMAC-SHA256 keyed with the store's webhook secret (its UTF-8
    bytes) over ``<Walley-Timestamp>.<body>``, in lowercase hex (docs/decisions.md)."""
    message = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(outgoing: Outgoing) -> Mapping[str, str]:
    """Walley's webhook headers; the timestamp is the event's, so every attempt is the same."""
    timestamp = str(int(outgoing.occurred_at.timestamp()))
    return {
        "User-Agent": USER_AGENT,
        "Walley-CorrelationId": outgoing.correlation_id,
        "Walley-Timestamp": timestamp,
        "Walley-Signature": signature(outgoing.secret, timestamp, outgoing.body),
        "Walley-Live": "False",
    }


NOTIFIER = Notifier(NAMING, render, delivered, RETRY_SCHEDULE, headers)
