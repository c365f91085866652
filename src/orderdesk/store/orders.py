"""Reading and writing orders: the ``orders`` row, its ``order_lines``, ``order_events`` and
``ledger`` rows — all in one statement each way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import orjson

from orderdesk.domain import notifications
from orderdesk.domain.order import Order, Provider
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.walley import rules as walley
from orderdesk.store import idempotency
from orderdesk.store.codec import (
    LINE_COLUMNS,
    LineRow,
    event_doc,
    line_changes,
    line_rows,
    order_from_rows,
    state_doc,
)

_LINE_RECORD = (
    "x(id text, chunk text, position integer, reference text, description text, type text,"
    " quantity integer, unit_price bigint, unit_discount bigint, total_amount bigint,"
    " vat integer, total_vat bigint)"
)
_WRITE_LINES = (
    "INSERT INTO order_lines (order_id, " + ", ".join(LINE_COLUMNS) + ")"
    f" SELECT $1, x.* FROM jsonb_to_recordset($11::jsonb) AS {_LINE_RECORD}"
)
_WRITE_EVENTS = (
    "INSERT INTO order_events (order_id, id, type, amount, ledger_id, created_at)"
    " SELECT $1, x.* FROM jsonb_to_recordset($12::jsonb)"
    " AS x(id text, type text, amount bigint, ledger_id text, created_at timestamptz)"
)
_WRITE_LEDGER = (
    "INSERT INTO ledger (order_id, store_id, merchant_id, currency, kind, amount, ledger_id,"
    " action_reference, created_at)"
    " SELECT $1, $13, $14, $15, x.* FROM jsonb_to_recordset($16::jsonb)"
    " AS x(kind text, amount bigint, ledger_id text, action_reference text,"
    " created_at timestamptz)"
)


def _write_deliveries(param: int, where: str = "") -> str:
    """The outbox rows of the change's notifications (``$param``: [] when the store has no
    notification URL, so a store without one pays for an empty CTE only)."""
    return (
        "INSERT INTO deliveries (order_id, store_id, event_id, event_type, url, body, next_at,"
        " created_at) SELECT $1, $13, x.event_id, x.type, x.url, x.body, x.at, x.at"
        f" FROM jsonb_to_recordset(${param}::jsonb)"
        f" AS x(n integer, event_id text, type text, url text, body text, at timestamptz){where}"
        " ORDER BY x.n"
    )


_ORDER_VALUES = (
    "authorized=$2, captured=$3, refunded=$4, cancelled=$5, expires_at=$6, updated_at=$7,"
    " status=$8, merchant_reference=$9, state=$10"
)
# Columns the Ledyer order list filters on, read out of the state document ($10).
_STATE_COLUMNS = "payment_method, acknowledged"
_STATE_VALUES = "$10::jsonb ->> 'payment_method', ($10::jsonb ->> 'acknowledged')::boolean"
INSERT_SQL = (
    "WITH o AS (INSERT INTO orders (id, authorized, captured, refunded, cancelled, expires_at,"
    " updated_at, status, merchant_reference, state, order_reference, provider, merchant_id,"
    f" store_id, currency, created_at, {_STATE_COLUMNS})"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $17, $18, $14, $13, $15, $19,"
    f" {_STATE_VALUES})"
    " RETURNING seq),"
    f" l AS ({_WRITE_LINES}), e AS ({_WRITE_EVENTS}), g AS ({_WRITE_LEDGER}),"
    f" n AS ({_write_deliveries(20)})"
    " SELECT seq FROM o"
)
# A change is written only over the order it was computed from: the row's ``xmin`` ($19) is
# the version read with it, and every other part of the statement waits for that update
# (``_APPLIED``). It returns 1, or 0 when the order changed (or is gone) since it was read —
# the caller reads it again (``service/unit_of_work.py``). Inside a transaction that holds the
# row's lock the version cannot have moved.
_APPLIED = " WHERE EXISTS (SELECT FROM o)"
SAVE_SQL = (
    f"WITH o AS (UPDATE orders SET {_ORDER_VALUES}, ({_STATE_COLUMNS}) = ({_STATE_VALUES})"
    " WHERE id=$1 AND xmin::text = $19 RETURNING 1),"
    f" l AS ({_WRITE_LINES}{_APPLIED} ON CONFLICT (order_id, id) DO UPDATE SET "
    + ", ".join(f"{column}=EXCLUDED.{column}" for column in LINE_COLUMNS[1:])
    + "),"
    " d AS (DELETE FROM order_lines WHERE order_id=$1 AND id = ANY($17::text[])"
    " AND EXISTS (SELECT FROM o)),"
    f" e AS ({_WRITE_EVENTS}{_APPLIED}), g AS ({_WRITE_LEDGER}{_APPLIED}),"
    f" n AS ({_write_deliveries(18, _APPLIED)})"
    " SELECT count(*) FROM o"
)
# The same, and the reply stored under the request's idempotency key: one round trip fewer.
# The key's lock is taken first (``c``, a no-op for a transaction that already holds it): a
# request whose key another one is working on writes nothing and is answered from the key.
SAVE_WITH_REPLY_SQL = (
    f"WITH c AS MATERIALIZED (SELECT {idempotency.lock('$20', '$21')} AS locked), "
    + SAVE_SQL.removeprefix("WITH ")
    .replace("xmin::text = $19 RETURNING", "xmin::text = $19 AND (SELECT locked FROM c) RETURNING")
    .replace(
        " SELECT count(*) FROM o",
        ", k AS (INSERT INTO idempotency_keys"
        " (client_id, key, fingerprint, order_id, status_code, headers, body)"
        " SELECT $20::text, $21::text, $22::bytea, $1, $23::integer, $24::jsonb, $25::bytea"
        f"{_APPLIED}) SELECT count(*) FROM o",
    )
)
# ``current`` is false when the row changed between this statement's snapshot and its lock
# (a concurrent change committed while it waited): the lines and events read alongside are
# then from before that change, and are read again (see ``get``).
# Lines and events come as JSON text (json_agg is much cheaper than building jsonb).
# The store's test clock and notification settings come along (no extra round trip).
#: The columns and tables an order is read from; searches add their own WHERE and ORDER BY.
SELECT_ORDERS = (
    "SELECT o.seq, o.state, o.id, o.created_at, o.xmin::text AS version,"
    " o.xmin::text = (SELECT s.xmin::text FROM orders s WHERE s.id = o.id) AS current,"
    " (SELECT json_agg(json_build_array(" + ", ".join(f"l.{c}" for c in LINE_COLUMNS) + ")"
    " ORDER BY l.chunk, l.position) FROM order_lines l WHERE l.order_id = o.id)::text AS lines,"
    " (SELECT json_agg(json_build_array(e.id, e.type, e.amount, e.ledger_id, e.created_at)"
    " ORDER BY e.seq) FROM order_events e WHERE e.order_id = o.id)::text AS events,"
    " st.clock_offset, st.notification_url, st.notification_events"
    " FROM orders o JOIN stores st ON st.id = o.store_id"
)
GET_SQL = SELECT_ORDERS + " WHERE o.id = $1"
LOCK_SQL = GET_SQL + " FOR UPDATE OF o"
# A keyed change's first statement: the key's claim (``idempotency.CLAIM_SQL``: its lock and
# stored answer, $1 and $2) and the order's load ($3), one round trip instead of two.
# The claim runs first (a materialised CTE, evaluated once); the order is read only when this
# request took the key's lock and no answer is stored under it — a replay or a key in
# progress leaves the order alone. ``PEEK_SQL`` runs on its own (no transaction: the key's
# lock ends with it); ``CLAIM_AND_LOCK_SQL``, in a transaction, keeps both locks until commit.
PEEK_SQL = (
    f"WITH c AS MATERIALIZED ({idempotency.CLAIM_SQL})"
    " SELECT c.locked, c.fingerprint, c.status_code, c.headers, c.body, x.*"
    f" FROM c LEFT JOIN LATERAL ({SELECT_ORDERS}"
    " WHERE o.id = $3 AND c.locked AND c.fingerprint IS NULL) AS x ON true"
)
CLAIM_AND_LOCK_SQL = PEEK_SQL.replace(") AS x ON true", " FOR UPDATE OF o) AS x ON true")


@dataclass(slots=True)
class Loaded:
    """An order as read, with what is needed to write back only what changed."""

    order: Order
    seq: int
    lines: dict[str, LineRow]
    events: int
    version: str = ""  # the row's xmin as read: ``SAVE_SQL`` writes only over this version
    clock: timedelta = timedelta(0)  # the store's test clock: its now is the server's + this
    notify: Target | None = None  # where the store wants its notifications
    queued: int = 0  # notifications the last save queued


@dataclass(frozen=True, slots=True)
class Target:
    """A store's notification URL and the notification types it wants (None: all)."""

    url: str
    events: frozenset[str] | None = field(default=None)

    @classmethod
    def of(cls, url: str | None, events: list[str] | None) -> Target | None:
        return None if url is None else cls(url, None if events is None else frozenset(events))


