"""Real servers deliver notifications: once each when two servers share the work, and again
(never lost) when the delivering server is killed between sending and recording."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.database import NewDatabase
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, Merchant, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def _wait_delivered(url: str, count: int, timeout: float = 30) -> None:
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            done = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'delivered'")
            if done >= count:
                return
            assert time.monotonic() < deadline, f"{done} of {count} delivered"
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def _setup(client: httpx.AsyncClient, receiver: Receiver) -> Merchant:
    merchant = await new_merchant(client)
    r = await client.put(
        f"/sandbox/stores/{merchant.stores['ledyer']}/notifications",
        json={"url": receiver.url},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    return merchant


async def test_two_servers_deliver_each_notification_once(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    url = await new_database()
    servers = [Server(url, tmp_path / f"server{n}.log", workers=2) for n in range(2)]
    receiver = Receiver().start()
    try:
        await servers[0].start()
        await servers[1].start()
        clients = [httpx.AsyncClient(base_url=s.url, timeout=30) for s in servers]
        merchant = await _setup(clients[0], receiver)
        order_ids = [
            (await merchant.order("ledyer", [SAMSUNG, SAMSUNG]))["orderId"] for _ in range(20)
        ]
        headers = await merchant.ledyer_headers()
        body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
        answers = await asyncio.gather(
            *(
                clients[n % 2].post(f"/v1/orders/{o}/partialcapture", json=body, headers=headers)
                for n, o in enumerate(order_ids)
                for _ in range(2)
            )
        )
        assert {r.status_code for r in answers} == {200}
        expected = 20 * 4  # create, ready_for_capture, part_capture ×2 each
        await _wait_delivered(url, expected)
        await asyncio.sleep(1)  # a late duplicate would arrive by now
        assert len(receiver.received) == expected
        conn = await asyncpg.connect(url)
        try:
            tries = await conn.fetch("SELECT jsonb_array_length(attempts) AS n FROM deliveries")
        finally:
            await conn.close()
        assert [row["n"] for row in tries] == [1] * expected
        for client in clients:
            await client.aclose()
    finally:
        receiver.stop()
        for server in servers:
            server.stop()
    for server in servers:
        assert server.errors() == [], server.log.read_text()


async def test_a_killed_sender_leads_to_a_resend_not_a_loss(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    url = await new_database()
    server = Server(url, tmp_path / "server.log", workers=1)
    receiver = Receiver(delay=3).start()  # holds every answer: the sender is mid-send
    try:
        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            merchant = await _setup(client, receiver)
            r = await client.put(
                f"/sandbox/stores/{merchant.stores['ledyer']}/notifications",
                json={"url": receiver.url, "events": ["com.ledyer.order.create"]},
                headers=ADMIN,
            )
            assert r.status_code == 200
            order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
        await receiver.wait_for(1)
        server.kill()  # the notification was sent; its answer was never recorded
        receiver.delay = 0
        await server.start()
        await receiver.wait_for(2, timeout=30)
        await _wait_delivered(url, 1)
        bodies = receiver.bodies()
        assert len(bodies) == 2 and bodies[0] == bodies[1]
        assert bodies[0]["orderId"] == order_id
        conn = await asyncpg.connect(url)
        try:
            attempts = await conn.fetchval("SELECT jsonb_array_length(attempts) FROM deliveries")
        finally:
            await conn.close()
        assert attempts == 1  # the killed attempt left no trace but the resend
    finally:
        receiver.stop()
        server.stop()
