"""The app with its providers' checkouts swapped: orderdesk's own checkout (``None``) for the
core's tests, or a test checkout, in place of the providers' own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.providers.base import Registry
from orderdesk.providers.registry import PROVIDERS
from tests.support.sandbox import ADMIN_TOKEN


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


@asynccontextmanager
async def app_with(database_url: str, providers: Registry) -> AsyncIterator[FastAPI]:
    application = create_app(
        Settings(database_url=database_url, admin_token=ADMIN_TOKEN), providers
    )
    async with application.router.lifespan_context(application):
        yield application
