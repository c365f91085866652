"""The installed providers: the one list. Adding a provider is a package under
``providers/`` and one line here (its ``provider`` module, as Saleor lists its plugins)."""

from __future__ import annotations

from orderdesk.providers.base import Registry

INSTALLED = (
    "orderdesk.providers.walley.provider",
    "orderdesk.providers.ledyer.provider",
    "orderdesk.providers.klarna.provider",
)

PROVIDERS = Registry.load(INSTALLED)
