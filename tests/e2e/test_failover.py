"""The database's primary is lost under load, and no acknowledged write is.

A real cluster (``tests/support/patroni.py``): etcd and three PostgreSQL nodes under Patroni,
synchronous replication, strict. ``orderdesk serve`` (two workers) is given every node in one
``DATABASE_URL`` with ``target_session_attrs=read-write``. Eight clients do keyed captures and
refunds, four on a Walley store and four on a Ledyer store, resending a key on a transport
error or a 5xx (which must be the dialect's 503 with ``Retry-After``, never a 500). Meanwhile
the primary's postmaster gets SIGKILL, then ``patronictl switchover`` moves the primary, in
turn: twice each in the short form (``make test``), five times each with
``ORDERDESK_FAILOVER_FULL=1``, which also prints the ``failover:`` line.

Afterwards, through the API's answers and the stored orders: every acknowledged write is on
its order exactly once and nothing else is, nothing is over-captured or over-refunded, every
notification queued was delivered to the local receiver at least once, and ``orderdesk
check`` finds the ledger whole. Recovery is the time from the failure to the next
acknowledged write sent after it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest

from orderdesk.domain.order import Order
from tests.support.failover import Tally, Write, ledyer_client, walley_client
from tests.support.ledger import checked_order, ledger_holds
from tests.support.patroni import Cluster
from tests.support.receiver import Receiver
from tests.support.sandbox import new_merchant, notify
from tests.support.server import Server

pytestmark = pytest.mark.e2e

FULL = bool(os.environ.get("ORDERDESK_FAILOVER_FULL"))
ROUNDS = 5 if FULL else 2  # kills, and as many switchovers
CLIENTS_PER_DIALECT = 4
WRITES_BETWEEN = 40  # writes acknowledged on a healthy cluster before each failure
RECOVERY_LIMIT = 90.0  # seconds: no acknowledged write after this is a failure of the test


async def database_on(cluster: Cluster, name: str) -> str:
    conn = await asyncpg.connect(cluster.primary_url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return cluster.primary_url(name)


async def fail_over(cluster: Cluster, tally: Tally, rounds: int) -> list[float]:
    """Kill the primary, then switch it over, ``rounds`` times each; each recovery's time:
    from the failure to the acknowledgement of the first write sent once the failure showed
    (its first 503 or broken connection, or the new leader, whichever came first; a write
    sent just after the kill may still commit on the old primary and its standby)."""
    recoveries = []
    for i in range(2 * rounds):
        await asyncio.to_thread(cluster.wait_healthy)
        await acknowledged(tally, len(tally.acked) + WRITES_BETWEEN, cluster)
        failed_at = time.monotonic()
        old = await asyncio.to_thread(cluster.switchover if i % 2 else cluster.kill_primary)
        new_leader_at = await asyncio.to_thread(cluster.wait_new_leader, old)
        shown = min(new_leader_at, tally.first_failure_after(failed_at) or new_leader_at)
        while (recovered := tally.first_ack_sent_after(shown)) is None:
            assert time.monotonic() - failed_at < RECOVERY_LIMIT, cluster.logs()
            await asyncio.sleep(0.05)
        recoveries.append(recovered - failed_at)
    return recoveries


async def acknowledged(tally: Tally, count: int, cluster: Cluster) -> None:
    """Wait until ``count`` writes are acknowledged."""
    deadline = time.monotonic() + RECOVERY_LIMIT
    while len(tally.acked) < count:
        assert time.monotonic() < deadline, f"writes stopped: {cluster.members()}"
        await asyncio.sleep(0.05)


def stored_writes(orders: dict[str, Order]) -> Counter[tuple[str, str, str]]:
    """(order, kind, identity) of every capture and refund on the orders."""
    found: Counter[tuple[str, str, str]] = Counter()
    for order_id, order in orders.items():
        provider = order.provider
        for chunk in order.captured:
            if provider == "walley":
                found[(order_id, "capture", chunk.action_reference)] += 1
            else:
                for item in chunk.lines:
                    found[(order_id, "capture", item.reference)] += 1
        for chunk in order.refunded:
            identity = chunk.action_reference if provider == "walley" else chunk.note
            found[(order_id, "refund", identity)] += 1
    return found


async def all_delivered(url: str, receiver: Receiver, timeout: float = 120) -> int:
    """Wait until every queued notification is delivered; each body arrived at least once.
    Returns how many there are."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = await asyncpg.connect(url)
            try:
                rows = await conn.fetch("SELECT body, state FROM deliveries")
            finally:
                await conn.close()
        except (OSError, asyncpg.PostgresError):
            rows = None
        if rows is not None and all(row["state"] == "delivered" for row in rows):
            break
        assert time.monotonic() < deadline, "notifications left undelivered"
        await asyncio.sleep(0.5)
    received = {r.body.decode() for r in receiver.received}
    assert [row["body"] for row in rows if row["body"] not in received] == []
    return len(rows)


