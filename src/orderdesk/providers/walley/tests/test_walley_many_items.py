"""Captures naming thousands of items: refused beyond the item limit, and otherwise answered in
time that grows with the items and lines, not with their product (issue 22, item 2)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI

from tests.support.envelopes import walley_code
from tests.support.sandbox import Merchant, line

LINES = 5000  # lines per order and items per request (README, Limits)
UNITS = 5  # per line: 25,000 units on the order, as many single units as the issue sent


def _decimal(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


async def _line_rows(app: FastAPI, order_id: str) -> int:
    count: int = await app.state.pool.fetchval(
        "SELECT count(*) FROM order_lines WHERE order_id = $1", order_id
    )
    return count


async def test_a_capture_of_thousands_of_items_on_a_5000_line_order(
    app: FastAPI, merchant: Merchant
) -> None:
    lines = [line(f"A{n}", f"Article {n}", UNITS, 1000 + n) for n in range(LINES)]
    order_id = (await merchant.order("walley", lines))["orderId"]
    headers = await merchant.walley_headers()
    path = f"/manage/orders/{order_id}/capture"

    def single_units(count: int) -> dict[str, Any]:
        items = [
            {"id": f"A{n % LINES}", "unitPrice": _decimal(1000 + n % LINES), "quantity": 1}
            for n in range(count)
        ]
        amount = sum(1000 + n % LINES for n in range(count))
        return {"amount": _decimal(amount), "items": items}

    too_many = await merchant.client.post(path, json=single_units(LINES + 1), headers=headers)
    assert walley_code(too_many, 400) == "INVALID_REQUEST", too_many.text
    assert f"at most {LINES} items" in too_many.json()["error"]["errors"][0]["message"]
    assert await _line_rows(app, order_id) == LINES

    started = time.perf_counter()
    r = await merchant.client.post(path, json=single_units(LINES), headers=headers)
    elapsed = time.perf_counter() - started
    assert r.status_code == 202, r.text
    # one unit split off every line: the order holds twice its lines, not tens of thousands
    assert await _line_rows(app, order_id) == 2 * LINES
    # matched in one pass: under a second even on a busy machine (9c01b08 compared every item
    # with every line, 25 million comparisons here, for many seconds)
    assert elapsed < 2.0, elapsed
    print(f"5,000 items on 5,000 lines: {elapsed:.3f} s")
