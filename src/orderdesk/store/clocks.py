"""The stores' test clocks: each store's now (the server's ``now()`` + ``stores.clock_offset``)
and, while an advance runs (``service/clock.py``), what falls due on the store's clock next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

#: An order ``o`` that can expire: something is left open, it is not closed and its current
#: expiry has no ``expire`` event yet (``Order.record_expiry`` decides the same).
EXPIRABLE = (
    "o.authorized > o.captured + o.cancelled AND NOT (o.state -> 'closed') = 'true'::jsonb"
    " AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id"
    "  AND e.type = 'expire' AND e.created_at >= o.expires_at)"
)
#: Two deliveries ``p`` and ``d`` in the same line: of one order, and both notifications or
#: both checkout callbacks (a shop's callbacks and its notifications are independent, as
#: the providers' are: a failing callback holds no notification back).
SAME_LINE = "p.order_id = d.order_id AND (p.checkout_id IS NULL) = (d.checkout_id IS NULL)"


def first_pending(settled: str | None = None) -> str:
    """A delivery ``d`` that may go out: pending, and the first pending one of its line (an
    order's notifications go out in event order, its callbacks in the order queued).
    ``settled``: a ``WITH`` query of the ids the same statement settles, pending no more."""

    def pending(alias: str) -> str:
        unsettled = "" if settled is None else f" AND {alias}.id NOT IN (SELECT id FROM {settled})"
        return f"{alias}.state = 'pending'{unsettled}"

    return (
        f"{pending('d')} AND NOT EXISTS (SELECT 1 FROM deliveries p"
        f"  WHERE {SAME_LINE} AND {pending('p')} AND p.id < d.id)"
    )


FIRST_PENDING = first_pending()
# What is due on store $1's clock: its expiries and its deliveries' attempts, each with the
# store time it falls due at; an expiry before the attempts due at the same moment.
_DUE = (
    "WITH st AS (SELECT now() + clock_offset AS now FROM stores WHERE id = $1)"
    " (SELECT 'expire' AS kind, o.id AS ref, o.expires_at AS due FROM orders o, st"
    f"  WHERE o.store_id = $1 AND o.expires_at <= st.now AND {EXPIRABLE}"
    "  ORDER BY o.expires_at LIMIT 1)"
    " UNION ALL (SELECT 'attempt', d.id::text, d.next_at FROM deliveries d, st"
    f"  WHERE d.store_id = $1 AND d.next_at <= st.now AND {FIRST_PENDING}"
    "  ORDER BY d.next_at, d.id LIMIT 1)"
)
NEXT_DUE_SQL = f"{_DUE} ORDER BY due, kind DESC LIMIT 1"

_CLOCK = "id, clock_offset, now() + clock_offset AS now, clock_advancing_since"


@dataclass(frozen=True, slots=True)
class StoreClock:
    store_id: str
    offset: timedelta
    now: datetime  # the store's now, as read
    advancing_since: datetime | None  # the server's time an advance began; None: none runs


@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # expire | attempt
    ref: str  # the order's id (expire), the delivery's (attempt)
    at: datetime  # on the store's clock


def _clock(row: asyncpg.Record) -> StoreClock:
    return StoreClock(row["id"], row["clock_offset"], row["now"], row["clock_advancing_since"])


async def get(conn: asyncpg.Connection, store_id: str) -> StoreClock | None:
    row = await conn.fetchrow(f"SELECT {_CLOCK} FROM stores WHERE id = $1", store_id)
    return None if row is None else _clock(row)


async def every_store(conn: asyncpg.Connection) -> list[StoreClock]:
    """Every store's clock, by store id."""
    return [_clock(row) for row in await conn.fetch(f"SELECT {_CLOCK} FROM stores ORDER BY id")]


async def start_advance(
    conn: asyncpg.Connection, store_id: str, by: timedelta, from_offset: timedelta | None = None
) -> StoreClock | None:
    """Move the store's clock ``by`` forward and mark it advancing (an advance that is
    already running goes on, and now runs up to the later time); None: no such store, or
    its clock is no longer ``from_offset`` ahead (when given)."""
    row = await conn.fetchrow(
        "UPDATE stores SET clock_offset = clock_offset + $2,"
        " clock_advancing_since = coalesce(clock_advancing_since, now())"
        f" WHERE id = $1 AND ($3::interval IS NULL OR clock_offset = $3) RETURNING {_CLOCK}",
        store_id,
        by,
        from_offset,
    )
    return None if row is None else _clock(row)


async def next_due(conn: asyncpg.Connection, store_id: str) -> Due | None:
    """The store's earliest expiry or delivery attempt that is due on its clock."""
    row = await conn.fetchrow(NEXT_DUE_SQL, store_id)
    return None if row is None else Due(row["kind"], row["ref"], row["due"])


async def finish_advance(conn: asyncpg.Connection, store_id: str) -> StoreClock | None:
    """The store's clock, no longer advancing — unless something is due on it (None)."""
    row = await conn.fetchrow(
        "UPDATE stores SET clock_advancing_since = NULL WHERE id = $1"
        f" AND NOT EXISTS (SELECT 1 FROM ({_DUE}) AS due) RETURNING {_CLOCK}",
        store_id,
    )
    return None if row is None else _clock(row)
