"""The outbox (``deliveries``), the stores' notification settings and their test clocks.

Times in ``deliveries`` are in the store's clock (the server's now + ``stores.clock_offset``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from orderdesk.store.orders import Target

# Due deliveries, oldest first, at most one per order: the first still pending, so that an
# order's notifications go out in event order. SKIP LOCKED: another worker has those.
CLAIM_SQL = (
    "SELECT d.id, d.order_id, d.url, d.body, d.event_type,"
    " jsonb_array_length(d.attempts) AS tries, st.clock_offset, st.provider"
    " FROM deliveries d JOIN stores st ON st.id = d.store_id"
    " WHERE d.state = 'pending' AND d.next_at <= clock_timestamp() + st.clock_offset"
    " AND NOT EXISTS (SELECT 1 FROM deliveries p"
    "  WHERE p.order_id = d.order_id AND p.state = 'pending' AND p.id < d.id)"
    " ORDER BY d.next_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED"
)
RECORD_SQL = (
    "UPDATE deliveries SET attempts = attempts || $2::jsonb, state = $3, next_at = $4 WHERE id = $1"
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    order_id: str
    url: str
    body: str
    event_type: str
    tries: int
    clock: timedelta
    provider: str  # the store's: it decides what counts as delivered and when to retry


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    status: int | None
    latency_ms: float
    error: str | None

    def doc(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "status": self.status,
            "latencyMs": round(self.latency_ms, 1),
            "error": self.error,
        }


async def claim(conn: asyncpg.Connection, limit: int) -> list[Claimed]:
    """Lock up to ``limit`` due deliveries until the transaction ends."""
    rows = await conn.fetch(CLAIM_SQL, limit)
    return [
        Claimed(
            r["id"],
            r["order_id"],
            r["url"],
            r["body"],
            r["event_type"],
            r["tries"],
            r["clock_offset"],
            r["provider"],
        )
        for r in rows
    ]


async def record(
    conn: asyncpg.Connection,
    delivery_id: int,
    attempt: Attempt,
    state: str,
    next_at: datetime | None,
) -> None:
    await conn.execute(RECORD_SQL, delivery_id, [attempt.doc()], state, next_at)


async def backlog(conn: asyncpg.Connection) -> int:
    """Deliveries not yet delivered nor given up on."""
    count: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'pending'")
    return count


# -- inspection ---------------------------------------------------------------------------

_VIEW = (
    "SELECT d.id, d.order_id, d.store_id, d.event_id, d.event_type, d.url, d.body, d.state,"
    " d.attempts::text AS attempts, d.next_at, d.created_at"
    " FROM deliveries d"
)


def _view(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "deliveryId": str(row["id"]),
        "orderId": row["order_id"],
        "storeId": row["store_id"],
        "eventId": row["event_id"],
        "eventType": row["event_type"],
        "url": row["url"],
        "body": row["body"],
        "state": row["state"],
        "attempts": orjson.loads(row["attempts"]),
        "nextAttemptAt": None if row["state"] != "pending" else row["next_at"].isoformat(),
        "createdAt": row["created_at"].isoformat(),
    }


async def list_deliveries(
    conn: asyncpg.Connection, store_id: str, order_id: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _VIEW + " WHERE d.store_id = $1 AND ($2::text IS NULL OR d.order_id = $2) AND d.id > $3"
        " ORDER BY d.id LIMIT $4",
        store_id,
        order_id,
        after,
        limit,
    )
    return [_view(row) for row in rows]


async def order_deliveries(
    conn: asyncpg.Connection, order_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    """The order's notifications, oldest first (``deliveries_order``)."""
    rows = await conn.fetch(
        _VIEW + " WHERE d.order_id = $1 ORDER BY d.id LIMIT $2", order_id, limit
    )
    return [_view(row) for row in rows]


async def get_delivery(conn: asyncpg.Connection, delivery_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(_VIEW + " WHERE d.id = $1", delivery_id)
    return None if row is None else _view(row)


async def resend(conn: asyncpg.Connection, delivery_id: int) -> dict[str, Any] | None:
    """Make a delivery due now (whatever its state); None when there is no such delivery."""
    done = await conn.fetchval(
        "UPDATE deliveries d SET state = 'pending', next_at = now() + st.clock_offset"
        " FROM stores st WHERE st.id = d.store_id AND d.id = $1 RETURNING d.id",
        delivery_id,
    )
    return None if done is None else await get_delivery(conn, delivery_id)


# -- store settings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreSettings:
    store_id: str
    provider: str
    notify: Target | None
    clock: timedelta

    def view(self, now: datetime) -> dict[str, Any]:
        events = self.notify.events if self.notify else None
        return {
            "storeId": self.store_id,
            "url": self.notify.url if self.notify else None,
            "events": None if events is None else sorted(events),
            "clock": {"now": now.isoformat(), "offsetSeconds": self.clock.total_seconds()},
        }


_SETTINGS = "id, provider, notification_url, notification_events, clock_offset"


def _settings(row: asyncpg.Record) -> StoreSettings:
    return StoreSettings(
        row["id"],
        row["provider"],
        Target.of(row["notification_url"], row["notification_events"]),
        row["clock_offset"],
    )


async def store_settings(conn: asyncpg.Connection, store_id: str) -> StoreSettings | None:
    row = await conn.fetchrow(f"SELECT {_SETTINGS} FROM stores WHERE id = $1", store_id)
    return None if row is None else _settings(row)


async def set_notifications(
    conn: asyncpg.Connection, store_id: str, url: str | None, events: list[str] | None
) -> StoreSettings | None:
    row = await conn.fetchrow(
        "UPDATE stores SET notification_url = $2, notification_events = $3 WHERE id = $1"
        f" RETURNING {_SETTINGS}",
        store_id,
        url,
        events,
    )
    return None if row is None else _settings(row)


async def advance_clock(
    conn: asyncpg.Connection, store_id: str, by: timedelta
) -> StoreSettings | None:
    row = await conn.fetchrow(
        f"UPDATE stores SET clock_offset = clock_offset + $2 WHERE id = $1 RETURNING {_SETTINGS}",
        store_id,
        by,
    )
    return None if row is None else _settings(row)
