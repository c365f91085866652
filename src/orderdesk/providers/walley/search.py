"""Searching a credential's orders (``GET /manage/orders``) from the indexed ``orders``
columns, newest first; each order's status at its store's now (``domain/clock.py``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.providers.walley.rules import WalleyStatus
from orderdesk.service.reads import Reads
from orderdesk.store import orders
from orderdesk.store.orders import Loaded


def _expired(now: str, row: str = "") -> str:
    """An open order as stored whose expiry has passed at ``now`` with something left (SQL on
    the columns of ``row``)."""
    return (
        f"{row}status IN ('NotActivated', 'PartActivated') AND {row}expires_at <= {now}"
        f" AND {row}authorized > {row}captured + {row}cancelled"
    )


def _status(server_now: str) -> str:
    """The status an order has at its store's now (SQL: ``server_now`` + the store's clock
    ``st``), from columns: the stored status of an open order whose expiry has passed (and
    that has something left) reads Expired."""
    now = f"({server_now}::timestamptz + st.clock_offset)"
    return f"CASE WHEN {_expired(now, 'o.')} THEN 'Expired' ELSE o.status END"


def status_sql(status: str, now: str) -> str:
    """The orders that read ``status`` at ``now``, as a condition on a row ``o`` (the stored
    status, but for expiry)."""
    stored = f"o.status = '{WalleyStatus(status).value}'"
    if status == WalleyStatus.EXPIRED:
        return f"({stored} OR ({_expired(now, 'o.')}))"
    if status in (WalleyStatus.NOT_ACTIVATED, WalleyStatus.PART_ACTIVATED):
        return f"{stored} AND NOT ({_expired(now, 'o.')})"
    return stored


@dataclass(frozen=True, slots=True)
class OrderQuery:
    store_ids: list[str]
    provider: str
    server_now: datetime  # each order is judged at its store's: this + its store's clock
    phrase: str | None = None
    statuses: list[str] | None = None  # None: any status
    placed_from: datetime | None = None
    placed_before: datetime | None = None
    limit: int = 10
    offset: int = 0


async def order_ids(conn: asyncpg.Connection, query: OrderQuery) -> list[str]:
    """The ids of one page of matching orders, newest first."""
    where = ["o.store_id = ANY($1::text[])", "o.provider = $2"]
    args: list[object] = [query.store_ids, query.provider]
    if query.phrase is not None:
        args.append(query.phrase)
        n = len(args)
        where.append(f"(o.merchant_reference = ${n} OR o.order_reference = ${n} OR o.id = ${n})")
    if query.statuses is not None:
        args.extend((query.server_now, query.statuses))
        where.append(f"{_status(f'${len(args) - 1}')} = ANY(${len(args)}::text[])")
    if query.placed_from is not None:
        args.append(query.placed_from)
        where.append(f"o.created_at >= ${len(args)}")
    if query.placed_before is not None:
        args.append(query.placed_before)
        where.append(f"o.created_at < ${len(args)}")
    args.extend((query.limit, query.offset))
    sql = (
        "SELECT o.id FROM orders o JOIN stores st ON st.id = o.store_id WHERE "
        + " AND ".join(where)
        + f" ORDER BY o.created_at DESC, o.seq DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}"
    )
    return [row["id"] for row in await conn.fetch(sql, *args)]


async def search_orders(reads: Reads, principal: Principal, query: OrderQuery) -> list[Loaded]:
    """One page of the orders of the credential's stores that match, newest first (each with
    its store's clock)."""
    allowed = [store for store in query.store_ids if principal.may_use(store)]
    async with reads.acquire() as conn:
        page = await order_ids(conn, replace(query, store_ids=allowed))
        found = [await orders.get(conn, order_id) for order_id in page]
    return [loaded for loaded in found if loaded is not None]