def delivery_docs(order: Order, events_from: int, target: Target | None) -> list[dict[str, Any]]:
    """The outbox rows (as ``_write_deliveries`` reads them) of the new events' notifications."""
    if target is None:
        return []
    made = notifications.pending(order, events_from, target.events)
    at = {event.id: event.created_at.isoformat() for event in order.events[events_from:]}
    return [
        {
            "n": n,
            "event_id": x.event_id,
            "type": x.type,
            "url": target.url,
            "body": x.body,
            "at": at[x.event_id],
        }
        for n, x in enumerate(made)
    ]


def status(order: Order) -> str:
    """The provider's status word for the indexed ``status`` column, as of the last change
    (an order that expires without a change keeps its last one here)."""
    at = order.updated_at
    if order.provider == Provider.WALLEY:
        return walley.status(order, at)
    return ledyer.statuses(order, at)[0]


def _shared_args(order: Order) -> tuple[Any, ...]:
    return (
        order.id,
        order.authorized,
        order.captured_amount,
        order.refunded_amount,
        order.cancelled,
        order.expires_at,
        order.updated_at,
        status(order),
        order.merchant_reference,
        state_doc(order),
    )


def _tail_args(order: Order, rows: list[LineRow], events_from: int) -> tuple[Any, ...]:
    return (
        [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows],
        [event_doc(event) for event in order.events[events_from:]],
        order.store_id,
        order.merchant_id,
        order.currency,
        [
            {
                "kind": entry.kind,
                "amount": entry.amount,
                "ledger_id": entry.ledger_id,
                "action_reference": entry.action_reference,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in order.new_entries
        ],
    )


async def insert(conn: asyncpg.Connection, order: Order, notify: Target | None = None) -> int:
    """Store a new order (and queue its notifications to ``notify``); returns its sequence
    number."""
    seq: int = await conn.fetchval(
        INSERT_SQL,
        *_shared_args(order),
        *_tail_args(order, line_rows(order), 0),
        order.order_reference,
        order.provider,
        order.created_at,
        delivery_docs(order, 0, notify),
    )
    order.new_entries.clear()
    return seq


_DELIVERIES = 17  # the index in ``save_args`` of ``$18``, the notifications queued


def save_args(loaded: Loaded) -> tuple[Any, ...]:
    """The parameters of ``SAVE_SQL`` that store ``loaded.order`` over what was loaded."""
    order = loaded.order
    changes = line_changes(order, loaded.lines)
    return (
        *_shared_args(order),
        *_tail_args(order, changes.upserted, loaded.events),
        changes.deleted,
        delivery_docs(order, loaded.events, loaded.notify),
        loaded.version,
    )


async def save(
    conn: asyncpg.Connection, loaded: Loaded, reply: idempotency.KeyRecord | None = None
) -> bool:
    """Write what changed over the version that was loaded; with ``reply``, store it under its
    idempotency key in the same statement (a key used meanwhile fails it on the key's primary
    key). False, with nothing written, when the order changed since it was loaded or another
    request holds the key (``SAVE_SQL``)."""
    args = save_args(loaded)
    if reply is None:
        applied = await conn.fetchval(SAVE_SQL, *args)
    else:
        applied = await conn.fetchval(SAVE_WITH_REPLY_SQL, *args, *reply.values())
    if not applied:
        return False
    loaded.queued = len(args[_DELIVERIES])
    loaded.order.new_entries.clear()
    return True


async def get(
    conn: asyncpg.Connection, order_id: str, *, for_update: bool = False
) -> Loaded | None:
    """The order, or None. ``for_update`` locks its row until the transaction ends."""
    sql = LOCK_SQL if for_update else GET_SQL
    row = await conn.fetchrow(sql, order_id)
    if row is None:
        return None
    if not row["current"]:
        row = await conn.fetchrow(sql, order_id)  # holds the lock now: a fresh snapshot
    return loaded(row)


@dataclass(frozen=True, slots=True)
class Claimed:
    """What ``claim_and_lock`` found: the key's lock, its stored answer, the order (locked
    until the transaction ends when asked to lock)."""

    locked: bool
    stored: idempotency.StoredResponse | None
    order: Loaded | None  # None: a replay, a key in progress, no such order


async def claim_and_lock(
    conn: asyncpg.Connection, client_id: str, key: str, order_id: str, *, lock: bool = True
) -> Claimed:
    """Claim the idempotency key and, when this request may go on, load the order; ``lock``
    (in a transaction) keeps the key's and the order's lock until it ends, otherwise both
    end with the statement (``PEEK_SQL``)."""
    row = await conn.fetchrow(CLAIM_AND_LOCK_SQL if lock else PEEK_SQL, client_id, key, order_id)
    locked, stored = idempotency.claimed(row)
    if row["seq"] is None:
        return Claimed(locked, stored, None)
    if not row["current"]:
        row = await conn.fetchrow(LOCK_SQL, order_id)  # holds the lock now: a fresh snapshot
    return Claimed(locked, stored, loaded(row))


def loaded(row: asyncpg.Record) -> Loaded:
    """An order from a row of ``SELECT_ORDERS``."""
    lines = [tuple(line) for line in orjson.loads(row["lines"] or "[]")]
    order = order_from_rows(row["state"], lines, orjson.loads(row["events"] or "[]"))
    return Loaded(
        order,
        row["seq"],
        {line[0]: line for line in lines},
        len(order.events),
        row["version"],
        row["clock_offset"],
        Target.of(row["notification_url"], row["notification_events"]),
    )
