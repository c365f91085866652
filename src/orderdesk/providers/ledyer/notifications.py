"""Ledyer's notifications: ``{"eventType": "com.ledyer.order.<event>", "merchantId",
"orderId", "reference", "storeId"}`` — no order details; the shop fetches the order. Events
Ledyer has no notification for (``editCustomer``, ``extendExpiry``) are not sent.

Ledyer documents no notification for an expired order; orderdesk sends
``com.ledyer.order.expired`` (a shop can leave it out of its wanted events). Only a ``200``
answer counts as delivered.
"""

from __future__ import annotations

from datetime import timedelta

import orjson

from orderdesk.domain.notifications import Notification
from orderdesk.domain.order import Event, EventType, Order

PREFIX = "com.ledyer.order."

NAMES: dict[str, str] = {
    EventType.CREATE: "create",
    EventType.READY_FOR_CAPTURE: "ready_for_capture",
    EventType.FULL_CAPTURE: "full_capture",
    EventType.PARTIAL_CAPTURE: "part_capture",
    EventType.FULL_REFUND: "full_refund",
    EventType.PARTIAL_REFUND: "part_refund",
    EventType.CANCEL: "cancel",
    EventType.EXPIRE: "expired",
}
#: Every notification type a store can receive, in a stable order.
TYPES = tuple(PREFIX + name for name in dict.fromkeys(NAMES.values()))


def render(order: Order, event: Event) -> Notification | None:
    name = NAMES.get(event.type)
    if name is None:
        return None
    doc = {
        "eventType": PREFIX + name,
        "merchantId": order.merchant_id,
        "orderId": order.id,
        "reference": order.merchant_reference,
        "storeId": order.store_id,
    }
    return Notification(event.id, PREFIX + name, orjson.dumps(doc).decode())


def delivered(status: int) -> bool:
    return status == 200


#: After a failed attempt the next one is immediately, then after 5 s, 5 min, 30 min, 2 h,
#: 5 h, 10 h and 10 h; then the delivery has failed.
RETRY_SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
