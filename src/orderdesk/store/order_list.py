"""Finding orders for the back-office: search and filters over the indexed ``orders``
columns, newest first, in keyset pages (``(created_at, id)`` of the last row, never OFFSET),
with each order's statuses as its provider's API shows them and how many orders match.

A status is each provider's own SQL condition on the row (``StatusDialect.status_sql``): an
order shows several at once (``fullyCaptured`` and ``partiallyRefunded``), and some
depend on the store's now (expired), so the stored ``status`` column (the first status, as
written) is not enough. The store's now is the server's now plus the store's test clock.

Which index answers what (plans in ``docs/backoffice.md``, checked by
``tests/integration/test_order_list_plans.py``):

* no filter, dialect, created between → ``orders_created (created_at DESC, id DESC)``
* a status kept in ``status`` → ``orders_status_created (status, created_at DESC, id DESC)``;
  one that is not (refunded, expired, unacknowledged) → a newest-first walk, filtered
* store (and status) → ``orders_store_created_seq (store_id, created_at DESC, seq DESC)``
  or ``orders_created`` with a filter
* search → ``orders_pkey``, ``orders_merchant_reference``, ``orders_order_reference``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg

PAGE_SIZE = 50
#: Matching orders are counted up to this many ("more than 10,000"): a count costs a walk.
MAX_COUNT = 10_000


class StatusDialect(Protocol):
    """What the list asks of a provider: its statuses and each as SQL."""

    @property
    def statuses(self) -> Sequence[str]: ...

    def status_sql(self, status: str, now: str) -> str: ...


@dataclass(frozen=True, slots=True)
class OrderFilter:
    search: str = ""  # an order id, merchant reference or order reference (see `_variants`)
    store_id: str = ""
    provider: str = ""
    status: str = ""  # one of a provider's statuses
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: str
    provider: str
    store_id: str
    merchant_reference: str
    order_reference: str
    currency: str
    authorized: int
    captured: int
    refunded: int
    cancelled: int
    created_at: datetime
    statuses: list[str]  # as the provider's API shows them at the store's now


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[OrderRow]
    next_key: tuple[datetime, str] | None  # None on the last page
    matching: int  # how many orders match, at most MAX_COUNT + 1


@dataclass(frozen=True, slots=True)
class Clocks:
    """The server's now and the test clocks of the stores whose clock was moved."""

    now: datetime
    offsets: Mapping[str, timedelta]


COLUMNS = (
    "o.id, o.provider, o.store_id, o.merchant_reference, o.order_reference, o.currency,"
    " o.authorized, o.captured, o.refunded, o.cancelled, o.created_at"
)


_NOW = "{now}"  # where a status's condition uses the store's now


class _Sql:
    """A statement's arguments as they are added, and the store's now of a row ``o``."""

    def __init__(self, clocks: Clocks) -> None:
        self.args: list[Any] = []
        self.clocks = clocks
        self._now: str | None = None

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def now(self) -> str:
        if self._now is None:
            self._now = f"{self.arg(self.clocks.now)}::timestamptz"
            if self.clocks.offsets:
                stores = self.arg(list(self.clocks.offsets))
                offsets = self.arg(list(self.clocks.offsets.values()))
                self._now = (
                    f"({self._now} + coalesce(({offsets}::interval[])"
                    f"[array_position({stores}::text[], o.store_id)], interval '0'))"
                )
        return self._now


def _condition(dialect: StatusDialect, status: str, sql: _Sql) -> str:
    """``status`` as SQL; the store's now and its arguments only where the condition uses it."""
    condition = dialect.status_sql(status, _NOW)
    return condition.replace(_NOW, sql.now()) if _NOW in condition else condition


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _variants(search: str) -> list[str]:
    """What a search looks for: the text as typed, in lower and in upper case (the indexes are
    on the exact text: a generated id in its one case, a reference typed in either case)."""
    return list(dict.fromkeys((search, search.lower(), search.upper())))


