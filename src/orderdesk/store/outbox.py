"""The outbox (``deliveries``), the stores' notification settings and their test clocks.

Times in ``deliveries`` are in the store's clock (the server's now + ``stores.clock_offset``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg
import orjson
from typing_extensions import TypedDict  # pydantic refuses typing's before Python 3.12

from orderdesk.store.clocks import SAME_LINE, first_pending
from orderdesk.store.orders import Target

#: Callbacks retried until their order is acknowledged stop, unsent, once it is (Klarna: an
#: acknowledged order is pushed no more), in the statement that claims: ``stopped`` holds
#: their ids. ``deliveries_pending_until_acknowledged`` keeps this to the few such callbacks
#: pending.
_STOPPED = (
    "WITH stopped AS (UPDATE deliveries s SET state = 'delivered', next_at = NULL FROM orders o"
    " WHERE s.state = 'pending' AND s.until_acknowledged AND o.id = s.order_id"
    " AND o.acknowledged RETURNING s.id)"
)
_CLAIMED = (
    f"{_STOPPED} SELECT d.id, d.order_id, d.url, d.body, d.event_type,"
    " jsonb_array_length(d.attempts) AS tries, st.clock_offset, st.provider, d.created_at,"
    " coalesce(d.correlation_id, d.event_id) AS correlation_id, st.webhook_secret,"
    " d.method, d.headers::text AS headers, d.accept, d.until_acknowledged, d.retry_schedule"
    " FROM deliveries d JOIN stores st ON st.id = d.store_id"
)
# Due deliveries, oldest first, at most one per order's line (its notifications, its
# callbacks): the first still pending, so that an order's notifications go out in event
# order (one stopped now no longer holds its line back). SKIP LOCKED: another worker has
# those. A store whose clock is advancing is left to the advance (``service/clock.py``).
CLAIM_SQL = (
    f"{_CLAIMED} WHERE {first_pending('stopped')}"
    " AND d.next_at <= clock_timestamp() + st.clock_offset"
    " AND st.clock_advancing_since IS NULL"
    " ORDER BY d.next_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED"
)
# One delivery an advance found due at $2: None once another has tried it meanwhile.
CLAIM_DUE_SQL = (
    f"{_CLAIMED} WHERE d.id = $1 AND d.state = 'pending' AND d.next_at = $2"
    " AND d.id NOT IN (SELECT id FROM stopped) FOR UPDATE OF d"
)
# Attempts of deliveries in distinct lines (a claim takes one per order's notifications and
# one per order's callbacks: ``SAME_LINE``), one row each: and once one settles (delivered or
# failed) the later deliveries of its line that waited behind it fall due no earlier than
# the attempt: an advancing clock sends them after it, not at the times they were queued.
RECORD_SQL = (
    "WITH a AS (SELECT * FROM unnest($1::bigint[], $2::jsonb[], $3::text[],"
    " $4::timestamptz[], $5::timestamptz[]) AS a(id, attempt, state, next_at, at)),"
    " done AS (UPDATE deliveries d SET attempts = d.attempts || a.attempt, state = a.state,"
    " next_at = a.next_at FROM a WHERE d.id = a.id"
    " RETURNING d.id, d.order_id, d.checkout_id, a.state, a.at)"
    " UPDATE deliveries p SET next_at = d.at FROM done d WHERE d.state <> 'pending'"
    f" AND {SAME_LINE} AND p.id > d.id AND p.state = 'pending' AND p.next_at < d.at"
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
    occurred_at: datetime  # the event's time (the store's clock)
    correlation_id: str  # the write that queued it
    secret: str  # the store's webhook secret
    # A checkout's callback (``domain/checkout.py::Callback``); a notification has the
    # defaults: POSTed with orderdesk's and the provider's headers, judged by its provider.
    method: str = "POST"
    headers: dict[str, str] | None = None  # None: a notification's
    accept: frozenset[int] | None = None  # None: the provider's ``Notifier.delivered``
    until_acknowledged: bool = False
    retry_schedule: tuple[timedelta, ...] | None = None  # None: the provider's


class AttemptView(TypedDict):
    """One attempt: when it was made (the store's clock), the HTTP status answered (null: no
    answer), how long it took, and why it did not count as delivered (null: it did)."""

    at: str
    status: int | None
    latencyMs: float
    error: str | None


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    status: int | None
    latency_ms: float
    error: str | None

    def doc(self) -> AttemptView:
        return {
            "at": self.at.isoformat(),
            "status": self.status,
            "latencyMs": round(self.latency_ms, 1),
            "error": self.error,
        }


def _claimed(r: asyncpg.Record) -> Claimed:
    return Claimed(
        r["id"],
        r["order_id"],
        r["url"],
        r["body"],
        r["event_type"],
        r["tries"],
        r["clock_offset"],
        r["provider"],
        r["created_at"],
        r["correlation_id"],
        r["webhook_secret"],
        r["method"],
        None if r["headers"] is None else orjson.loads(r["headers"]),
        None if r["accept"] is None else frozenset(r["accept"]),
        r["until_acknowledged"],
        None if r["retry_schedule"] is None else tuple(r["retry_schedule"]),
    )


async def claim(conn: asyncpg.Connection, limit: int) -> list[Claimed]:
    """Lock up to ``limit`` due deliveries until the transaction ends."""
    return [_claimed(r) for r in await conn.fetch(CLAIM_SQL, limit)]


async def claim_due(conn: asyncpg.Connection, delivery_id: int, due: datetime) -> Claimed | None:
    """Lock the delivery due at ``due`` until the transaction ends (waiting for a worker that
    is sending it); None when it is no longer pending at that time."""
    row = await conn.fetchrow(CLAIM_DUE_SQL, delivery_id, due)
    return None if row is None else _claimed(row)


async def sending(conn: asyncpg.Connection, delivery_id: int) -> Claimed | None:
    """A delivery as its next attempt would post it, without claiming it (to show it)."""
    row = await conn.fetchrow(f"{_CLAIMED} WHERE d.id = $1", delivery_id)
    return None if row is None else _claimed(row)


async def record(
    conn: asyncpg.Connection,
    attempts: Sequence[tuple[int, Attempt, str, datetime | None]],
) -> None:
    """Record attempts (delivery id, attempt, state after it, next attempt), each of a
    delivery of another line (``SAME_LINE``)."""
    await conn.execute(
        RECORD_SQL,
        [delivery_id for delivery_id, _, _, _ in attempts],
        [[attempt.doc()] for _, attempt, _, _ in attempts],
        [state for _, _, state, _ in attempts],
        [next_at for _, _, _, next_at in attempts],
        [attempt.at for _, attempt, _, _ in attempts],
    )


async def acknowledged(conn: asyncpg.Connection, order_ids: Sequence[str]) -> set[str]:
    """Which of the orders are acknowledged (a callback retried until then stops)."""
    rows = await conn.fetch(
        "SELECT id FROM orders WHERE id = ANY($1::text[]) AND acknowledged", list(order_ids)
    )
    return {row["id"] for row in rows}


async def backlog(conn: asyncpg.Connection) -> int:
    """Deliveries not yet delivered nor given up on."""
    count: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'pending'")
    return count


# -- inspection ---------------------------------------------------------------------------

State = Literal["pending", "delivered", "failed"]
HELD = "an earlier notification of the same order is not delivered yet"


class WaitingFor(TypedDict):
    """Why a pending delivery is not sent yet: the delivery it waits behind."""

    deliveryId: str
    reason: str


class DeliveryView(TypedDict):
    """A notification to send and what became of it.

    ``body`` is the exact text posted on every attempt, ``attempts`` every attempt made, in
    order; times are on the store's clock. ``state``: ``pending`` (to be tried), ``delivered``
    or ``failed`` (the retries ran out; it can be sent again). ``nextAttemptAt``: when a pending
    delivery that is next in line (the first pending one of its order) is tried next; null
    otherwise. ``waitingFor``: for a pending delivery that is not next in line, the earlier
    pending one of its order it waits behind (an order's notifications go out in event order),
    and why; null otherwise."""

    deliveryId: str
    orderId: str
    storeId: str
    eventId: str
    eventType: str
    url: str
    method: str
    body: str
    state: State
    attempts: list[AttemptView]
    nextAttemptAt: str | None
    waitingFor: WaitingFor | None
    createdAt: str
    checkoutId: str | None


class DeliveryPage(TypedDict):
    """A page of deliveries; ``lastId`` (the last one's ``deliveryId``, null on an empty page)
    is the ``lastId`` of the next page."""

    lastId: str | None
    deliveries: list[DeliveryView]


# ``held_by``: the first pending delivery of the same order before this pending one — the one
# CLAIM_SQL's NOT EXISTS finds, so this one is not claimed (``deliveries_order``).
_VIEW = (
    "SELECT d.id, d.order_id, d.store_id, d.event_id, d.event_type, d.url, d.body, d.state,"
    " d.attempts::text AS attempts, d.next_at, d.created_at, d.method, d.checkout_id,"
    " CASE WHEN d.state = 'pending' THEN (SELECT min(p.id) FROM deliveries p"
    f"  WHERE {SAME_LINE} AND p.state = 'pending' AND p.id < d.id) END AS held_by"
    " FROM deliveries d"
)


def _view(row: asyncpg.Record) -> DeliveryView:
    held_by: int | None = row["held_by"]
    next_in_line = row["state"] == "pending" and held_by is None
    return {
        "deliveryId": str(row["id"]),
        "orderId": row["order_id"],
        "storeId": row["store_id"],
        "eventId": row["event_id"],
        "eventType": row["event_type"],
        "url": row["url"],
        "method": row["method"],
        "body": row["body"],
        "state": row["state"],
        "attempts": orjson.loads(row["attempts"]),
        "nextAttemptAt": row["next_at"].isoformat() if next_in_line else None,
        "waitingFor": None if held_by is None else {"deliveryId": str(held_by), "reason": HELD},
        "createdAt": row["created_at"].isoformat(),
        "checkoutId": row["checkout_id"],
    }


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """Which deliveries, in which order; every filter given must hold.

    A store's deliveries go in the order they were created on its clock (``createdAt``, then
    id): the order of its events. Every store's together (no ``store_id``) go in the order they
    were queued (id), as the stores' clocks differ."""

    store_id: str | None = None  # None: every store's
    order_id: str | None = None
    state: State | None = None
    event_type: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive
    newest_first: bool = False
    after: int = 0  # the last delivery of the page before; 0: the first page


class UnknownDelivery(LookupError):
    """The page before's last delivery is not one of the store's."""


def find_sql(
    where: DeliveryFilter, limit: int, after_at: datetime | None = None
) -> tuple[str, list[Any]]:
    """The statement of one page and its arguments (``after_at``: when ``where.after`` was
    created, for a store's pages). A store's deliveries are read in order through
    ``deliveries_store_created``, ``deliveries_store_state`` or ``deliveries_store_event``
    (migration 0091), every store's through the primary key."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    conditions = [
        f"{column} {arg(value)}"
        for column, value in (
            ("d.store_id =", where.store_id),
            ("d.order_id =", where.order_id),
            ("d.state =", where.state),
            ("d.event_type =", where.event_type),
            ("d.created_at >=", where.created_from),
            ("d.created_at <", where.created_to),
        )
        if value is not None
    ]
    key = ("d.created_at", "d.id") if where.store_id is not None else ("d.id",)
    if where.after:
        cursor = (after_at, where.after) if where.store_id is not None else (where.after,)
        conditions.append(
            f"({', '.join(key)}) {'<' if where.newest_first else '>'}"
            f" ({', '.join(arg(value) for value in cursor)})"
        )
    direction = " DESC" if where.newest_first else ""
    return (
        _VIEW
        + (" WHERE " + " AND ".join(conditions) if conditions else "")
        + " ORDER BY "
        + ", ".join(column + direction for column in key)
        + f" LIMIT {arg(limit)}",
        args,
    )


async def created_at(conn: asyncpg.Connection, where: DeliveryFilter) -> datetime | None:
    """When ``where.after`` was created, for a store's next page (None for the first page or
    every store's); UnknownDelivery when it is not one of the store's deliveries."""
    if not where.after or where.store_id is None:
        return None
    found: datetime | None = await conn.fetchval(
        "SELECT created_at FROM deliveries WHERE id = $1 AND store_id = $2",
        where.after,
        where.store_id,
    )
    if found is None:
        raise UnknownDelivery(where.after)
    return found


async def find_deliveries(
    conn: asyncpg.Connection, where: DeliveryFilter, limit: int
) -> list[DeliveryView]:
    """A page of the deliveries ``where`` picks; UnknownDelivery (``created_at``)."""
    sql, args = find_sql(where, limit, await created_at(conn, where))
    return [_view(row) for row in await conn.fetch(sql, *args)]


async def order_deliveries(
    conn: asyncpg.Connection, order_id: str, limit: int = 100
) -> list[DeliveryView]:
    """The order's notifications, oldest first (``deliveries_order``)."""
    rows = await conn.fetch(
        _VIEW + " WHERE d.order_id = $1 ORDER BY d.id LIMIT $2", order_id, limit
    )
    return [_view(row) for row in rows]


async def checkout_deliveries(
    conn: asyncpg.Connection, checkout_id: str, limit: int = 100
) -> list[DeliveryView]:
    """The callbacks a checkout session queued, oldest first (``deliveries_checkout``)."""
    rows = await conn.fetch(
        _VIEW + " WHERE d.checkout_id = $1 ORDER BY d.id LIMIT $2", checkout_id, limit
    )
    return [_view(row) for row in rows]


async def get_delivery(conn: asyncpg.Connection, delivery_id: int) -> DeliveryView | None:
    row = await conn.fetchrow(_VIEW + " WHERE d.id = $1", delivery_id)
    return None if row is None else _view(row)


async def resend(conn: asyncpg.Connection, delivery_id: int) -> DeliveryView | None:
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
    webhook_secret: str

    def view(self, now: datetime) -> dict[str, Any]:
        events = self.notify.events if self.notify else None
        return {
            "storeId": self.store_id,
            "url": self.notify.url if self.notify else None,
            "events": None if events is None else sorted(events),
            "webhookSecret": self.webhook_secret,
            "clock": {"now": now.isoformat(), "offsetSeconds": self.clock.total_seconds()},
        }


_SETTINGS = "id, provider, notification_url, notification_events, clock_offset, webhook_secret"


def _settings(row: asyncpg.Record) -> StoreSettings:
    return StoreSettings(
        row["id"],
        row["provider"],
        Target.of(row["notification_url"], row["notification_events"]),
        row["clock_offset"],
        row["webhook_secret"],
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


async def rotate_webhook_secret(
    conn: asyncpg.Connection, store_id: str, secret: str
) -> StoreSettings | None:
    """Replace the store's webhook secret: deliveries sent from now on are signed with it."""
    row = await conn.fetchrow(
        f"UPDATE stores SET webhook_secret = $2 WHERE id = $1 RETURNING {_SETTINGS}",
        store_id,
        secret,
    )
    return None if row is None else _settings(row)
