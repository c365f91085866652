"""Klarna's Order Management sends no notifications of order events (its checkout's push
and fraud-status callbacks belong to the purchase, not to order management), so a Klarna
store is sent none: no event has a notification."""

from __future__ import annotations

from orderdesk.domain.notifications import Naming, Notification, Notifier
from orderdesk.domain.order import Event, Order

NAMING = Naming("klarna.", {})


def render(order: Order, event: Event) -> Notification | None:
    return None


def delivered(status: int) -> bool:
    return 200 <= status < 300


NOTIFIER = Notifier(NAMING, render, delivered)
