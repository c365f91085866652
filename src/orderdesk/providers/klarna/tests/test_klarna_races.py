"""Klarna captures racing on real servers (``tests/e2e/test_races.py`` for the other two
dialects): parallel captures of one order take exactly what the authorisation holds, the
losers ``403 CAPTURE_NOT_ALLOWED``, and one ``Klarna-Idempotency-Key`` sent at once to two
servers makes one capture."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from orderdesk.providers.klarna.tests.klarna_api import BASE, Klarna, error
from tests.support.ledger import checked_order, ledger_holds
from tests.support.races import (
    BIG,
    FITS,
    PARALLEL,
    PART,
    Send,
    check_one_key_applies_once,
    parallel_client,
)
from tests.support.sandbox import Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def part_capture(merchant: Merchant) -> tuple[str, Send]:
    """A new Klarna order of 1,000.00 and a way to capture 30.00 of it under a given key."""
    api = await Klarna.of(merchant)
    order_id = (await merchant.order(api.store, [BIG]))["orderId"]
    body = {"captured_amount": PART["totalAmount"], "description": "part delivery"}

    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        headers = {**api.auth, "Klarna-Idempotency-Key": key}
        return await client.post(f"{BASE}/{order_id}/captures", json=body, headers=headers)

    return order_id, send


async def test_parallel_captures_take_exactly_what_fits(
    server: Server, remote_merchant: Merchant
) -> None:
    order_id, send = await part_capture(remote_merchant)
    async with parallel_client(server.url) as client:
        answers = await asyncio.gather(*(send(client, f"race-{i}") for i in range(PARALLEL)))
    made = [r for r in answers if r.status_code == 201]
    refused = [r for r in answers if r.status_code != 201]
    assert len(made) == FITS
    assert {error(r) for r in refused} == {(403, "CAPTURE_NOT_ALLOWED")}
    order = await checked_order(server.database_url, order_id)
    assert len(order.captured) == FITS
    assert order.captured_amount == FITS * PART["totalAmount"]
    assert order.remaining == BIG["totalAmount"] - FITS * PART["totalAmount"]
    ids = {r.headers["capture-id"] for r in made}
    assert len(ids) == FITS
    assert {r.headers["location"] for r in made} == {
        f"{BASE}/{order_id}/captures/{capture_id}" for capture_id in ids
    }
    ledger_holds(server.database_url)


async def test_one_key_sent_at_once_to_two_servers_makes_one_capture(
    server: Server, twin: Server, remote_merchant: Merchant
) -> None:
    order_id, send = await part_capture(remote_merchant)
    async with parallel_client(server.url) as a, parallel_client(twin.url) as b:
        await check_one_key_applies_once(
            send, (a, b), server.database_url, order_id, "klarna", ok=201, busy="CONFLICT"
        )
    order = await checked_order(server.database_url, order_id)
    assert len(order.captured) == 1
