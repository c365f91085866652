"""Settlements, read from the ``ledger`` table: captures and refunds per store and day
(UTC, on the store's clock), for days that have ended on that clock; their VAT from the
lines of each capture's invoice and each refund's credit note (``order_lines``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import asyncpg

from orderdesk.domain.order import document_reference
from orderdesk.domain.settlement import Settlement, Transaction, VatAmounts

# A day has ended when the store's clock has passed its end.
_ENDED = (
    "l.created_at < (((now() + st.clock_offset) AT TIME ZONE 'UTC')::date::timestamp"
    " AT TIME ZONE 'UTC')"
)
_DAYS = (
    " AND l.created_at >= ($2::date::timestamp AT TIME ZONE 'UTC')"
    " AND l.created_at < (($3::date + 1)::timestamp AT TIME ZONE 'UTC')"
)
LIST_SQL = (
    "SELECT *, count(*) OVER () AS total FROM (SELECT l.store_id,"
    " (l.created_at AT TIME ZONE 'UTC')::date AS day, min(l.currency) AS currency,"
    " coalesce(sum(l.amount) FILTER (WHERE l.kind = 'capture'), 0)::bigint AS captured,"
    " coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0)::bigint AS refunded,"
    " count(*) AS n, min(l.created_at) AS first_at, max(l.created_at) AS last_at"
    " FROM ledger l JOIN stores st ON st.id = l.store_id"
    f" WHERE l.store_id = ANY($1::text[]) AND l.kind IN ('capture', 'refund') AND {_ENDED}"
    f"{_DAYS} AND st.provider = $4"
    " GROUP BY 1, 2) s"
    " WHERE (s.day, s.store_id) > ($5::date, $6::text)"
    " AND ($7::text[] IS NULL OR s.currency = ANY($7))"
    " AND ($8::text[] IS NULL OR to_char(s.day, 'YYYYMMDD') || '-' || s.store_id = ANY($8))"
    " AND ($9::text[] IS NULL OR s.store_id || '|' || s.day::text = ANY($9))"
    " ORDER BY s.day, s.store_id LIMIT $10 OFFSET $11"
)
SETTLEMENT_VAT_SQL = (
    "SELECT l.store_id, (l.created_at AT TIME ZONE 'UTC')::date AS day, l.kind, ol.vat,"
    " sum(ol.total_vat)::bigint AS vat_amount"
    " FROM ledger l JOIN order_lines ol ON ol.order_id = l.order_id AND ol.chunk = l.ledger_id"
    f" WHERE l.store_id = ANY($1::text[]) AND l.kind IN ('capture', 'refund'){_DAYS}"
    " GROUP BY 1, 2, 3, 4 ORDER BY 4"
)
# The invoice's number and customer are on its chunk's header (``order_chunks``).
TX_SQL = (
    "SELECT l.seq, l.kind, l.order_id, o.merchant_reference, l.ledger_id, l.action_reference,"
    " CASE l.kind WHEN 'refund' THEN -l.amount ELSE l.amount END AS amount, l.currency,"
    " l.created_at, l.store_id, o.seq AS order_seq,"
    " (c.header ->> 'document_number')::int AS document_number,"
    " c.header -> 'customer' AS customer"
    " FROM ledger l JOIN stores st ON st.id = l.store_id JOIN orders o ON o.id = l.order_id"
    " LEFT JOIN order_chunks c ON c.order_id = l.order_id AND c.ledger_id = l.ledger_id"
    f" WHERE l.store_id = $1 AND l.kind IN ('capture', 'refund') AND {_ENDED}{_DAYS}"
    " AND l.seq > $4 AND ($7::text IS NULL OR l.order_id = $7)"
    " ORDER BY l.seq LIMIT $5 OFFSET $6"
)
TX_VAT_SQL = (
    "SELECT ol.order_id, ol.chunk, ol.vat, sum(ol.total_vat)::bigint AS vat_amount"
    " FROM order_lines ol JOIN unnest($1::text[], $2::text[]) AS t (order_id, chunk)"
    " ON ol.order_id = t.order_id AND ol.chunk = t.chunk GROUP BY 1, 2, 3 ORDER BY 3"
)
FIRST = date(1970, 1, 1)
LAST = date(9999, 12, 30)


@dataclass(frozen=True, slots=True)
class SettlementQuery:
    """Which settlements: of these stores of this provider, within ``first``…``last`` (days),
    with these currencies, payout references and (store, day) keys where given (None: any),
    after ``after`` (day, store) in (day, store) order, from ``offset``, at most ``limit``."""

    store_ids: list[str]
    provider: str
    first: date = FIRST
    last: date = LAST
    currencies: list[str] | None = None
    references: list[str] | None = None
    keys: list[tuple[str, date]] | None = None
    after: tuple[date, str] = (FIRST, "")
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Page:
    settlements: list[Settlement]
    total: int  # every settlement the query names, on every page


def _by_rate(amounts: dict[int, int]) -> VatAmounts:
    return tuple(sorted(amounts.items()))


async def settlements(conn: asyncpg.Connection, query: SettlementQuery) -> Page:
    keys = (
        None if query.keys is None else [f"{store}|{day.isoformat()}" for store, day in query.keys]
    )
    rows = await conn.fetch(
        LIST_SQL,
        query.store_ids,
        query.first,
        query.last,
        query.provider,
        query.after[0],
        query.after[1],
        query.currencies,
        query.references,
        keys,
        query.limit,
        query.offset,
    )
    if not rows:
        return Page([], 0)
    vat: dict[tuple[str, date, str], dict[int, int]] = defaultdict(dict)
    days = [row["day"] for row in rows]
    for r in await conn.fetch(
        SETTLEMENT_VAT_SQL, sorted({row["store_id"] for row in rows}), min(days), max(days)
    ):
        vat[(r["store_id"], r["day"], r["kind"])][r["vat"]] = r["vat_amount"]
    found = [
        Settlement(
            r["store_id"],
            r["day"],
            r["currency"],
            r["captured"],
            r["refunded"],
            r["n"],
            r["first_at"],
            r["last_at"],
            _by_rate(vat[(r["store_id"], r["day"], "capture")]),
            _by_rate(vat[(r["store_id"], r["day"], "refund")]),
        )
        for r in rows
    ]
    return Page(found, rows[0]["total"])


async def settlement(
    conn: asyncpg.Connection, store_id: str, day: date, provider: str
) -> Settlement | None:
    """The store's settlement of ``day``, if that day has ended with money moved."""
    page = await settlements(
        conn, SettlementQuery([store_id], provider, first=day, last=day, limit=1)
    )
    return page.settlements[0] if page.settlements else None


