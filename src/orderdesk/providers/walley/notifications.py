"""Walley's notifications: ``{"Type": "walley:order:<event>", "Timestamp", "Payload":
{"OrderId", "Reference", "Amount", "Currency"}}`` with the amount in decimal major units
(``reauthorized`` adds ``OriginalAmount``, the order's worth before). ``editCustomer`` is not
sent. Any ``2xx`` answer counts as delivered.
"""

from __future__ import annotations

from typing import Any

import orjson

from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.notifications import Naming, Notification, Notifier
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


def render(order: Order, event: Event) -> Notification | None:
    return NAMING.render(event, lambda name: _body(order, event, name))


def _body(order: Order, event: Event, name: str) -> dict[str, Any]:
    exp = exponent(order.currency)
    amount = event.amount or order.order_amount
    payload: dict[str, Any] = {
        "OrderId": order.id,
        "Reference": order.merchant_reference,
        "Amount": orjson.Fragment(major_string(amount, exp)),
        "Currency": order.currency,
    }
    if event.type == EventType.REAUTHORIZE:
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


#: orderdesk's default retry schedule (Walley documents its own; not yet followed here).
NOTIFIER = Notifier(NAMING, render, delivered)
