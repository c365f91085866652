"""The request journal: written in batches, replays recognised, bounded by rows and age."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from orderdesk.ops.journal import MAX_PENDING, Journal
from orderdesk.store import journal
from orderdesk.store.migrate import migrate
from tests.support.database import admin_url, create_database, drop_database


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    admin = await admin_url()
    url = await create_database(admin)
    made = await asyncpg.create_pool(url, min_size=1, max_size=2)
    async with made.acquire() as conn:
        await migrate(conn)
    yield made
    await made.close()
    await drop_database(admin, url)


def _row(order: str, key: str | None, at: datetime, status: int = 202) -> journal.Row:
    return (order, "POST", f"/manage/orders/{order}/capture", status, key, "walley", at, None)


async def test_batches_replays_and_bounds(pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    pending = Journal()
    pending.record(_row("o1", "k1", now))
    pending.record(_row("o1", "k1", now + timedelta(seconds=1)))
    pending.record(_row("o1", None, now + timedelta(seconds=2), 422))
    pending._pool = pool  # what run() sets
    await pending.flush()
    assert pending.pending == []
    async with pool.acquire() as conn:
        entries = await journal.for_order(conn, "o1")
        assert [(e.idempotency_key, e.replayed, e.status) for e in entries] == [
            ("k1", False, 202),
            ("k1", True, 202),
            (None, False, 422),
        ]
        old = now - timedelta(days=8)
        await journal.append(conn, [_row("o2", None, old)] + [_row("o3", None, now)] * 5)
        deleted = await journal.prune(conn, max_rows=4, max_age_days=7)
        assert deleted == 5  # the 8-day-old row, then all but the newest 4 of the 8 left
        left = await conn.fetch("SELECT order_id FROM request_journal ORDER BY seq")
        assert [row[0] for row in left] == ["o3"] * 4


def test_pending_rows_are_bounded() -> None:
    pending = Journal()
    for _ in range(MAX_PENDING + 5):
        pending.record(_row("o", None, datetime.now(UTC)))
    assert len(pending.pending) == MAX_PENDING and pending.dropped == 5
