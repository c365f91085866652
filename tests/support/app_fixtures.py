"""Fixtures of the app in process: a fresh PostgreSQL database per session, the real app over
HTTP, a merchant, and a shop's notification endpoint. A pytest plugin (the root
``conftest.py`` lists it), so ``tests/`` and every provider's tests share them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from tests.support.database import admin_url, create_database, drop_database
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN_TOKEN, Merchant, new_merchant


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    admin = await admin_url()
    url = await create_database(admin)
    yield url
    await drop_database(admin, url)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(database_url=database_url, admin_token=ADMIN_TOKEN))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def merchant(client: httpx.AsyncClient) -> Merchant:
    return await new_merchant(client)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()
