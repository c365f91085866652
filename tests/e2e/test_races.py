"""Races on real servers: parallel captures of one order serialise, and one idempotency key
applies once however many processes receive it at the same time."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order, ledger_holds
from tests.support.races import (
    PARALLEL,
    check_exactly_what_fits,
    check_one_key_applies_once,
    parallel_client,
    part_capture,
)
from tests.support.sandbox import Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_parallel_part_captures_take_exactly_what_fits(
    server: Server, remote_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(remote_merchant, dialect)
    async with parallel_client(server.url) as client:
        answers = await asyncio.gather(*(send(client, f"race-{i}") for i in range(PARALLEL)))
    await check_exactly_what_fits(answers, server.database_url, order_id, dialect)


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_one_key_sent_at_once_to_two_servers_applies_once(
    server: Server, twin: Server, remote_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(remote_merchant, dialect)
    async with parallel_client(server.url) as a, parallel_client(twin.url) as b:
        await check_one_key_applies_once(send, (a, b), server.database_url, order_id, dialect)


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
    ledger_holds(server.database_url)


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
