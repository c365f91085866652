"""The back-office's order list reads through indexes, never a scan of ``orders``.

A fresh database gets ``ORDERS`` synthetic orders over 4 stores and 2 years; each list query
(filters, search, a later keyset page) is planned with EXPLAIN and must use an index and no
sequential scan. ``python -m tests.integration.test_order_list_plans 1000000`` prints the
EXPLAIN ANALYZE plans at a million orders (``docs/backoffice.md``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from orderdesk.store import order_list
from orderdesk.store.migrate import migrate
from orderdesk.store.order_list import OrderFilter
from tests.support.database import admin_url, create_database, drop_database

ORDERS = 100_000
NOW = datetime(2026, 11, 30, tzinfo=UTC)
AFTER = (datetime(2026, 6, 1, tzinfo=UTC), "zzz")

CASES: dict[str, tuple[OrderFilter, tuple[datetime, str] | None]] = {
    "newest first": (OrderFilter(), None),
    "a later page": (OrderFilter(), AFTER),
    "one store": (OrderFilter(store_id="store-2"), None),
    "one store, a later page": (OrderFilter(store_id="store-2"), AFTER),
    "one status": (OrderFilter(status="Closed"), None),
    "store and status": (OrderFilter(store_id="store-1", status="PartActivated"), None),
    "dialect": (OrderFilter(provider="ledyer"), None),
    "created between": (
        OrderFilter(
            created_from=datetime(2025, 3, 1, tzinfo=UTC),
            created_to=datetime(2025, 3, 8, tzinfo=UTC),
        ),
        None,
    ),
    "search": (OrderFilter(search="shop-77777"), None),
}

FILL = """
INSERT INTO merchants (id, name) VALUES ('ac_plans', 'Plans');
INSERT INTO stores (id, merchant_id, provider, country, currency, segment)
SELECT 'store-' || n, 'ac_plans', CASE WHEN n % 2 = 0 THEN 'walley' ELSE 'ledyer' END,
       'SE', 'SEK', 'B2C' FROM generate_series(0, 3) AS n;
INSERT INTO orders (id, provider, merchant_id, store_id, currency, authorized, captured,
                    refunded, cancelled, created_at, expires_at, updated_at, state,
                    merchant_reference, order_reference, status)
SELECT 'o' || lpad(n::text, 8, '0'), CASE WHEN n % 4 IN (0, 2) THEN 'walley' ELSE 'ledyer' END,
       'ac_plans', 'store-' || (n % 4), 'SEK', 10000, 0, 0, 0,
       $1::timestamptz - make_interval(secs => n * (63072000.0 / $2)),
       $1::timestamptz, $1::timestamptz, '{}'::jsonb, 'shop-' || n, 'ref-' || n,
       CASE WHEN n % 1000 = 0 THEN 'Closed' WHEN n % 3 = 0 THEN 'PartActivated'
            ELSE 'NotActivated' END
FROM generate_series(1, $2) AS n;
"""


async def fill(conn: asyncpg.Connection, orders: int) -> None:
    await migrate(conn)
    for statement in FILL.strip().split(";\n"):
        if "$1" in statement:
            await conn.execute(statement, NOW, orders)
        else:
            await conn.execute(statement)
    await conn.execute("VACUUM ANALYZE orders")


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


@pytest.fixture(scope="module")
async def filled() -> AsyncIterator[asyncpg.Connection]:
    admin = await admin_url()
    url = await create_database(admin)
    conn = await asyncpg.connect(url)
    try:
        await fill(conn, ORDERS)
        yield conn
    finally:
        await conn.close()
        await drop_database(admin, url)


@pytest.mark.parametrize("case", list(CASES))
async def test_list_queries_use_indexes(filled: asyncpg.Connection, case: str) -> None:
    where, after = CASES[case]
    sql, args = order_list.page_sql(where, after)
    raw = await filled.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    nodes = _nodes(json.loads(raw)[0]["Plan"])
    types = [node["Node Type"] for node in nodes]
    assert "Seq Scan" not in types, (case, types)
    assert any("Index" in t for t in types), (case, types)
    rows, _ = await order_list.page(filled, where, after)
    assert rows == sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)


async def test_keyset_pages_cover_every_order_once(filled: asyncpg.Connection) -> None:
    where = OrderFilter(store_id="store-0", status="Closed")
    seen: list[str] = []
    after = None
    while True:
        rows, after = await order_list.page(filled, where, after)
        seen.extend(row.id for row in rows)
        if after is None:
            break
    expected = await filled.fetchval(
        "SELECT count(*) FROM orders WHERE store_id = 'store-0' AND status = 'Closed'"
    )
    assert expected > order_list.PAGE_SIZE  # more than one page
    assert len(seen) == len(set(seen)) == expected


async def _print_plans(orders: int) -> None:
    admin = await admin_url()
    url = await create_database(admin)
    conn = await asyncpg.connect(url)
    try:
        await fill(conn, orders)
        for case, (where, after) in CASES.items():
            sql, args = order_list.page_sql(where, after)
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) {sql}", *args)
            print(f"-- {case}\n{sql}\n" + "\n".join(row[0] for row in plan) + "\n")
    finally:
        await conn.close()
        await drop_database(admin, url)


if __name__ == "__main__":
    asyncio.run(_print_plans(int(sys.argv[1]) if len(sys.argv) > 1 else ORDERS))
