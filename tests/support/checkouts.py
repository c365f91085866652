"""The providers with their checkouts swapped: orderdesk's own checkout (``None``) for the
core's tests, or a test checkout, in place of the providers' own (an app on them:
``tests/support/apps.py::running_app``)."""

from __future__ import annotations

from typing import Any

from orderdesk.providers.base import Registry
from orderdesk.providers.registry import PROVIDERS


class Swapped:
    """An installed provider with ``checkout`` in place of its own (None: orderdesk's own)."""

    def __init__(self, provider: Any, checkout: Any) -> None:
        self._provider = provider
        self.checkout = checkout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)


def swapped(checkout: Any, *names: str) -> Registry:
    """The registry with ``checkout`` for the providers ``names`` (every one when none)."""
    return Registry(
        *(
            Swapped(provider, checkout) if not names or name in names else provider
            for name, provider in PROVIDERS.items()
        )  # type: ignore[arg-type]
    )
