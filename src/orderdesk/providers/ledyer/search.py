"""Listing orders (``GET /v1/orders``): filters on the indexed ``orders`` columns, keyset
paging newest first on ``(created_at, seq)``, and the page's orders read in one statement.
Each order is judged at its store's now (``domain/clock.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.providers.ledyer import NAME
from orderdesk.service.reads import Reads
from orderdesk.store.orders import SELECT_ORDERS, Loaded, loaded

#: ``status[]`` values as predicates on the columns: the order's ``status[]`` contains it
#: (``{now}``: the order's store's now, an SQL expression).
#: What the customer paid of an order (its ``paid`` events: index ``order_events_paid``) and
#: what its invoices ask: the captures less the credits, or, before any capture, the advance
#: invoice (what is authorised).
_PAID = (
    "(SELECT coalesce(sum(v.amount), 0) FROM order_events v"
    " WHERE v.order_id = o.id AND v.type = 'paid')"
)
_DUE = "CASE WHEN o.captured = 0 THEN o.authorized - o.cancelled ELSE o.captured - o.refunded END"
STATUS_SQL = {
    "uncaptured": "o.status = 'uncaptured'",
    "partiallyCaptured": "o.status = 'partiallyCaptured'",
    "fullyCaptured": "o.status = 'fullyCaptured'",
    "cancelled": "o.cancelled > 0 AND o.captured + o.cancelled = o.authorized",
    "partiallyRefunded": "o.refunded > 0 AND o.refunded < o.captured",
    "fullyRefunded": "o.refunded > 0 AND o.refunded >= o.captured",
    "unacknowledged": "NOT o.acknowledged",
    "expired": ("o.expires_at <= {now} AND o.authorized > o.captured + o.cancelled"),
    "partiallyPaid": f"{_PAID} > 0 AND {_PAID} < {_DUE}",
    "fullyPaid": f"{_PAID} > 0 AND {_PAID} >= {_DUE}",
}


async def order_of_session(reads: Reads, session_id: str) -> str:
    """The id of the Ledyer order made in a checkout session (index ``orders_session``); an
    unknown session is an unknown order (one with a NUL too: PostgreSQL's text cannot hold
    it)."""
    if "\x00" in session_id:
        raise no_order("No order was made in that session")

    async def of_session(conn: asyncpg.Connection) -> str | None:
        found: str | None = await conn.fetchval(
            "SELECT id FROM orders WHERE state ->> 'session_id' = $1 AND provider = $2",
            session_id,
            NAME,
        )
        return found

    found = await reads.fetch(of_session)
    if found is None:
        raise no_order(f"No order was made in session {session_id}")
    return found


def no_order(message: str) -> DomainError:
    return DomainError(e.ORDER_NOT_FOUND, message, Kind.NOT_FOUND)


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Which orders of which stores; every list is "any of", the filters are "all of"."""

    provider: str
    store_ids: list[str]
    server_now: datetime  # each order is judged at its store's: this + its store's clock
    size: int
    created_from: datetime | None = None
    created_to: datetime | None = None
    expires_from: datetime | None = None
    expires_to: datetime | None = None
    ids: list[str] = field(default_factory=list)
    merchant_references: list[str] = field(default_factory=list)
    order_references: list[str] = field(default_factory=list)
    payment_methods: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    q: str | None = None
    #: Start after this (created_at, seq), from a cursor; or after this order id (``fromId``).
    after: tuple[datetime, int] | None = None
    after_id: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    orders: list[Loaded]
    #: (created_at, seq) of the last order, when more follow.
    next_after: tuple[datetime, int] | None


def _sql(query: OrderQuery) -> tuple[str, list[object]]:
    args: list[object] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    where = [f"o.provider = {arg(query.provider)}", f"o.store_id = ANY({arg(query.store_ids)})"]
    for column, op, value in (
        ("created_at", ">=", query.created_from),
        ("created_at", "<=", query.created_to),
        ("expires_at", ">=", query.expires_from),
        ("expires_at", "<=", query.expires_to),
    ):
        if value is not None:
            where.append(f"o.{column} {op} {arg(value)}")
    for column, values in (
        ("id", query.ids),
        ("merchant_reference", query.merchant_references),
        ("order_reference", query.order_references),
        ("payment_method", query.payment_methods),
    ):
        if values:
            where.append(f"o.{column} = ANY({arg(values)})")
    if query.statuses:
        where.append(_statuses(query, arg))
    if query.q is not None:
        q = arg(query.q)
        where.append(f"(o.id = {q} OR o.order_reference = {q} OR o.merchant_reference = {q})")
    if query.after is not None:
        where.append(f"(o.created_at, o.seq) < ({arg(query.after[0])}, {arg(query.after[1])})")
    if query.after_id is not None:
        where.append(
            "(o.created_at, o.seq) < (SELECT a.created_at, a.seq FROM orders a"
            f" WHERE a.id = {arg(query.after_id)})"
        )
    sql = (
        f"{SELECT_ORDERS} WHERE {' AND '.join(where)}"
        f" ORDER BY o.created_at DESC, o.seq DESC LIMIT {arg(query.size + 1)}"
    )
    return sql, args


def _statuses(query: OrderQuery, arg: Callable[[object], str]) -> str:
    """Any of the query's statuses, each at the order's store's now: the server's now, to
    which each store adds its clock."""
    now = ""
    if "expired" in query.statuses:
        now = f"({arg(query.server_now)}::timestamptz + st.clock_offset)"
    either = " OR ".join(f"({STATUS_SQL[s].format(now=now)})" for s in query.statuses)
    return f"({either})"


async def search(conn: asyncpg.Connection, query: OrderQuery) -> Page:
    sql, args = _sql(query)
    rows = await conn.fetch(sql, *args)
    more = len(rows) > query.size
    rows = rows[: query.size]
    found = [loaded(row) for row in rows]
    last = rows[-1] if rows else None
    next_after = (last["created_at"], last["seq"]) if more and last is not None else None
    return Page(found, next_after)


async def list_orders(reads: Reads, query: OrderQuery) -> Page:
    """``query.store_ids`` scopes it: the route passes the caller's stores only."""
    async with reads.acquire() as conn:
        return await search(conn, query)
