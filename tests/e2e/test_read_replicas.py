"""Reads on a replica of the Patroni cluster (``ORDERDESK_READ_DATABASE_URL``), and a client
reading its own write.

Two apps share the cluster's primary and read on one standby: one lets the standby be an
hour behind, the other half a second. With the standby's replay paused, a capture is not on
it: a plain read on the first app is the order as it was (so the read went to the standby),
a read with the capture's ``correlationId`` is the order with it (the primary answered),
and once the standby is more than half a second behind, the second app's plain read is the
primary's too. Then, under a burst of keyed captures, the standbys' replay lag as the
primary sees it (``pg_stat_replication``) is printed: measured, never asserted. A standby
whose WAL receiver is gone is not taken as current (second test).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.store import replica
from tests.support.patroni import Cluster, Node
from tests.support.sandbox import ADMIN_TOKEN, SHOES, TSHIRTS, line, new_merchant

pytestmark = pytest.mark.e2e

BURST_CLIENTS = 8
BURST_CAPTURES = 25  # per client


@asynccontextmanager
async def app_on(primary: str, standby: str, max_lag: float) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=primary,
        admin_token=ADMIN_TOKEN,
        read_database_url=standby,
        read_max_lag_seconds=max_lag,
        run_workers=False,
        pool_size=4,
    )
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def until(check: object, timeout: float = 60) -> None:
    """Wait until the coroutine function ``check`` answers true."""
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the standby did not get there"
        await asyncio.sleep(0.05)


async def replicated(url: str, timeout: float = 60) -> asyncpg.Connection:
    """A connection to the standby's copy of a database just made on the primary."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn: asyncpg.Connection = await asyncpg.connect(url)
            return conn
        except asyncpg.InvalidCatalogNameError:
            assert time.monotonic() < deadline, "the database did not reach the standby"
            await asyncio.sleep(0.05)


async def streaming_standby(cluster: Cluster, timeout: float = 90) -> Node:
    """A standby the primary streams to, an asynchronous one where there is one: a node
    that rejoined after a failover (the failover test's) may be running, not yet streaming,
    and a paused replay then never falls behind, as it receives nothing."""
    deadline = time.monotonic() + timeout
    while True:
        conn = await asyncpg.connect(cluster.primary_url())
        try:
            rows = await conn.fetch(
                "SELECT application_name, sync_state FROM pg_stat_replication"
                " WHERE state = 'streaming' ORDER BY sync_state = 'async' DESC"
            )
        finally:
            await conn.close()
        by_name = {n.name: n for n in cluster.nodes}
        found = [by_name[r["application_name"]] for r in rows if r["application_name"] in by_name]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "no standby is streaming"
        await asyncio.sleep(0.2)


async def test_reads_go_to_the_replica_and_a_client_reads_its_own_write(
    ha_cluster: Cluster,
) -> None:
    await asyncio.to_thread(ha_cluster.wait_healthy)
    name = f"orderdesk_reads_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(ha_cluster.primary_url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    node = await streaming_standby(ha_cluster)
    primary, standby_url = ha_cluster.primary_url(name), ha_cluster.node_url(node, name)
    standby = await replicated(standby_url)
    try:
        async with (
            app_on(primary, standby_url, max_lag=3600) as lenient,
            app_on(primary, standby_url, max_lag=0.5) as strict,
        ):
            merchant = await new_merchant(lenient)
            order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
            auth = await merchant.walley_headers()
            path = f"/manage/orders/{order_id}"

            async def on_standby() -> bool:
                found = await standby.fetchval("SELECT 1 FROM orders WHERE id = $1", order_id)
                return found is not None and await replica.lag(standby) == 0

            await until(on_standby)
            before = await lenient.get(path, headers=auth)
            assert before.status_code == 200, before.text

            # Patroni would resume the paused replay within a second: not while it pauses.
            with ha_cluster.maintenance():
                await standby.execute("SELECT pg_wal_replay_pause()")
                try:
                    r = await lenient.post(
                        f"{path}/capture",
                        json={"amount": "95.00"},
                        headers={**auth, "X-Idempotency": "read-1"},
                    )
                    assert r.status_code == 202, r.text
                    correlation = r.headers["x-correlation-id"]

                    stale = await lenient.get(path, headers=auth)
                    assert (stale.status_code, stale.json()) == (200, before.json())
                    own = await lenient.get(
                        path, params={"correlationId": correlation}, headers=auth
                    )
                    assert own.status_code == 200 and own.json() != before.json()

                    async def behind() -> bool:
                        return await replica.lag(standby) > 0.5

                    await until(behind)
                    bounded = await strict.get(path, headers=auth)
                    assert (bounded.status_code, bounded.json()) == (200, own.json())

                    # an order made now is not on the standby: found on the primary, not 404
                    made = (await merchant.order("walley", [SHOES]))["orderId"]
                    r = await lenient.get(f"/manage/orders/{made}", headers=auth)
                    assert r.status_code == 200, r.text
                    assert r.json()["data"]["id"] == made
                    ledyer = (await merchant.order("ledyer", [SHOES]))["orderId"]
                    ledyer_auth = await merchant.ledyer_headers()
                    for tail in ("", "/paymentstatus"):
                        r = await lenient.get(f"/v1/orders/{ledyer}{tail}", headers=ledyer_auth)
                        assert r.status_code == 200, r.text
                finally:
                    await standby.execute("SELECT pg_wal_replay_resume()")

            async def caught_up() -> bool:
                return await replica.lag(standby) == 0

            await until(caught_up)
            again = await lenient.get(path, headers=auth)
            assert (again.status_code, again.json()) == (200, own.json())

            big = await merchant.order("walley", [line("big", "Big", 1, 10_000_000)])
            await measure_lag(lenient, ha_cluster, big["orderId"], auth)
    finally:
        await standby.close()