async def transactions(
    conn: asyncpg.Connection,
    store_id: str,
    first: date,
    last: date,
    after: int,
    limit: int,
    offset: int = 0,
    order_id: str | None = None,
) -> list[Transaction]:
    """The store's captures and refunds of the ended days ``first``…``last`` (of one order
    if ``order_id`` is given), after the ledger row ``after`` (and ``offset`` more), in
    ledger order."""
    rows = await conn.fetch(TX_SQL, store_id, first, last, after, limit, offset, order_id)
    vat: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    if rows:
        orders, chunks = [r["order_id"] for r in rows], [r["ledger_id"] for r in rows]
        for r in await conn.fetch(TX_VAT_SQL, orders, chunks):
            vat[(r["order_id"], r["chunk"])].append((r["vat"], r["vat_amount"]))
    found = []
    for r in rows:
        sign = -1 if r["kind"] == "refund" else 1
        number = r["document_number"]
        found.append(
            Transaction(
                r["seq"],
                r["kind"],
                r["order_id"],
                r["merchant_reference"],
                r["ledger_id"],
                r["action_reference"],
                r["amount"],
                r["currency"],
                r["created_at"],
                store_id=r["store_id"],
                invoice_number="" if number is None else document_reference(r["order_seq"], number),
                customer=r["customer"],
                vat=tuple(
                    (rate, sign * amount) for rate, amount in vat[(r["order_id"], r["ledger_id"])]
                ),
            )
        )
    return found


async def ledger_seq(conn: asyncpg.Connection, store_id: str, ledger_id: str) -> int | None:
    """The ledger row of a capture or refund of the store (a transaction's cursor)."""
    seq: int | None = await conn.fetchval(
        "SELECT seq FROM ledger WHERE store_id = $1 AND ledger_id = $2"
        " AND kind IN ('capture', 'refund') ORDER BY seq LIMIT 1",
        store_id,
        ledger_id,
    )
    return seq
