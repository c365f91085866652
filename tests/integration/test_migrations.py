"""Migrations and database-level invariants against a real PostgreSQL."""

import asyncpg
from fastapi import FastAPI

from orderdesk.store.migrate import migrate, migration_files
from tests.support.sandbox import SHOES, Merchant


async def test_migrations_are_applied_once(database_url: str, app: FastAPI) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await migrate(conn) == []  # the app already applied them on start
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        assert versions == [version for version, _, _ in migration_files()]
    finally:
        await conn.close()


async def test_the_database_refuses_a_ledger_that_does_not_add_up(
    database_url: str, merchant: Merchant
) -> None:
    order_id = (await merchant.order("ledyer", [SHOES]))["orderId"]
    conn = await asyncpg.connect(database_url)
    try:
        try:
            await conn.execute(
                "UPDATE orders SET captured = authorized + 1 WHERE id = $1", order_id
            )
        except asyncpg.CheckViolationError as err:
            assert err.constraint_name == "orders_ledger_adds_up"
        else:
            raise AssertionError("an over-capture was stored")
    finally:
        await conn.close()
