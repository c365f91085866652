"""Races between a change's read and its write: the key's first request commits in between,
the order changes in between, another request takes the key in between."""

from typing import Any

import asyncpg
from fastapi import FastAPI

from orderdesk.store import idempotency
from tests.support.envelopes import error_code
from tests.support.sandbox import SAMSUNG, Merchant
from tests.support.seams import BetweenReadAndWrite, StaleFirstClaim, rows_in_place


async def test_a_retry_that_missed_the_commit_replays_instead_of_applying_twice(
    merchant: Merchant, app: FastAPI
) -> None:
    created = await merchant.order("ledyer", [SAMSUNG])
    headers = {**await merchant.ledyer_headers(), "Idempotency-Key": "race-1"}
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    path = f"/v1/orders/{created['orderId']}/capture"
    first = await merchant.client.post(path, json=body, headers=headers)
    assert first.status_code == 200

    # As if its snapshot predated the first request's commit: no stored answer, so the
    # statement went on to read the order.
    with rows_in_place(app, StaleFirstClaim()) as stale:
        again = await merchant.client.post(path, json=body, headers=headers)
    assert stale.locks == [False, True]  # read without locks, then again under the key's lock
    assert again.status_code == 200
    assert again.content == first.content
    order = (
        await merchant.client.get(
            f"/v1/orders/{created['orderId']}", headers=await merchant.ledyer_headers()
        )
    ).json()
    assert len(order["captured"]) == 1
    assert [e["type"] for e in order["events"]].count("fullCapture") == 1


async def walley_capture(merchant: Merchant) -> tuple[str, Any]:
    """A new Walley order of 4,890.00 and a way to capture 30.00 of it under a key."""
    created = await merchant.order("walley", [SAMSUNG])
    auth = await merchant.walley_headers()

    async def send(key: str) -> Any:
        return await merchant.client.post(
            f"/manage/orders/{created['orderId']}/capture",
            json={"amount": "30.00"},
            headers={**auth, "X-Idempotency": key},
        )

    return created["orderId"], send


async def captured(pool: asyncpg.Pool, order_id: str) -> list[int]:
    rows = await pool.fetch(
        "SELECT amount FROM ledger WHERE order_id = $1 AND kind = 'capture'", order_id
    )
    return [row["amount"] for row in rows]


async def test_an_order_changed_between_read_and_write_is_changed_again_under_its_lock(
    merchant: Merchant, app: FastAPI
) -> None:
    pool: asyncpg.Pool = app.state.pool
    order_id, send = await walley_capture(merchant)

    async def another_capture() -> None:
        assert (await send("other-1")).status_code == 202

    with rows_in_place(app, BetweenReadAndWrite(another_capture)) as rows:
        r = await send("moved-1")
    assert r.status_code == 202, r.text
    # the other's write, this one's first (it found a newer order and wrote nothing), its second
    assert rows.applied == [True, False, True]
    assert await captured(pool, order_id) == [3000, 3000]  # no capture lost, none twice
    row = await pool.fetchrow("SELECT captured FROM orders WHERE id = $1", order_id)
    assert row["captured"] == 6000
    again = await send("moved-1")
    assert (again.status_code, again.content) == (r.status_code, r.content)
    assert await captured(pool, order_id) == [3000, 3000]


async def test_a_key_taken_between_read_and_write_writes_nothing_and_is_409(
    merchant: Merchant, app: FastAPI
) -> None:
    pool: asyncpg.Pool = app.state.pool
    order_id, send = await walley_capture(merchant)
    holder = await pool.acquire()
    holding = holder.transaction()

    async def another_request_takes_the_key() -> None:
        await holding.start()
        locked, _ = await idempotency.claim(holder, merchant.client_id, "taken-1")
        assert locked

    try:
        with rows_in_place(app, BetweenReadAndWrite(another_request_takes_the_key)) as rows:
            r = await send("taken-1")
        assert (r.status_code, error_code(r)) == (409, "IDEMPOTENCY_REQUEST_IN_PROGRESS")
        assert rows.applied == [False]  # and under the locks it never got as far as writing
        assert await captured(pool, order_id) == []
        stored = await pool.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE client_id = $1 AND key = 'taken-1'",
            merchant.client_id,
        )
        assert stored == 0
    finally:
        await holding.rollback()
        await pool.release(holder)
    assert (await send("taken-1")).status_code == 202
    assert await captured(pool, order_id) == [3000]
