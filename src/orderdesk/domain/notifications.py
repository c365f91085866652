"""Which events each provider notifies a shop of, under which name, and the exact body.

Ledyer posts ``{"eventType": "com.ledyer.order.<event>", "merchantId", "orderId",
"reference", "storeId"}`` — no order details; the shop fetches the order. Walley posts
``{"Type": "walley:order:<event>", "Timestamp", "Payload": {"OrderId", "Reference", "Amount",
"Currency"}}`` with the amount in decimal major units (``reauthorized`` adds ``OriginalAmount``,
the order's worth before). Events a provider has no notification
for (Ledyer ``editCustomer``, ``extendExpiry``; Walley ``editCustomer``) are not sent.

Ledyer documents no notification for an expired order; orderdesk sends
``com.ledyer.order.expired`` (a shop can leave it out of its wanted events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.order import Event, EventType, LedgerKind, Order, Provider

LEDYER_PREFIX = "com.ledyer.order."
WALLEY_PREFIX = "walley:order:"

LEDYER_NAMES: dict[str, str] = {
    EventType.CREATE: "create",
    EventType.READY_FOR_CAPTURE: "ready_for_capture",
    EventType.FULL_CAPTURE: "full_capture",
    EventType.PARTIAL_CAPTURE: "part_capture",
    EventType.FULL_REFUND: "full_refund",
    EventType.PARTIAL_REFUND: "part_refund",
    EventType.CANCEL: "cancel",
    EventType.EXPIRE: "expired",
}
WALLEY_NAMES: dict[str, str] = {
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
}


def event_names(provider: Provider) -> list[str]:
    """Every notification type a store of ``provider`` can receive, in a stable order."""
    if provider == Provider.LEDYER:
        return [LEDYER_PREFIX + name for name in dict.fromkeys(LEDYER_NAMES.values())]
    return [WALLEY_PREFIX + name for name in dict.fromkeys(WALLEY_NAMES.values())]


def event_name(provider: Provider, event_type: str) -> str | None:
    """The notification type of an event, or None when the provider sends none for it."""
    if provider == Provider.LEDYER:
        name = LEDYER_NAMES.get(event_type)
        return None if name is None else LEDYER_PREFIX + name
    name = WALLEY_NAMES.get(event_type)
    return None if name is None else WALLEY_PREFIX + name


@dataclass(frozen=True, slots=True)
class Notification:
    event_id: str
    type: str
    body: str  # the exact JSON text posted on every attempt


def render(order: Order, event: Event) -> Notification | None:
    """The notification of one of ``order``'s events, or None when its provider sends none."""
    name = event_name(order.provider, event.type)
    if name is None:
        return None
    if order.provider == Provider.LEDYER:
        ledyer_doc = {
            "eventType": name,
            "merchantId": order.merchant_id,
            "orderId": order.id,
            "reference": order.merchant_reference,
            "storeId": order.store_id,
        }
        return Notification(event.id, name, orjson.dumps(ledyer_doc).decode())
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
    doc = {"Type": name, "Timestamp": event.created_at.isoformat(), "Payload": payload}
    return Notification(event.id, name, orjson.dumps(doc).decode())


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


def pending(order: Order, first_event: int, wanted: frozenset[str] | None) -> list[Notification]:
    """The notifications of ``order``'s events from index ``first_event`` on that the store
    wants (``wanted`` None: all)."""
    out = []
    for event in order.events[first_event:]:
        made = render(order, event)
        if made is not None and (wanted is None or made.type in wanted):
            out.append(made)
    return out
