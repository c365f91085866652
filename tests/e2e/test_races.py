"""Races on real servers: parallel captures of one order serialise, and one idempotency key
applies once however many processes receive it at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order
from tests.support.sandbox import Merchant, line
from tests.support.server import Server

pytestmark = pytest.mark.e2e

BIG = line("big", "Big item", 1, 100_000)  # 1,000.00 SEK authorised
PART = line("part", "Part delivery", 1, 3_000)  # 30.00 a capture: 33 fit, the 34th does not
PARALLEL = 50
OK = {"walley": 202, "ledyer": 200}

Send = Callable[[httpx.AsyncClient, str], Coroutine[Any, Any, httpx.Response]]


@pytest.fixture(scope="module")
async def twin(server: Server, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """A second server process on the first one's database, as on a second machine."""
    second = Server(server.database_url, tmp_path_factory.mktemp("twin") / "twin.log", workers=1)
    await second.start()
    yield second
    second.stop()
    assert second.errors() == []


def parallel_client(base_url: str) -> httpx.AsyncClient:
    """No keep-alive: every request is a new connection, for whichever worker accepts it."""
    limits = httpx.Limits(max_connections=PARALLEL, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits)


async def part_capture(merchant: Merchant, dialect: str) -> tuple[str, Send]:
    """A new order of 1,000.00 and a way to capture 30.00 of it under a given key."""
    order_id = (await merchant.order(dialect, [BIG]))["orderId"]
    body: dict[str, Any]
    if dialect == "walley":
        headers = await merchant.walley_headers()
        path, key_header = f"/manage/orders/{order_id}/capture", "X-Idempotency"
        body = {"amount": "30.00"}
    else:
        headers = await merchant.ledyer_headers()
        path, key_header = f"/v1/orders/{order_id}/partialcapture", "Idempotency-Key"
        body = {"orderLines": [PART], "totalCaptureAmount": PART["totalAmount"]}

    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post(path, json=body, headers={**headers, key_header: key})

    return order_id, send


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_parallel_part_captures_take_exactly_what_fits(
    server: Server, remote_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(remote_merchant, dialect)
    async with parallel_client(server.url) as client:
        answers = await asyncio.gather(*(send(client, f"race-{i}") for i in range(PARALLEL)))
    fits = BIG["totalAmount"] // PART["totalAmount"]
    refused = [r for r in answers if r.status_code != OK[dialect]]
    assert len(answers) - len(refused) == fits
    assert {(r.status_code, error_code(r)) for r in refused} == {
        (422, "CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT")
    }
    order = await checked_order(server.database_url, order_id)
    assert len(order.captured) == fits
    assert order.captured_amount == fits * PART["totalAmount"]
    assert order.remaining == BIG["totalAmount"] - fits * PART["totalAmount"]


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_one_key_sent_at_once_to_two_servers_applies_once(
    server: Server, twin: Server, remote_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(remote_merchant, dialect)
    async with parallel_client(server.url) as a, parallel_client(twin.url) as b:
        answers = await asyncio.gather(*(send((a, b)[i % 2], "stampede") for i in range(20)))
        busy = [r for r in answers if r.status_code == 409]
        assert {error_code(r) for r in busy} <= {"IDEMPOTENCY_REQUEST_IN_PROGRESS"}
        for _ in busy:  # each client retries until it gets the answer
            answers.append(await send(b, "stampede"))
    done = [r for r in answers if r.status_code != 409]
    assert len({(r.status_code, r.headers.get("location"), r.content) for r in done}) == 1
    assert done[0].status_code == OK[dialect]
    order = await checked_order(server.database_url, order_id)
    assert order.captured_amount == PART["totalAmount"]


async def test_a_key_in_flight_on_one_server_is_409_on_the_other(
    server: Server, twin: Server, remote_merchant: Merchant
) -> None:
    order_id, send = await part_capture(remote_merchant, "walley")
    conn = await asyncpg.connect(server.database_url)
    row_lock = conn.transaction()
    try:
        async with parallel_client(server.url) as a, parallel_client(twin.url) as b:
            await row_lock.start()
            await conn.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", order_id)
            first = asyncio.create_task(send(a, "held"))  # takes the key, waits for the row
            await waiting_for_a_lock(conn)
            second = await send(b, "held")
            assert (second.status_code, error_code(second)) == (
                409,
                "IDEMPOTENCY_REQUEST_IN_PROGRESS",
            )
            await row_lock.commit()  # lets the first one through
            assert (await first).status_code == 202
            assert (await send(b, "held")).status_code == 202
    finally:
        await conn.close()
    order = await checked_order(server.database_url, order_id)
    assert len(order.captured) == 1


async def waiting_for_a_lock(conn: asyncpg.Connection) -> None:
    for _ in range(200):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the first request never reached the order's row lock")
