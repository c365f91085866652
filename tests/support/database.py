"""Which PostgreSQL the tests use: $ORDERDESK_TEST_DATABASE_URL, else the server on
127.0.0.1:5432 when it answers, else an embedded server in a temporary folder."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"

NewDatabase = Callable[[], Awaitable[str]]  # the ``new_database`` fixture: a URL to an empty one


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def admin_url() -> str:
    """A URL to a server where the tests may create and drop databases."""
    configured = os.environ.get("ORDERDESK_TEST_DATABASE_URL")
    if configured:
        return configured
    if await _answers(LOCAL):
        return LOCAL
    from orderdesk.store.embedded import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="orderdesk-test-pg-"))
    return start_embedded(folder / "pgdata", cleanup="delete")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def create_database(admin: str) -> str:
    """A new, empty database for this test session; returns its URL."""
    name = f"orderdesk_test_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin, name)


async def drop_database(admin: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
