"""A request that meets the loss of the database's primary (a connection broken mid-statement,
a node shutting down for a switchover, no node taking writes) is a retryable 503 in its API's
envelope with ``Retry-After`` — never a 500, never a success — and its retry under the same
key does the work once. ``/readyz`` says why while no primary answers. The real failover, on a
Patroni cluster: tests/e2e/test_failover.py."""

from __future__ import annotations

import logging

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from orderdesk.ops.metrics import UNAVAILABLE_MESSAGE
from tests.support.ledger import checked_order
from tests.support.sandbox import SHOES, TSHIRTS, Merchant
from tests.support.seams import FailingSaves, rows_in_place
from tests.support.walley_api import walley_order

BROKEN = asyncpg.ConnectionDoesNotExistError(
    "connection was closed in the middle of operation: terminating connection due to"
    " unexpected postmaster exit"
)


async def test_a_capture_that_met_a_failover_is_a_walley_503_and_its_retry_captures_once(
    app: FastAPI, merchant: Merchant, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    order_id = await walley_order(merchant)
    headers = {**await merchant.walley_headers(), "X-Idempotency": "lost-1"}
    body = {"amount": "95.00"}
    path = f"/manage/orders/{order_id}/capture"
    with rows_in_place(app, FailingSaves(BROKEN)):
        r = await merchant.client.post(path, json=body, headers=headers)
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    answer = r.json()
    assert answer == {
        "id": answer["id"],
        "error": {
            "code": 503,
            "message": "Error",  # Walley documents no title for a 503 (as for fault injection)
            "errors": [{"reason": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE_MESSAGE}],
        },
    }
    assert [
        (rec.levelno, rec.getMessage()) for rec in caplog.records if rec.name == "orderdesk"
    ] == [
        (
            logging.WARNING,
            f"database unavailable on POST {path}: ConnectionDoesNotExistError: {BROKEN}",
        )
    ]
    assert (await checked_order(database_url, order_id)).captured_amount == 0

    again = await merchant.client.post(path, json=body, headers=headers)
    assert again.status_code == 202, again.text
    replay = await merchant.client.post(path, json=body, headers=headers)
    assert (replay.status_code, replay.headers["location"]) == (202, again.headers["location"])
    assert (await checked_order(database_url, order_id)).captured_amount == 9500


async def test_a_switchover_s_shutdown_is_a_ledyer_503(
    app: FastAPI, merchant: Merchant, database_url: str
) -> None:
    order = await merchant.order("ledyer", [SHOES, TSHIRTS])
    headers = {**await merchant.ledyer_headers(), "Idempotency-Key": "lost-2"}
    path = f"/v1/orders/{order['orderId']}/partialcapture"
    body = {"orderLines": [{**SHOES, "id": order["lineIds"][0]}], "totalCaptureAmount": 9500}
    shutdown = asyncpg.AdminShutdownError("terminating connection due to administrator command")
    with rows_in_place(app, FailingSaves(shutdown)):
        r = await merchant.client.post(path, json=body, headers=headers)
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    assert r.json() == {"errors": [{"message": UNAVAILABLE_MESSAGE, "code": "SERVICE_UNAVAILABLE"}]}
    again = await merchant.client.post(path, json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert (await checked_order(database_url, order["orderId"])).captured_amount == 9500


async def test_readyz_says_no_primary_answers(app: FastAPI, database_url: str) -> None:
    """A pool whose every host is a primary, asked for a standby, finds no node to use, as a
    pool asking for ``read-write`` finds none while Patroni promotes one."""
    nowhere = await asyncpg.create_pool(
        database_url, min_size=0, max_size=1, target_session_attrs="standby"
    )
    before, app.state.pool = app.state.pool, nowhere
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/readyz")
    finally:
        app.state.pool = before
        await nowhere.close()
    assert (r.status_code, r.json()) == (
        503,
        {"status": "unavailable", "database": "no answer: no primary: no host accepts writes"},
    )