def _statuses_sql(dialects: Mapping[str, StatusDialect], sql: _Sql) -> str:
    """Each row's statuses, in the order its provider lists them (a text[])."""
    cases = []
    for name, dialect in dialects.items():
        each = ", ".join(
            f"CASE WHEN {_condition(dialect, status, sql)} THEN {_literal(status)} END"
            for status in dialect.statuses
        )
        cases.append(f"WHEN {_literal(name)} THEN array_remove(ARRAY[{each}]::text[], NULL)")
    return f"CASE o.provider {' '.join(cases)} END"


def _status_condition(where: OrderFilter, dialects: Mapping[str, StatusDialect], sql: _Sql) -> str:
    """The orders that show ``where.status``: of each provider that has it."""
    either = [
        f"(o.provider = {_literal(name)} AND ({_condition(dialect, where.status, sql)}))"
        for name, dialect in dialects.items()
        if where.status in dialect.statuses and where.provider in ("", name)
    ]
    return f"({' OR '.join(either)})" if either else "false"


def _conditions(where: OrderFilter, dialects: Mapping[str, StatusDialect], sql: _Sql) -> list[str]:
    conditions: list[str] = []
    if where.search:
        q = sql.arg(_variants(where.search))
        conditions.append(
            f"(o.id = ANY({q}) OR o.merchant_reference = ANY({q}) OR o.order_reference = ANY({q}))"
        )
    if where.store_id:
        conditions.append(f"o.store_id = {sql.arg(where.store_id)}")
    if where.provider:
        conditions.append(f"o.provider = {sql.arg(where.provider)}")
    if where.status:
        conditions.append(_status_condition(where, dialects, sql))
    if where.created_from is not None:
        conditions.append(f"o.created_at >= {sql.arg(where.created_from)}")
    if where.created_to is not None:
        conditions.append(f"o.created_at < {sql.arg(where.created_to)}")
    return conditions


def page_sql(
    where: OrderFilter,
    dialects: Mapping[str, StatusDialect],
    clocks: Clocks,
    after: tuple[datetime, str] | None = None,
) -> tuple[str, list[Any]]:
    """The statement of one page (one row more than a page: whether another follows)."""
    sql = _Sql(clocks)
    conditions = _conditions(where, dialects, sql)
    if after is not None:
        conditions.append(f"(o.created_at, o.id) < ({sql.arg(after[0])}, {sql.arg(after[1])})")
    text = f"SELECT {COLUMNS}, {_statuses_sql(dialects, sql)} AS statuses FROM orders o"
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    text += f" ORDER BY o.created_at DESC, o.id DESC LIMIT {sql.arg(PAGE_SIZE + 1)}"
    return text, sql.args


def count_sql(
    where: OrderFilter, dialects: Mapping[str, StatusDialect], clocks: Clocks
) -> tuple[str, list[Any]]:
    """How many orders match, counted up to MAX_COUNT + 1."""
    sql = _Sql(clocks)
    conditions = _conditions(where, dialects, sql)
    found = "SELECT 1 FROM orders o" + (" WHERE " + " AND ".join(conditions) if conditions else "")
    return f"SELECT count(*) FROM ({found} LIMIT {sql.arg(MAX_COUNT + 1)}) AS matching", sql.args


async def clocks(conn: asyncpg.Connection) -> Clocks:
    """Now, and the stores whose test clock was moved (few: the sandbox moves them)."""
    rows = await conn.fetch("SELECT id, clock_offset FROM stores WHERE clock_offset <> '0'")
    return Clocks(datetime.now(UTC), {row["id"]: row["clock_offset"] for row in rows})


async def page(
    conn: asyncpg.Connection,
    where: OrderFilter,
    dialects: Mapping[str, StatusDialect],
    after: tuple[datetime, str] | None = None,
) -> Page:
    """A page of orders, the key of the next page, and how many orders match."""
    now = await clocks(conn)
    sql, args = page_sql(where, dialects, now, after)
    rows = [OrderRow(*row) for row in await conn.fetch(sql, *args)]
    sql, args = count_sql(where, dialects, now)
    matching: int = await conn.fetchval(sql, *args)
    if len(rows) <= PAGE_SIZE:
        return Page(rows, None, matching)
    rows = rows[:PAGE_SIZE]
    return Page(rows, (rows[-1].created_at, rows[-1].id), matching)
