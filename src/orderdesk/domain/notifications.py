"""A notification of an order's event: the exact body a shop is sent. Each provider decides
which events it notifies of, under which name and in which body (``providers/<name>/
notifications.py``); the store queues them in the change's own statement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orderdesk.domain.order import Event, Order


@dataclass(frozen=True, slots=True)
class Notification:
    event_id: str
    type: str
    body: str  # the exact JSON text posted on every attempt


#: A provider's notification of one of an order's events, or None when it sends none for it.
Render = Callable[[Order, Event], Notification | None]


def pending(
    order: Order, first_event: int, wanted: frozenset[str] | None, render: Render
) -> list[Notification]:
    """The notifications of ``order``'s events from index ``first_event`` on that the store
    wants (``wanted`` None: all)."""
    out = []
    for event in order.events[first_event:]:
        made = render(order, event)
        if made is not None and (wanted is None or made.type in wanted):
            out.append(made)
    return out
