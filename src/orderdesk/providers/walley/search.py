"""Searching a credential's orders (``GET /manage/orders``) from the indexed ``orders``
columns, newest first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain.order import Order
from orderdesk.store import orders


def _status(now: str) -> str:
    """The status an order has at ``now`` (SQL), from columns: the stored status of an open
    order whose expiry has passed (and that has something left) reads Expired."""
    return (
        f"CASE WHEN status IN ('NotActivated', 'PartActivated') AND expires_at <= {now}"
        " AND authorized > captured + cancelled THEN 'Expired' ELSE status END"
    )


@dataclass(frozen=True, slots=True)
class OrderQuery:
    store_ids: list[str]
    provider: str
    now: datetime
    phrase: str | None = None
    statuses: list[str] | None = None  # None: any status
    placed_from: datetime | None = None
    placed_before: datetime | None = None
    limit: int = 10
    offset: int = 0


async def order_ids(conn: asyncpg.Connection, query: OrderQuery) -> list[str]:
    """The ids of one page of matching orders, newest first."""
    where = ["store_id = ANY($1::text[])", "provider = $2"]
    args: list[object] = [query.store_ids, query.provider]
    if query.phrase is not None:
        args.append(query.phrase)
        n = len(args)
        where.append(f"(merchant_reference = ${n} OR order_reference = ${n} OR id = ${n})")
    if query.statuses is not None:
        args.extend((query.now, query.statuses))
        where.append(f"{_status(f'${len(args) - 1}')} = ANY(${len(args)}::text[])")
    if query.placed_from is not None:
        args.append(query.placed_from)
        where.append(f"created_at >= ${len(args)}")
    if query.placed_before is not None:
        args.append(query.placed_before)
        where.append(f"created_at < ${len(args)}")
    args.extend((query.limit, query.offset))
    sql = (
        "SELECT id FROM orders WHERE "
        + " AND ".join(where)
        + f" ORDER BY created_at DESC, seq DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}"
    )
    return [row["id"] for row in await conn.fetch(sql, *args)]


async def search_orders(
    pool: asyncpg.Pool, principal: Principal, query: OrderQuery
) -> list[tuple[Order, int]]:
    """One page of the orders of the credential's stores that match, newest first."""
    allowed = [store for store in query.store_ids if principal.may_use(store)]
    async with pool.acquire() as conn:
        page = await order_ids(conn, replace(query, store_ids=allowed))
        found = [await orders.get(conn, order_id) for order_id in page]
    return [(loaded.order, loaded.seq) for loaded in found if loaded is not None]