async def test_no_acknowledged_write_is_lost_through_failovers(
    ha_cluster: Cluster, tmp_path: Path
) -> None:
    url = await database_on(ha_cluster, "orderdesk_failover")
    receiver = Receiver(keep_alive=True).start()
    server = Server(url, tmp_path / "server.log", env={"ORDERDESK_POOL_SIZE": "6"})
    await server.start()
    tally = Tally()
    stop = asyncio.Event()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            merchant = await new_merchant(client)
            for dialect in ("walley", "ledyer"):
                await notify(merchant, dialect, receiver.url)
            clients = [
                walley_client(client, tally, merchant, f"w{i}", stop)
                for i in range(CLIENTS_PER_DIALECT)
            ] + [
                ledyer_client(client, tally, merchant, f"l{i}", stop)
                for i in range(CLIENTS_PER_DIALECT)
            ]
            running = [asyncio.create_task(c) for c in clients]
            try:
                recoveries = await fail_over(ha_cluster, tally, ROUNDS)
            finally:
                stop.set()
                await asyncio.gather(*running)
        await asyncio.to_thread(ha_cluster.wait_healthy)
        delivered = await all_delivered(url, receiver)
    finally:
        server.stop()
        receiver.stop()
    assert server.errors() == [], server.log.read_text()

    order_ids = sorted(tally.orders["walley"] | tally.orders["ledyer"])
    orders = {order_id: await checked_order(url, order_id) for order_id in order_ids}
    stored = stored_writes(orders)
    acked = Counter(_identity(w) for w in tally.acked)
    assert max(acked.values()) == 1  # each write acknowledged once: every key its own
    lost = sum(1 for write in acked if stored[write] == 0)
    duplicated = sum(count - 1 for count in stored.values() if count > 1)
    unacknowledged = sorted(write for write in stored if write not in acked)
    over_captured = sum(
        1
        for order in orders.values()
        if order.captured_amount > order.authorized or order.refunded_amount > order.captured_amount
    )
    ledger_holds(url)
    assert (lost, duplicated, over_captured, unacknowledged) == (0, 0, 0, [])
    assert delivered > 0
    assert tally.unavailable + tally.transport_errors > 0, "no request met a failover"
    assert set(tally.statuses) <= {200, 201, 202, 503}, tally.statuses

    line = (
        f"failover: {len(recoveries)} failovers, {len(tally.acked)} writes acknowledged, "
        f"{lost} lost, {duplicated} duplicated, {over_captured} over-captured, "
        f"recovery p50 {statistics.median(recoveries):.1f} s max {max(recoveries):.1f} s"
    )
    if FULL:
        print(f"\n{line}")
        print(
            f"  {tally.unavailable} answers 503, {tally.transport_errors} transport errors, "
            f"{delivered} notifications delivered; recoveries (s, kill and switchover in turn): "
            + " ".join(f"{r:.1f}" for r in recoveries)
        )


def _identity(write: Write) -> tuple[str, str, str]:
    return (write.order_id, write.kind, write.key)