async def test_a_standby_that_receives_nothing_is_not_current(ha_cluster: Cluster) -> None:
    """With its WAL receiver gone, a standby has replayed all it received yet may miss any
    later commit: its lag is the age of its last replayed transaction, not 0, until it
    streams again."""
    await asyncio.to_thread(ha_cluster.wait_healthy)
    node = await streaming_standby(ha_cluster)
    standby = await asyncpg.connect(ha_cluster.node_url(node))
    try:

        async def current() -> bool:
            return await replica.lag(standby) == 0

        await until(current)
        # PostgreSQL starts a new receiver at once after a long stream, and only after
        # wal_retrieve_retry_interval (5 s) after a second failure: stop it twice.
        first = await stop_receiver(standby)

        async def restarted() -> bool:
            pid = await standby.fetchval("SELECT pid FROM pg_stat_wal_receiver")
            return pid is not None and pid != first

        await until(restarted)
        await stop_receiver(standby)
        sample = (
            "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS gone,"
            f" ({replica.LAG_SQL}) AS lag"
        )
        seen: list[float] = []

        async def gone() -> bool:
            row = await standby.fetchrow(sample)
            if row["gone"]:
                seen.append(row["lag"])
            return bool(row["gone"])

        await until(gone)
        assert seen[0] > 0  # measured in the statement that saw no receiver
        await until(current)
    finally:
        await standby.close()


async def stop_receiver(standby: asyncpg.Connection) -> int:
    """SIGTERM the standby's WAL receiver (an auxiliary process: ``pg_terminate_backend``
    does not reach it); its pid."""
    pid: int = await standby.fetchval("SELECT pid FROM pg_stat_wal_receiver")
    os.kill(pid, signal.SIGTERM)
    return pid


async def measure_lag(
    client: httpx.AsyncClient, cluster: Cluster, order_id: str, auth: dict[str, str]
) -> None:
    """Keyed captures from ``BURST_CLIENTS`` clients while the primary's view of each
    standby's replay lag is sampled; prints the figures."""
    done = asyncio.Event()
    samples: dict[str, list[float]] = {}
    monitor = await asyncpg.connect(cluster.primary_url())

    async def sample() -> None:
        while not done.is_set():
            rows = await monitor.fetch(
                "SELECT application_name, sync_state,"
                " coalesce(extract(epoch FROM replay_lag), 0)::float8 AS lag"
                " FROM pg_stat_replication"
            )
            for row in rows:
                key = f"{row['application_name']} ({row['sync_state']})"
                samples.setdefault(key, []).append(row["lag"])
            await asyncio.sleep(0.02)

    async def capture(worker: int) -> None:
        for i in range(BURST_CAPTURES):
            key = f"burst-{worker}-{i}"
            r = await client.post(
                f"/manage/orders/{order_id}/capture",
                json={"amount": "1.00"},
                headers={**auth, "X-Idempotency": key},
            )
            assert r.status_code == 202, r.text

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        await asyncio.gather(*(capture(w) for w in range(BURST_CLIENTS)))
    finally:
        elapsed = time.monotonic() - started
        done.set()
        await sampler
        await monitor.close()
    rate = BURST_CLIENTS * BURST_CAPTURES / elapsed
    for standby, lags in sorted(samples.items()):
        print(
            f"\nreplica lag at {rate:.0f} captures/s, {standby}: "
            f"p50 {statistics.median(lags) * 1000:.1f} ms, max {max(lags) * 1000:.1f} ms "
            f"({len(lags)} samples)"
        )
