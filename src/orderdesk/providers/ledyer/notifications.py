"""Ledyer's notifications: ``{"eventType": "com.ledyer.order.<event>", "merchantId",
"orderId", "reference", "storeId"}`` — no order details; the shop fetches the order. Events
Ledyer has no notification for (``editCustomer``, ``extendExpiry``) are not sent.

Ledyer documents no notification for an expired order; orderdesk sends
``com.ledyer.order.expired`` (a shop can leave it out of its wanted events). A customer's
payment is ``com.ledyer.order.paid`` (docs/decisions.md). Only a ``200``
answer counts as delivered.
"""

from __future__ import annotations

from orderdesk.domain.notifications import Naming, Notification, Notifier
from orderdesk.domain.order import Event, EventType, Order

NAMING = Naming(
    "com.ledyer.order.",
    {
        EventType.CREATE: "create",
        EventType.READY_FOR_CAPTURE: "ready_for_capture",
        EventType.FULL_CAPTURE: "full_capture",
        EventType.PARTIAL_CAPTURE: "part_capture",
        EventType.FULL_REFUND: "full_refund",
        EventType.PARTIAL_REFUND: "part_refund",
        EventType.CANCEL: "cancel",
        EventType.EXPIRE: "expired",
        EventType.PAID: "paid",
    },
)


def render(order: Order, event: Event) -> Notification | None:
    return NAMING.render(
        event,
        lambda name: {
            "eventType": name,
            "merchantId": order.merchant_id,
            "orderId": order.id,
            "reference": order.merchant_reference,
            "storeId": order.store_id,
        },
    )


def delivered(status: int) -> bool:
    return status == 200


#: Ledyer documents orderdesk's default retry schedule.
NOTIFIER = Notifier(NAMING, render, delivered)
