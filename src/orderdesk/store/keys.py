"""Server secrets kept in the database, so every process and every restart shares them."""

from __future__ import annotations

import secrets

import asyncpg


async def get_or_create(conn: asyncpg.Connection, name: str, size: int = 32) -> bytes:
    """The secret called ``name``, created with ``size`` random bytes on first use."""
    await conn.execute(
        "INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        secrets.token_bytes(size),
    )
    value: bytes = await conn.fetchval("SELECT value FROM server_keys WHERE name=$1", name)
    return bytes(value)
