"""What the use cases and workers ask of the provider an order (or a store) speaks.

Every provider of the registry (``providers/registry.py``) implements this; the core never
names one. Which provider an order speaks is data (``orders.provider``): the core looks its
dialect up by that name, and a name no provider has is an error (:class:`UnknownProvider`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from orderdesk.domain.notifications import Notifier
from orderdesk.domain.order import Order
from orderdesk.service.checkout_dialect import CheckoutDialect


class UnknownProvider(KeyError):
    """A provider name that no installed provider has."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no provider named {self.name!r} is installed"


class Dialect(Protocol):
    @property
    def name(self) -> str:
        """As stored in ``stores.provider`` and ``orders.provider``."""

    def status_word(self, order: Order, at: datetime) -> str:
        """The order's status at ``at`` as one word, kept in the indexed ``orders.status``."""

    @property
    def notifier(self) -> Notifier:
        """Its notifications: their types, bodies, delivery and retries."""

    def new_order_id(self) -> str:
        """An id for an order made in the sandbox."""

    def line_type(self, type_: str) -> str:
        """How the provider names a line of the sandbox's ``type`` (``physical``, …)."""

    @property
    def payment_methods(self) -> Sequence[str] | None:
        """The payment methods an order may have, the first one the sandbox's default;
        None: any (the default is ``invoice``)."""

    @property
    def holds(self) -> bool:
        """Whether a new order may start on hold, for the provider to accept or reject."""

    @property
    def checkout(self) -> CheckoutDialect | None:
        """Its checkout: loader scripts, callbacks, validation hook (None: it has none)."""


#: The installed providers by name (the registry); looking up an unknown name raises
#: :class:`UnknownProvider`.
Dialects = Mapping[str, Dialect]
