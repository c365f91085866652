"""Settlements, read from the ``ledger`` table: captures and refunds per store and day
(UTC, on the store's clock), for days that have ended on that clock."""

from __future__ import annotations

from datetime import date

import asyncpg

from orderdesk.domain.settlement import Settlement, Transaction

# A day has ended when the store's clock has passed its end.
_ENDED = (
    "l.created_at < (((now() + st.clock_offset) AT TIME ZONE 'UTC')::date::timestamp"
    " AT TIME ZONE 'UTC')"
)
LIST_SQL = (
    "SELECT * FROM (SELECT l.store_id, (l.created_at AT TIME ZONE 'UTC')::date AS day,"
    " min(l.currency) AS currency,"
    " coalesce(sum(l.amount) FILTER (WHERE l.kind = 'capture'), 0)::bigint AS captured,"
    " coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0)::bigint AS refunded,"
    " count(*) AS n"
    " FROM ledger l JOIN stores st ON st.id = l.store_id"
    f" WHERE l.store_id = ANY($1::text[]) AND l.kind IN ('capture', 'refund') AND {_ENDED}"
    " AND l.created_at >= ($2::date::timestamp AT TIME ZONE 'UTC')"
    " AND l.created_at < (($3::date + 1)::timestamp AT TIME ZONE 'UTC')"
    " GROUP BY 1, 2) s"
    " WHERE (s.day, s.store_id) > ($4::date, $5::text)"
    " ORDER BY s.day, s.store_id LIMIT $6"
)
TX_SQL = (
    "SELECT l.seq, l.kind, l.order_id, o.merchant_reference, l.ledger_id, l.action_reference,"
    " CASE l.kind WHEN 'refund' THEN -l.amount ELSE l.amount END AS amount, l.currency,"
    " l.created_at"
    " FROM ledger l JOIN stores st ON st.id = l.store_id JOIN orders o ON o.id = l.order_id"
    f" WHERE l.store_id = $1 AND l.kind IN ('capture', 'refund') AND {_ENDED}"
    " AND l.created_at >= ($2::date::timestamp AT TIME ZONE 'UTC')"
    " AND l.created_at < (($3::date + 1)::timestamp AT TIME ZONE 'UTC')"
    " AND l.seq > $4 ORDER BY l.seq LIMIT $5"
)
FIRST = date(1970, 1, 1)
LAST = date(9999, 12, 30)


async def settlements(
    conn: asyncpg.Connection,
    store_ids: list[str],
    *,
    first: date = FIRST,
    last: date = LAST,
    after: tuple[date, str] = (FIRST, ""),
    limit: int = 100,
) -> list[Settlement]:
    rows = await conn.fetch(LIST_SQL, store_ids, first, last, after[0], after[1], limit)
    return [
        Settlement(r["store_id"], r["day"], r["currency"], r["captured"], r["refunded"], r["n"])
        for r in rows
    ]


async def transactions(
    conn: asyncpg.Connection, store_id: str, first: date, last: date, after: int, limit: int
) -> list[Transaction]:
    rows = await conn.fetch(TX_SQL, store_id, first, last, after, limit)
    return [
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
        )
        for r in rows
    ]


async def ledger_seq(conn: asyncpg.Connection, store_id: str, ledger_id: str) -> int | None:
    """The ledger row of a capture or refund of the store (a transaction's cursor)."""
    seq: int | None = await conn.fetchval(
        "SELECT seq FROM ledger WHERE store_id = $1 AND ledger_id = $2"
        " AND kind IN ('capture', 'refund') ORDER BY seq LIMIT 1",
        store_id,
        ledger_id,
    )
    return seq
