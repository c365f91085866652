"""Finding orders for the back-office: search and filters over the indexed ``orders``
columns, newest first, in keyset pages (``(created_at, id)`` of the last row, never OFFSET).

Which index answers what (plans in ``docs/backoffice.md``, checked by
``tests/integration/test_order_list_plans.py``):

* no filter, dialect, created between → ``orders_created (created_at DESC, id DESC)``
* status → ``orders_status_created (status, created_at DESC, id DESC)``
* store (and status) → ``orders_store_created_seq (store_id, created_at DESC, seq DESC)``
  or ``orders_created`` with a filter
* search → ``orders_pkey``, ``orders_merchant_reference``, ``orders_order_reference``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class OrderFilter:
    search: str = ""  # an order id, merchant reference or order reference, exactly
    store_id: str = ""
    provider: str = ""
    status: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: str
    provider: str
    store_id: str
    merchant_reference: str
    order_reference: str
    status: str
    currency: str
    authorized: int
    captured: int
    refunded: int
    cancelled: int
    created_at: datetime


COLUMNS = (
    "id, provider, store_id, merchant_reference, order_reference, status, currency,"
    " authorized, captured, refunded, cancelled, created_at"
)


def page_sql(where: OrderFilter, after: tuple[datetime, str] | None) -> tuple[str, list[Any]]:
    """The statement of one page (without LIMIT's value: the last parameter) and its args."""
    args: list[Any] = []
    conditions: list[str] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if where.search:
        q = arg(where.search)
        conditions.append(f"(id = {q} OR merchant_reference = {q} OR order_reference = {q})")
    if where.store_id:
        conditions.append(f"store_id = {arg(where.store_id)}")
    if where.provider:
        conditions.append(f"provider = {arg(where.provider)}")
    if where.status:
        conditions.append(f"status = {arg(where.status)}")
    if where.created_from is not None:
        conditions.append(f"created_at >= {arg(where.created_from)}")
    if where.created_to is not None:
        conditions.append(f"created_at < {arg(where.created_to)}")
    if after is not None:
        conditions.append(f"(created_at, id) < ({arg(after[0])}, {arg(after[1])})")
    sql = f"SELECT {COLUMNS} FROM orders"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY created_at DESC, id DESC LIMIT {arg(PAGE_SIZE + 1)}"
    return sql, args


async def page(
    conn: asyncpg.Connection, where: OrderFilter, after: tuple[datetime, str] | None = None
) -> tuple[list[OrderRow], tuple[datetime, str] | None]:
    """A page of orders and the key of the next page (None on the last page)."""
    sql, args = page_sql(where, after)
    rows = [OrderRow(*row) for row in await conn.fetch(sql, *args)]
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].created_at, rows[-1].id)
