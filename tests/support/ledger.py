"""The ledger invariants of one order, read straight from PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg

from orderdesk.domain.order import Order
from orderdesk.store import orders
from orderdesk.store.db import init_connection

CAPTURE_EVENTS = ("partialCapture", "fullCapture")


async def checked_order(database_url: str, order_id: str) -> Order:
    """The stored order, after checking that its ledger adds up to the minor unit.

    captured + uncaptured + cancelled = authorised; the captured column, the captured
    chunks, the capture events and the ledger table's capture rows agree; so do the refunded
    column, the refunded chunks and the refund rows, and the cancelled column and the release
    rows of cancels; no chunk is refunded beyond its capture; no amount is negative.
    """
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        row = await conn.fetchrow(
            "SELECT authorized, captured, refunded, cancelled FROM orders WHERE id = $1",
            order_id,
        )
        loaded = await orders.get(conn, order_id)
        ledger = await conn.fetch(
            "SELECT kind, amount, ledger_id FROM ledger WHERE order_id = $1 ORDER BY seq",
            order_id,
        )
    finally:
        await conn.close()
    assert row is not None and loaded is not None, order_id
    order = loaded.order
    assert (row["authorized"], row["captured"], row["cancelled"]) == (
        order.authorized,
        order.captured_amount,
        order.cancelled,
    )
    captured_events = sum(e.amount for e in order.events if e.type in CAPTURE_EVENTS)
    assert captured_events == order.captured_amount == sum(c.total for c in order.captured)
    captures = [(r["amount"], r["ledger_id"]) for r in ledger if r["kind"] == "capture"]
    assert captures == [(c.total, c.ledger_id) for c in order.captured]
    refunds = [(r["amount"], r["ledger_id"]) for r in ledger if r["kind"] == "refund"]
    assert refunds == [(c.total, c.ledger_id) for c in order.refunded]
    assert row["refunded"] == order.refunded_amount
    for chunk in order.captured:
        assert order.refunded_of(chunk) <= chunk.total
    cancels = sum(e.amount for e in order.events if e.type == "cancel")
    assert cancels == order.cancelled
    assert order.captured_amount + order.remaining + order.cancelled == order.authorized
    assert min(order.captured_amount, order.remaining, order.cancelled, row["refunded"]) >= 0
    return order


def orderdesk_check(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``orderdesk check`` on the database: every order recomputed from its ledger."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERDESK_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "orderdesk", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def ledger_holds(database_url: str, store: str | None = None) -> None:
    """``orderdesk check`` finds no order whose row disagrees with its ledger (exit 0); with
    ``store``, only that store's (a database other tests share holds one that
    ``tests/cli/test_check.py`` spoils on purpose)."""
    done = orderdesk_check(database_url, *(() if store is None else ("--store", store)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("checked against their ledger: 0 differences")
