"""Schema migrations: numbered SQL files applied in order, each once, under an advisory lock.

Plain SQL files instead of Alembic: orderdesk talks to PostgreSQL through asyncpg without
SQLAlchemy, and a forward-only runner is all the schema needs.
"""

from __future__ import annotations

import logging
from importlib import resources

import asyncpg

log = logging.getLogger("orderdesk.migrate")

_LOCK_ID = 0x6F72646572  # "order": serialises concurrent starts of several processes


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in ``store/migrations``, in version order."""
    folder = resources.files("orderdesk.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: asyncpg.Connection) -> list[str]:
    """Apply the migrations this database lacks; returns the names applied."""
    applied: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_ID)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, name, sql in migration_files():
            if version in done:
                continue
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
            )
            applied.append(name)
            log.info("applied migration %s", name)
    return applied
