"""Reading and writing orders: the ``orders`` row, its ``order_chunks``, ``order_lines``,
``order_events``, ``ledger`` and ``deliveries`` rows — all in one statement each way.

The ledger is the truth: a write adds to the order's captured, refunded and cancelled amounts
(and its authorisation) what the very ledger rows and events it appends add up to
(``domain/order.py::added_by``, over the rows the same statement inserts), never the change's
own totals; ``store/check.py`` recomputes every order from its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import orjson

from orderdesk.domain.notifications import Render, pending
from orderdesk.domain.order import Order, added_by
from orderdesk.store import idempotency
from orderdesk.store.codec import (
    LINE_COLUMNS,
    LineRow,
    chunk_rows,
    event_doc,
    head_doc,
    line_changes,
    line_rows,
    order_from_rows,
    with_chunks,
)


def _numbered(*names: str) -> dict[str, str]:
    """``$1``, ``$2``, … for each parameter name, in order."""
    return {name: f"${n}" for n, name in enumerate(names, start=1)}


#: The parameters of a write, in order (``_write_args`` gives their values).
_WRITE = (
    "id",
    "expires_at",
    "updated_at",
    "status",
    "merchant_reference",
    "state",
    "lines",
    "events",
    "store_id",
    "merchant_id",
    "currency",
    "entries",
    "deliveries",
    "chunks",
)
#: An insert's parameters after those.
_NEW = ("authorized", "order_reference", "provider", "created_at")
#: A save's parameters after the write's: what the change's own ledger rows and events add
#: to the order's amounts (``domain/order.py::added_by``), the lines to delete, the version.
_CHANGE = ("captured", "refunded", "cancelled", "authorized", "deleted", "version")
#: The reply a save stores under the request's idempotency key, after the save's.
_REPLY = ("client_id", "key", "fingerprint", "status_code", "headers", "body")

_LINE_RECORD = (
    "x(id text, chunk text, position integer, reference text, description text, type text,"
    " quantity integer, unit_price bigint, unit_discount bigint, total_amount bigint,"
    " vat integer, total_vat bigint)"
)
_ENTRY_RECORD = (
    "x(kind text, amount bigint, ledger_id text, action_reference text, created_at timestamptz)"
)
_EVENT_RECORD = "x(id text, type text, amount bigint, ledger_id text, created_at timestamptz)"


def _write_lines(p: dict[str, str]) -> str:
    return (
        "INSERT INTO order_lines (order_id, " + ", ".join(LINE_COLUMNS) + ")"
        f" SELECT {p['id']}, x.* FROM jsonb_to_recordset({p['lines']}::jsonb) AS {_LINE_RECORD}"
    )


def _write_events(p: dict[str, str]) -> str:
    return (
        "INSERT INTO order_events (order_id, id, type, amount, ledger_id, created_at)"
        f" SELECT {p['id']}, x.* FROM jsonb_to_recordset({p['events']}::jsonb) AS {_EVENT_RECORD}"
    )


def _write_ledger(p: dict[str, str]) -> str:
    return (
        "INSERT INTO ledger (order_id, store_id, merchant_id, currency, kind, amount, ledger_id,"
        " action_reference, created_at)"
        f" SELECT {p['id']}, {p['store_id']}, {p['merchant_id']}, {p['currency']}, x.*"
        f" FROM jsonb_to_recordset({p['entries']}::jsonb) AS {_ENTRY_RECORD}"
    )


def _write_chunks(p: dict[str, str]) -> str:
    """The headers of the chunks the change issued (``codec.chunk_rows``)."""
    return (
        "INSERT INTO order_chunks (order_id, ledger_id, kind, n, header)"
        f" SELECT {p['id']}, x.ledger_id, x.kind, x.n, x.header"
        f" FROM jsonb_to_recordset({p['chunks']}::jsonb)"
        " AS x(ledger_id text, kind text, n integer, header jsonb)"
    )


def _write_deliveries(p: dict[str, str]) -> str:
    """The outbox rows of the change's notifications ([] when the store has no notification
    URL, so a store without one pays for an empty CTE only)."""
    return (
        "INSERT INTO deliveries (order_id, store_id, event_id, event_type, url, body, next_at,"
        f" created_at, correlation_id) SELECT {p['id']}, {p['store_id']}, x.event_id, x.type,"
        f" x.url, x.body, x.at, x.at, x.correlation_id"
        f" FROM jsonb_to_recordset({p['deliveries']}::jsonb) AS x(n integer, event_id text,"
        " type text, url text, body text, at timestamptz, correlation_id text)"
    )


def _insert_sql() -> str:
    p = _numbered(*_WRITE, *_NEW)
    return (
        "WITH o AS (INSERT INTO orders (id, authorized, captured, refunded, cancelled,"
        " expires_at, updated_at, status, merchant_reference, state, order_reference, provider,"
        " merchant_id, store_id, currency, created_at, payment_method, acknowledged)"
        f" VALUES ({p['id']}, {p['authorized']}, 0, 0, 0, {p['expires_at']}, {p['updated_at']},"
        f" {p['status']}, {p['merchant_reference']}, {p['state']}, {p['order_reference']},"
        f" {p['provider']}, {p['merchant_id']}, {p['store_id']}, {p['currency']},"
        f" {p['created_at']}, {_state_columns(p)}) RETURNING seq),"
        f" h AS ({_write_chunks(p)}), l AS ({_write_lines(p)}), e AS ({_write_events(p)}),"
        f" g AS ({_write_ledger(p)}), n AS ({_write_deliveries(p)} ORDER BY x.n)"
        " SELECT seq FROM o"
    )


def _state_columns(p: dict[str, str]) -> str:
    """The columns the order lists filter on, read out of the state document."""
    return (
        f"{p['state']}::jsonb ->> 'payment_method',"
        f" ({p['state']}::jsonb ->> 'acknowledged')::boolean"
    )


def _save_sql(with_reply: bool) -> str:
    """A change, written only over the order it was computed from: the row's ``xmin`` is the
    version read with it, and every other part of the statement waits for that update
    (``applied``). It returns 1, or 0 when the order changed (or is gone) since it was read —
    the caller reads it again (``service/unit_of_work.py``). Inside a transaction that holds
    the row's lock the version cannot have moved.

    ``with_reply``: the reply is stored under the request's idempotency key in the same
    statement, and only while this request holds the key's lock (``c``, a no-op for a
    transaction that holds it already): a request whose key another one is working on writes
    nothing and is answered from the key.
    """
    p = _numbered(*_WRITE, *_CHANGE, *(_REPLY if with_reply else ()))
    applied = " WHERE EXISTS (SELECT FROM o)"
    claim = (
        f"c AS MATERIALIZED (SELECT {idempotency.lock(p['client_id'], p['key'])} AS locked), "
        if with_reply
        else ""
    )
    holds_key = " AND (SELECT locked FROM c)" if with_reply else ""
    upsert = ", ".join(f"{column}=EXCLUDED.{column}" for column in LINE_COLUMNS[1:])
    reply = (
        ", k AS (INSERT INTO idempotency_keys"
        " (client_id, key, fingerprint, order_id, status_code, headers, body)"
        f" SELECT {p['client_id']}::text, {p['key']}::text, {p['fingerprint']}::bytea,"
        f" {p['id']}, {p['status_code']}::integer, {p['headers']}::jsonb, {p['body']}::bytea"
        f"{applied})"
        if with_reply
        else ""
    )
    return (
        f"WITH {claim}o AS (UPDATE orders SET captured = captured + {p['captured']},"
        f" refunded = refunded + {p['refunded']}, cancelled = cancelled + {p['cancelled']},"
        f" authorized = authorized + {p['authorized']}, expires_at = {p['expires_at']},"
        f" updated_at = {p['updated_at']}, status = {p['status']},"
        f" merchant_reference = {p['merchant_reference']}, state = {p['state']},"
        f" (payment_method, acknowledged) = ({_state_columns(p)})"
        f" WHERE id = {p['id']} AND xmin::text = {p['version']}{holds_key} RETURNING 1),"
        f" h AS ({_write_chunks(p)}{applied}),"
        f" l AS ({_write_lines(p)}{applied} ON CONFLICT (order_id, id) DO UPDATE SET {upsert}),"
        f" d AS (DELETE FROM order_lines WHERE order_id = {p['id']}"
        f" AND id = ANY({p['deleted']}::text[]) AND EXISTS (SELECT FROM o)),"
        f" e AS ({_write_events(p)}{applied}), g AS ({_write_ledger(p)}{applied}),"
        f" n AS ({_write_deliveries(p)}{applied} ORDER BY x.n){reply}"
        " SELECT count(*) FROM o"
    )


INSERT_SQL = _insert_sql()
SAVE_SQL = _save_sql(with_reply=False)
SAVE_WITH_REPLY_SQL = _save_sql(with_reply=True)

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
    " (SELECT json_agg(json_build_array(h.kind, h.header) ORDER BY h.kind, h.n)"
    " FROM order_chunks h WHERE h.order_id = o.id)::text AS chunks,"
    " st.clock_offset, st.notification_url, st.notification_events"
    " FROM orders o JOIN stores st ON st.id = o.store_id"
)
GET_SQL = SELECT_ORDERS + " WHERE o.id = $1"
LOCK_SQL = GET_SQL + " FOR UPDATE OF o"


def _claim_sql(lock: bool) -> str:
    """A keyed change's first statement: the key's claim (``idempotency.CLAIM_SQL``: its lock
    and stored answer, $1 and $2) and the order's load ($3), one round trip instead of two.

    The claim runs first (a materialised CTE, evaluated once); the order is read only when
    this request took the key's lock and no answer is stored under it — a replay or a key in
    progress leaves the order alone. Without ``lock`` it runs on its own (no transaction: the
    key's lock ends with it); with ``lock``, in a transaction, it keeps both locks until commit.
    """
    for_update = " FOR UPDATE OF o" if lock else ""
    return (
        f"WITH c AS MATERIALIZED ({idempotency.CLAIM_SQL})"
        " SELECT c.locked, c.fingerprint, c.status_code, c.headers, c.body, x.*"
        f" FROM c LEFT JOIN LATERAL ({SELECT_ORDERS}"
        f" WHERE o.id = $3 AND c.locked AND c.fingerprint IS NULL{for_update}) AS x ON true"
    )


PEEK_SQL = _claim_sql(lock=False)
CLAIM_AND_LOCK_SQL = _claim_sql(lock=True)


@dataclass(frozen=True, slots=True)
class Target:
    """A store's notification URL and the notification types it wants (None: all)."""

    url: str
    events: frozenset[str] | None = field(default=None)

    @classmethod
    def of(cls, url: str | None, events: list[str] | None) -> Target | None:
        return None if url is None else cls(url, None if events is None else frozenset(events))


@dataclass(slots=True)
class Loaded:
    """An order as read, with what is needed to write back only what changed."""

    order: Order
    seq: int
    lines: dict[str, LineRow]
    events: int
    issued: tuple[int, int] = (0, 0)  # how many captured and refunded chunks it had
    version: str = ""  # the row's xmin as read: ``SAVE_SQL`` writes only over this version
    clock: timedelta = timedelta(0)  # the store's test clock: its now is the server's + this
    notify: Target | None = None  # where the store wants its notifications
    queued: int = 0  # notifications the last save queued


@dataclass(frozen=True, slots=True)
class Written:
    """What a write stores besides the order itself, as its provider says: the status word
    for the indexed ``status`` column and how the order's events are notified."""

    status: str
    render: Render


def delivery_docs(
    order: Order, events_from: int, target: Target | None, render: Render
) -> list[dict[str, Any]]:
    """The outbox rows (as ``_write_deliveries`` reads them) of the new events' notifications,
    each with the write's correlation id: its last event's (what its answer says)."""
    if target is None:
        return []
    made = pending(order, events_from, target.events, render)
    at = {event.id: event.created_at.isoformat() for event in order.events[events_from:]}
    return [
        {
            "n": n,
            "event_id": x.event_id,
            "type": x.type,
            "url": target.url,
            "body": x.body,
            "at": at[x.event_id],
            "correlation_id": order.events[-1].id,
        }
        for n, x in enumerate(made)
    ]


def _write_args(
    order: Order,
    rows: Sequence[LineRow],
    events_from: int,
    written: Written,
    deliveries: Any,
    issued: tuple[int, int] = (0, 0),
) -> tuple[Any, ...]:
    """The values of ``_WRITE``."""
    return (
        order.id,
        order.expires_at,
        order.updated_at,
        written.status,
        order.merchant_reference,
        head_doc(order),
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
        deliveries,
        chunk_rows(order, issued),
    )


_DELIVERIES = _WRITE.index("deliveries")


async def insert(
    conn: asyncpg.Connection, order: Order, written: Written, notify: Target | None = None
) -> int:
    """Store a new order (and queue its notifications to ``notify``); returns its sequence
    number."""
    seq: int = await conn.fetchval(
        INSERT_SQL,
        *_write_args(
            order, line_rows(order), 0, written, delivery_docs(order, 0, notify, written.render)
        ),
        order.authorized,
        order.order_reference,
        order.provider,
        order.created_at,
    )
    order.new_entries.clear()
    return seq


def save_args(loaded: Loaded, written: Written) -> tuple[Any, ...]:
    """The parameters of ``SAVE_SQL`` that store ``loaded.order`` over what was loaded."""
    order = loaded.order
    changes = line_changes(order, loaded.lines)
    deliveries = delivery_docs(order, loaded.events, loaded.notify, written.render)
    return (
        *_write_args(order, changes.upserted, loaded.events, written, deliveries, loaded.issued),
        *added_by(order.new_entries, order.events[loaded.events :]),
        changes.deleted,
        loaded.version,
    )


async def save(
    conn: asyncpg.Connection,
    loaded: Loaded,
    written: Written,
    reply: idempotency.KeyRecord | None = None,
) -> bool:
    """Write what changed over the version that was loaded; with ``reply``, store it under its
    idempotency key in the same statement (a key used meanwhile fails it on the key's primary
    key). False, with nothing written, when the order changed since it was loaded or another
    request holds the key (``SAVE_SQL``)."""
    args = save_args(loaded, written)
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
    doc = with_chunks(row["state"], orjson.loads(row["chunks"] or "[]"))
    order = order_from_rows(doc, lines, orjson.loads(row["events"] or "[]"))
    return Loaded(
        order,
        row["seq"],
        {line[0]: line for line in lines},
        len(order.events),
        (len(order.captured), len(order.refunded)),
        row["version"],
        row["clock_offset"],
        Target.of(row["notification_url"], row["notification_events"]),
    )


class OrderRows:
    """The unit of work's way to the order rows. Tests put a wrapper in its place
    (``UnitOfWork.rows``) to run something between a change's read and its write."""

    async def get(
        self, conn: asyncpg.Connection, order_id: str, *, for_update: bool = False
    ) -> Loaded | None:
        return await get(conn, order_id, for_update=for_update)

    async def claim_and_lock(
        self, conn: asyncpg.Connection, client_id: str, key: str, order_id: str, *, lock: bool
    ) -> Claimed:
        return await claim_and_lock(conn, client_id, key, order_id, lock=lock)

    async def save(
        self,
        conn: asyncpg.Connection,
        loaded: Loaded,
        written: Written,
        reply: idempotency.KeyRecord | None = None,
    ) -> bool:
        return await save(conn, loaded, written, reply)
