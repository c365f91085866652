"""What PgBouncer's transaction pooling costs per transaction (docs/scaling.md).

``python -m bench.pooling [--transactions N] [--clients C]`` (not part of ``make bench``):
on a fresh database, C connections each run N/C transactions shaped like a keyed replay —
BEGIN, the key's advisory lock and look-up (``pg_try_advisory_xact_lock`` + a primary-key
read), COMMIT — in three set-ups, taking turns three times:

- ``direct``: asyncpg to PostgreSQL, statement cache on (orderdesk's default);
- ``direct, no cache``: the same with ``statement_cache_size=0`` (``ORDERDESK_PGBOUNCER=1``);
- ``pgbouncer``: through a PgBouncer in transaction mode (pool 4), no statement cache.

Per transaction: wall time (mean, p50, p99 per client) and CPU in µs of the client process,
PostgreSQL's backends of the database and PgBouncer (``/proc/<pid>/task/*/schedstat``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bench.cpu import process_seconds
from bench.report import median_rows
from tests.support.database import admin_url, create_database, drop_database
from tests.support.pgbouncer import PgBouncer, version

SQL = (
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0)) AS locked,"
    " (SELECT status FROM replies WHERE client_id = $1 AND key = $2) AS status"
)


async def backend_pids(direct: str, database: str) -> list[int]:
    conn = await asyncpg.connect(direct)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        return [row["pid"] for row in rows]
    finally:
        await conn.close()


async def measure(
    url: str, cache: int, transactions: int, clients: int, direct: str, bouncer_pid: int | None
) -> dict[str, float]:
    database = urlsplit(direct).path.lstrip("/")
    conns = [await asyncpg.connect(url, statement_cache_size=cache) for _ in range(clients)]
    try:
        for conn in conns:  # warm-up: type introspection, caches
            for i in range(50):
                async with conn.transaction():
                    await conn.fetchrow(SQL, "warm", str(i))
        pids = await backend_pids(direct, database)
        per_client = transactions // clients
        latencies: list[float] = []

        async def client(conn: asyncpg.Connection, n: int) -> None:
            for i in range(per_client):
                start = time.perf_counter()
                async with conn.transaction():
                    await conn.fetchrow(SQL, f"c{n}", str(i))
                latencies.append(time.perf_counter() - start)

        cpu_pg = sum(process_seconds(pid) for pid in pids)
        cpu_bouncer = process_seconds(bouncer_pid) if bouncer_pid else 0.0
        cpu_client = time.process_time()
        wall = time.perf_counter()
        await asyncio.gather(*(client(conn, n) for n, conn in enumerate(conns)))
        wall = time.perf_counter() - wall
        cpu_client = time.process_time() - cpu_client
        cpu_pg = sum(process_seconds(pid) for pid in pids) - cpu_pg
        cpu_bouncer = (process_seconds(bouncer_pid) - cpu_bouncer) if bouncer_pid else 0.0
    finally:
        for conn in conns:
            await conn.close()
    done = len(latencies)
    latencies.sort()
    return {
        "per_s": done / wall,
        "mean_ms": statistics.fmean(latencies) * 1e3,
        "p50_ms": latencies[done // 2] * 1e3,
        "p99_ms": latencies[int(done * 0.99)] * 1e3,
        "client_us": cpu_client / done * 1e6,
        "postgres_us": cpu_pg / done * 1e6,
        "pgbouncer_us": cpu_bouncer / done * 1e6,
    }


async def main(transactions: int, clients: int, rounds: int) -> None:
    admin = await admin_url()
    direct = await create_database(admin)
    folder = Path(tempfile.mkdtemp(prefix="orderdesk-bench-pooling-"))
    bouncer = PgBouncer(direct, folder, pool_size=4)
    bouncer.start()
    try:
        conn = await asyncpg.connect(direct)
        await conn.execute(
            "CREATE TABLE replies (client_id text, key text, status int,"
            " PRIMARY KEY (client_id, key))"
        )
        await conn.close()
        assert bouncer.process is not None
        setups = {
            "direct": (direct, 100, None),
            "direct, no cache": (direct, 0, None),
            "pgbouncer": (bouncer.url(direct), 0, bouncer.process.pid),
        }
        results: dict[str, list[dict[str, float]]] = {name: [] for name in setups}
        for _ in range(rounds):
            for name, (url, cache, pid) in setups.items():
                results[name].append(await measure(url, cache, transactions, clients, direct, pid))
        print(
            f"PgBouncer {version(bouncer.binary)}, transaction mode; {clients} client(s),"
            f" {transactions} transactions per figure, median of {rounds} turns\n"
        )
        columns = list(next(iter(results.values()))[0])
        print("| set-up | " + " | ".join(columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        print("\n".join(median_rows(results, columns)))
    finally:
        bouncer.stop()
        await drop_database(admin, direct)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.transactions, args.clients, args.rounds))
