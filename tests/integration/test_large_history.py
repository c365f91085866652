"""Orders with many captures (issue 22, item 6): what a capture writes does not grow with the
order's earlier captures — the 101st capture writes as much as the 2nd, and the order's row
stays the size it was."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
import pytest
from fastapi import FastAPI

from orderdesk.store.idempotency import KeyRecord
from orderdesk.store.orders import Loaded, OrderRows, Written, save_args
from tests.support.sandbox import Merchant, line
from tests.support.seams import rows_in_place

CAPTURES = 101
#: Digits that grow with the count (the invoice's number, the chunk's place) and nothing else.
SLACK = 64


class WrittenBytes(OrderRows):
    """Notes how many bytes each save sends to PostgreSQL as its statement's parameters."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    async def save(
        self,
        conn: asyncpg.Connection,
        loaded: Loaded,
        written: Written,
        reply: KeyRecord | None = None,
    ) -> bool:
        args = save_args(loaded, written)
        self.sizes.append(len(orjson.dumps(args, default=str)))
        return await super().save(conn, loaded, written, reply)


def _items(count: int) -> list[dict[str, Any]]:
    return [line(f"SKU-{i:04d}", f"Article {i}", 1, 10_000 + i) for i in range(count)]


async def _capture(
    merchant: Merchant, dialect: str, order: dict[str, Any], i: int, auth: dict[str, str]
) -> None:
    item = _items(CAPTURES)[i]
    if dialect == "walley":
        price = item["unitPrice"] / 100
        body: dict[str, Any] = {
            "amount": price,
            "items": [
                {
                    "id": item["reference"],
                    "description": item["description"],
                    "unitPrice": price,
                    "quantity": 1,
                }
            ],
        }
        path = f"/manage/orders/{order['orderId']}/capture"
        expected = 202
    else:
        body = {
            "orderLines": [{**item, "id": order["lineIds"][i]}],
            "totalCaptureAmount": item["totalAmount"],
        }
        path = f"/v1/orders/{order['orderId']}/partialcapture"
        expected = 200
    r = await merchant.client.post(path, json=body, headers=auth)
    assert r.status_code == expected, r.text


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_a_capture_writes_no_more_after_100_captures_than_after_1(
    app: FastAPI, merchant: Merchant, dialect: str
) -> None:
    order = await merchant.order(dialect, _items(CAPTURES))
    if dialect == "walley":
        auth = await merchant.walley_headers()
    else:
        auth = await merchant.ledyer_headers()
    state_sql = "SELECT octet_length(state::text) FROM orders WHERE id = $1"
    recorder = WrittenBytes()
    states = []
    with rows_in_place(app, recorder):
        for i in range(CAPTURES):
            await _capture(merchant, dialect, order, i, auth)
            if i in (1, CAPTURES - 1):
                states.append(await app.state.pool.fetchval(state_sql, order["orderId"]))

    second, last = recorder.sizes[1], recorder.sizes[-1]
    assert len(recorder.sizes) == CAPTURES
    assert last - second < SLACK, (second, last)
    assert states[1] - states[0] < SLACK, states
    captured = await app.state.pool.fetchval(
        "SELECT captured FROM orders WHERE id = $1", order["orderId"]
    )
    assert captured == sum(item["totalAmount"] for item in _items(CAPTURES))
