"""Captures/s with notifications on (delivered to a local receiver) against off.

``python -m bench.notifications`` starts ``orderdesk serve --workers 2`` on a fresh database,
makes two Ledyer stores — one without a notification URL, one whose every notification goes
to a receiver in this process (answering 200) — and runs the same keyed partial captures
against each, alternating rounds, from ``--clients`` connections. It prints captures/s per
round and the ratio on/off of the medians. The notifications are delivered while the
captures run (the receiver counts them; the run waits until all arrived).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.database import admin_url, create_database, drop_database
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, new_merchant
from tests.support.server import Server


async def _captures(
    client: httpx.AsyncClient, headers: dict[str, str], order_ids: list[str], clients: int
) -> float:
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    queue = list(order_ids)

    async def one_client() -> None:
        while queue:
            order_id = queue.pop()
            key = {"idempotency-key": str(uuid.uuid4())}
            r = await client.post(
                f"/v1/orders/{order_id}/partialcapture", json=body, headers={**headers, **key}
            )
            assert r.status_code == 200, r.text

    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return len(order_ids) / (time.perf_counter() - start)


async def run(orders: int, rounds: int, clients: int) -> None:
    admin = await admin_url()
    url = await create_database(admin)
    receiver = Receiver().start()
    server = Server(url, Path(tempfile.mkdtemp()) / "server.log", workers=2)
    try:
        await server.start()
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            merchant = await new_merchant(client)
            on_store = await merchant.store("ledyer")
            r = await client.put(
                f"/sandbox/stores/{on_store}/notifications",
                json={"url": receiver.url},
                headers=ADMIN,
            )
            assert r.status_code == 200, r.text
            stores = {"off": merchant.stores["ledyer"], "on": on_store}
            headers = await merchant.ledyer_headers()
            results: dict[str, list[float]] = {"off": [], "on": []}
            for n in range(rounds):
                for mode in ("off", "on") if n % 2 == 0 else ("on", "off"):
                    ids = [
                        (await merchant.order(stores[mode], [SAMSUNG, SAMSUNG]))["orderId"]
                        for _ in range(orders)
                    ]
                    await asyncio.sleep(1)  # the orders' own notifications are out
                    rate = await _captures(client, headers, ids, clients)
                    results[mode].append(rate)
                    print(f"round {n + 1} notifications {mode}: {rate:.0f} captures/s")
            expected = rounds * orders * 3  # create, ready_for_capture, part_capture
            await receiver.wait_for(expected, timeout=120)
        off, on = statistics.median(results["off"]), statistics.median(results["on"])
        print(f"median off {off:.0f}/s, on {on:.0f}/s: on/off = {on / off:.3f}")
        print(f"notifications received: {len(receiver.received)} (expected {expected})")
    finally:
        server.stop()
        receiver.stop()
        await drop_database(admin, url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications", description=__doc__)
    parser.add_argument("--orders", type=int, default=400, help="captures per round and mode")
    parser.add_argument("--rounds", type=int, default=4, help="rounds (each: off and on)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    args = parser.parse_args()
    asyncio.run(run(args.orders, args.rounds, args.clients))


if __name__ == "__main__":
    main()
