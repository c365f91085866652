"""A notification of an order's event: the exact body a shop is sent. Each provider decides
which events it notifies of, under which name and in which body (``providers/<name>/
notifications.py``); the store queues them in the change's own statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from orderdesk.domain.order import Event, Order

#: After a failed attempt the next one is immediately, then after 5 s, 5 min, 30 min, 2 h,
#: 5 h, 10 h and 10 h; then the delivery has failed. (Ledyer documents this schedule; a
#: provider that documents none of its own uses it too.)
DEFAULT_RETRY_SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)


@dataclass(frozen=True, slots=True)
class Notification:
    event_id: str
    type: str
    body: str  # the exact JSON text posted on every attempt


@dataclass(frozen=True, slots=True)
class Naming:
    """A provider's notification types: a prefix, and a name for each event type it notifies
    of (events without one are not sent)."""

    prefix: str
    names: Mapping[str, str]

    def of(self, event_type: str) -> str | None:
        """The type of an event's notification, or None."""
        name = self.names.get(event_type)
        return None if name is None else self.prefix + name

    def render(self, event: Event, body: Callable[[str], dict[str, Any]]) -> Notification | None:
        """The notification of ``event`` whose JSON body is ``body(its type)``, or None."""
        name = self.of(event.type)
        if name is None:
            return None
        return Notification(event.id, name, orjson.dumps(body(name)).decode())

    @property
    def types(self) -> tuple[str, ...]:
        """Every notification type a store can receive, in a stable order."""
        return tuple(self.prefix + name for name in dict.fromkeys(self.names.values()))


#: A provider's notification of one of an order's events, or None when it sends none for it.
Render = Callable[[Order, Event], Notification | None]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery as it is posted: what a provider's request headers are made of."""

    body: str
    occurred_at: datetime  # the event's time, on the store's clock
    correlation_id: str  # the write that caused the event (its answer's X-Correlation-Id)
    secret: str  # the store's webhook secret


def no_headers(outgoing: Outgoing) -> Mapping[str, str]:
    """A provider that documents no headers of its own sends only orderdesk's."""
    return {}


@dataclass(frozen=True, slots=True)
class Notifier:
    """How a provider notifies a shop: the notifications' types (``naming``), each event's
    notification (``render``), which answers count as delivered, how long the next attempt
    after a failed one waits (after the schedule's last wait, none) and the request headers
    of each delivery (over orderdesk's ``User-Agent`` and ``Content-Type``)."""

    naming: Naming
    render: Render
    delivered: Callable[[int], bool]
    retry_schedule: tuple[timedelta, ...] = DEFAULT_RETRY_SCHEDULE
    headers: Callable[[Outgoing], Mapping[str, str]] = no_headers

    @property
    def types(self) -> tuple[str, ...]:
        """Every notification type a store can want, in a stable order."""
        return self.naming.types


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
