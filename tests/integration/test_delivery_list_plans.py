"""A store's deliveries are listed through indexes, reading little more than the page, whatever
the filter (``store/outbox.py::find_sql``, migration ``0091_delivery_inbox.sql``).

A fresh database gets ``DELIVERIES`` synthetic deliveries over 4 stores and 2 years, nearly
all delivered, a few failed or pending, one notification type rare; each list query is run
with EXPLAIN ANALYZE and must not scan the table nor throw away more than a few pages' worth of
rows. ``python -m tests.integration.test_delivery_list_plans 1000000`` prints the plans at a
million deliveries (``docs/backoffice.md``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from orderdesk.store import outbox
from orderdesk.store.outbox import DeliveryFilter
from tests.support.plans import filled_database, plan_nodes

DELIVERIES = 100_000
PAGE = 100
NOW = datetime(2026, 11, 30, tzinfo=UTC)
STORE = "store-2"

CASES: dict[str, DeliveryFilter] = {
    "oldest first": DeliveryFilter(store_id=STORE),
    "newest first": DeliveryFilter(store_id=STORE, newest_first=True),
    "a later page": DeliveryFilter(store_id=STORE, newest_first=True, after=DELIVERIES // 2 + 9),
    "failed": DeliveryFilter(store_id=STORE, state="failed", newest_first=True),
    "pending, oldest first": DeliveryFilter(store_id=STORE, state="pending"),
    "a rare type": DeliveryFilter(store_id=STORE, event_type="type-rare", newest_first=True),
    "a week a year ago": DeliveryFilter(
        store_id=STORE,
        created_from=datetime(2025, 11, 1, tzinfo=UTC),
        created_to=datetime(2025, 11, 8, tzinfo=UTC),
        newest_first=True,
    ),
    "one order": DeliveryFilter(store_id=STORE, order_id="o00000042"),
    "every store, newest first": DeliveryFilter(newest_first=True),
}

# Four deliveries an order, the orders' stores in turn (delivery id m + 1 is store-((m / 4) % 4)'s);
# each is created (2 years / DELIVERIES) after the one before.
FILL = """
INSERT INTO merchants (id, name) VALUES ('ac_plans', 'Plans');
INSERT INTO stores (id, merchant_id, provider, country, currency, segment)
SELECT 'store-' || n, 'ac_plans', 'p', 'SE', 'SEK', 'B2C' FROM generate_series(0, 3) AS n;
INSERT INTO orders (id, provider, merchant_id, store_id, currency, authorized, captured,
                    refunded, cancelled, created_at, expires_at, updated_at, state,
                    merchant_reference, order_reference, status)
SELECT 'o' || lpad(n::text, 8, '0'), 'p', 'ac_plans', 'store-' || (n % 4), 'SEK', 10000, 0, 0,
       0, $1::timestamptz, $1::timestamptz, $1::timestamptz, '{}'::jsonb, 'shop-' || n,
       'ref-' || n, 'Open'
FROM generate_series(0, $2 / 4) AS n;
INSERT INTO deliveries (order_id, store_id, event_id, event_type, url, body, state, next_at,
                        created_at)
SELECT 'o' || lpad((m / 4)::text, 8, '0'), 'store-' || ((m / 4) % 4), 'e' || m,
       CASE WHEN m % 997 = 0 THEN 'type-rare' ELSE 'type-' || (m % 4) END,
       'http://shop.example/hook', '{}',
       CASE WHEN m % 1009 = 0 THEN 'failed' WHEN m % 1013 = 0 THEN 'pending'
            ELSE 'delivered' END,
       at, at
FROM generate_series(0, $2 - 1) AS m,
     LATERAL (SELECT $1::timestamptz - make_interval(secs => ($2 - m) * (63072000.0 / $2)))
       AS t(at)
ORDER BY m;
"""


@pytest.fixture(scope="module")
async def filled() -> AsyncIterator[asyncpg.Connection]:
    async with filled_database(FILL, NOW, DELIVERIES, "deliveries") as conn:
        yield conn


@pytest.mark.parametrize("case", list(CASES))
async def test_list_queries_read_little_more_than_the_page(
    filled: asyncpg.Connection, case: str
) -> None:
    where = CASES[case]
    sql, args = outbox.find_sql(where, PAGE, await outbox.created_at(filled, where))
    raw = await filled.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    nodes = plan_nodes(raw)
    assert "Seq Scan" not in [node["Node Type"] for node in nodes], (case, nodes)
    # the outer scan's rows read and thrown away; each row's held_by probe reads its order's
    # few earlier deliveries
    outer = next(node for node in nodes if node.get("Relation Name") == "deliveries")
    thrown = outer.get("Rows Removed by Filter", 0) + outer.get("Rows Removed by Index Recheck", 0)
    assert outer["Actual Rows"] + thrown <= 20 * PAGE, (case, outer)
    found = await outbox.find_deliveries(filled, where, PAGE)
    keys = [(d["createdAt"], int(d["deliveryId"])) for d in found]
    assert keys == sorted(keys, reverse=where.newest_first), case
    assert found, case


async def test_pages_cover_every_failed_delivery_once(filled: asyncpg.Connection) -> None:
    expected = await filled.fetchval(
        "SELECT count(*) FROM deliveries WHERE store_id = $1 AND state = 'failed'", STORE
    )
    assert expected > 10
    for newest_first in (False, True):
        seen: list[str] = []
        after = 0
        while True:
            where = DeliveryFilter(STORE, state="failed", newest_first=newest_first, after=after)
            page = await outbox.find_deliveries(filled, where, 10)
            if not page:
                break
            seen += [d["deliveryId"] for d in page]
            after = int(page[-1]["deliveryId"])
        assert len(seen) == len(set(seen)) == expected


async def _print_plans(deliveries: int) -> None:
    async with filled_database(FILL, NOW, deliveries, "deliveries") as conn:
        for case, where in CASES.items():
            sql, args = outbox.find_sql(where, PAGE, await outbox.created_at(conn, where))
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) {sql}", *args)
            print(f"-- {case}\n" + "\n".join(row[0] for row in plan) + "\n")


if __name__ == "__main__":
    asyncio.run(_print_plans(int(sys.argv[1]) if len(sys.argv) > 1 else DELIVERIES))
