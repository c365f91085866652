"""What the plan tests share: a fresh database with one table filled by SQL (``$1``: now,
``$2``: how many rows), and the nodes of an EXPLAIN (FORMAT JSON) plan."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from orderdesk.store.migrate import migrate
from tests.support.database import admin_url, create_database, drop_database


@asynccontextmanager
async def filled_database(
    fill: str, now: datetime, rows: int, table: str
) -> AsyncIterator[asyncpg.Connection]:
    """A new database, migrated, with ``table`` filled by the statements of ``fill`` and
    analysed; dropped afterwards."""
    admin = await admin_url()
    url = await create_database(admin)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        for statement in fill.strip().split(";\n"):
            await conn.execute(statement, *((now, rows) if "$1" in statement else ()))
        await conn.execute(f"VACUUM ANALYZE {table}")
        yield conn
    finally:
        await conn.close()
        await drop_database(admin, url)


def plan_nodes(explained: str) -> list[dict[str, Any]]:
    """Every node of an EXPLAIN (FORMAT JSON) answer, outermost first."""

    def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
        found = [plan]
        for child in plan.get("Plans", []):
            found.extend(nodes(child))
        return found

    return nodes(json.loads(explained)[0]["Plan"])
