"""What the core asks of a provider's checkout (``Provider.checkout``; None: it has none).

The provider's package keeps its checkout API (routes in its ordinary ``route_tables``, calling
``service/checkout.py``), its loader script and these answers; the core keeps the session, the
hosted iframe (``checkout/``), pay and the outbox. See docs/architecture.md, "Checkout".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from orderdesk.domain.checkout import Callback, CheckoutSession, Moment, Persona, Validation
from orderdesk.domain.order import Order


class CheckoutDialect(Protocol):
    @property
    def loaders(self) -> Mapping[str, Path]:
        """The loader scripts the shops' pages load, by root path (``/loader.js`` → the
        package's file), served as ``text/javascript`` (``checkout/routes.py``)."""

    @property
    def events(self) -> Mapping[str, str]:
        """The provider's event name for each of the iframe's message types
        (``checkout/__init__.py``: ``customerUpdated`` → the name its loader dispatches on
        ``document``); the iframe adds it to each message as ``event``. Informative: the
        loader may dispatch more (or other) events for a message."""

    @property
    def callback_types(self) -> Sequence[str]:
        """The ``type`` of each callback ``callbacks`` may queue: the delivery inbox's
        ``eventType`` filter knows them beside the notifier's types."""

    def validation(self, session: CheckoutSession) -> Validation | None:
        """The merchant's hook called before pay (when the scenario honours validation),
        or None: the provider has none, or this session names no URL for it."""

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        """The callbacks to queue when the session completes or its order on hold settles,
        URLs with their placeholders filled (``domain/checkout.py::fill``). The scenario
        (duplicate, late, none) is the core's to apply."""

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        """Where the top window goes after pay with ``persona`` (None: it stays), before the
        scenario's lost redirect."""
