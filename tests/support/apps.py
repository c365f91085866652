"""An app and the demo on a database of a test's own, for tests in a provider's package
(which may not import the entry points themselves: ``tests/unit/test_architecture.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.demo import Demo, create_demo, walkthrough
from orderdesk.providers.base import Registry
from orderdesk.providers.registry import PROVIDERS


@asynccontextmanager
async def running_app(
    database_url: str, admin_token: str, providers: Registry = PROVIDERS
) -> AsyncIterator[FastAPI]:
    """The app on ``database_url`` with ``providers``, started (its lifespan entered) for the
    block."""
    app = create_app(Settings(database_url=database_url, admin_token=admin_token), providers)
    async with app.router.lifespan_context(app):
        yield app


async def demo_walkthrough(database_url: str, base: str, admin_token: str) -> tuple[Demo, str]:
    """The demo data ``orderdesk serve`` makes, and the walkthrough it prints for ``base``."""
    async with running_app(database_url, admin_token) as app:
        demo = await create_demo(app.state.uow, PROVIDERS)
    return demo, walkthrough(demo, PROVIDERS, base, admin_token)
