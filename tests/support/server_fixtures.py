"""Fixtures of real server processes (``orderdesk serve --workers 2``), each on a database of
its own. A pytest plugin (the root ``conftest.py`` lists it), so the e2e tests of ``tests/``
and of every provider share them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.database import NewDatabase, admin_url, create_database, drop_database
from tests.support.sandbox import Merchant, new_merchant
from tests.support.server import Server


@pytest.fixture(scope="session")
async def new_database() -> AsyncIterator[NewDatabase]:
    """Creates empty databases on demand; drops them all at the end of the session."""
    admin = await admin_url()
    created: list[str] = []

    async def create() -> str:
        created.append(await create_database(admin))
        return created[-1]

    yield create
    for url in created:
        await drop_database(admin, url)


@pytest.fixture(scope="session")
async def server(
    new_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """One server with two worker processes, shared by the tests that do not kill it."""
    running = Server(await new_database(), tmp_path_factory.mktemp("server") / "server.log")
    await running.start()
    yield running
    running.stop()
    assert running.errors() == [], Path(running.log).read_text()


@pytest.fixture(scope="module")
async def twin(server: Server, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """A second server process on the first one's database, as on a second machine."""
    second = Server(server.database_url, tmp_path_factory.mktemp("twin") / "twin.log", workers=1)
    await second.start()
    yield second
    second.stop()
    assert second.errors() == []


@pytest.fixture
async def remote(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
async def remote_merchant(remote: httpx.AsyncClient) -> Merchant:
    return await new_merchant(remote)
