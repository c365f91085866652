"""Would a driver that pipelines save CPU? asyncpg's round trips against psycopg 3's pipeline.

``python -m bench.pipelining [--transactions N] [--rounds R] [--socket-dir DIR]`` (not part
of ``make bench``): on a fresh database, one connection per driver runs N transactions of two
shapes, the drivers taking turns R times (with ``--socket-dir``, e.g.
``/var/run/postgresql``, asyncpg over PostgreSQL's Unix socket takes a turn too):

- *replay*: BEGIN, the key's advisory lock and the look-up of its stored answer, COMMIT —
  asyncpg: 3 round trips; psycopg's pipeline: 1 (all three sent, then one sync);
- *capture*: BEGIN, lock and read the order row, update it, COMMIT — asyncpg: 4 round
  trips; psycopg's pipeline: 2 (BEGIN with the lock, the update with COMMIT).

Both use prepared statements. Per transaction it prints the rate and the CPU in µs of the
client (this process) and of the connection's PostgreSQL backend
(``/proc/<pid>/task/*/schedstat``). Issue 15 asked whether sending BEGIN and COMMIT with the
next statement would pay for leaving asyncpg: see ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import psycopg
import uvloop

from bench.cpu import process_seconds
from bench.run import DEFAULT_ADMIN_URL
from bench.servers import create_database, drop_database

ORDERS = 5000
CLAIM = (
    "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked,"
    " (SELECT body FROM answers WHERE key = $1) AS body"
)
LOCK = "SELECT id, n, payload FROM orders WHERE id = $1 FOR UPDATE"
SAVE = "UPDATE orders SET n = n + 1, payload = $2 WHERE id = $1"


def psycopg_sql(sql: str) -> str:
    return sql.replace("$1", "%(a)s").replace("$2", "%(b)s")


async def fill(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE orders (id int PRIMARY KEY, n int, payload text);"
            "CREATE TABLE answers (key text PRIMARY KEY, body bytea);"
            f"INSERT INTO orders SELECT g, 0, repeat('x', 200) FROM generate_series(1, {ORDERS}) g;"
            "INSERT INTO answers SELECT 'k' || g, repeat('y', 300)::bytea"
            f" FROM generate_series(1, {ORDERS}) g"
        )
    finally:
        await conn.close()


class AsyncpgShapes:
    """Each statement its own round trip, as orderdesk runs them."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def replay(self, i: int) -> None:
        async with self.conn.transaction():
            await self.conn.fetchrow(CLAIM, f"k{i}")

    async def capture(self, i: int) -> None:
        async with self.conn.transaction():
            await self.conn.fetchrow(LOCK, i)
            await self.conn.execute(SAVE, i, "z" * 200)


class PsycopgShapes:
    """BEGIN and COMMIT sent with the statement next to them, in pipeline mode."""

    def __init__(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        self.conn = conn

    async def replay(self, i: int) -> None:
        async with self.conn.pipeline() as pipeline:
            await self.conn.execute("BEGIN")
            cursor = await self.conn.execute(psycopg_sql(CLAIM), {"a": f"k{i}"}, prepare=True)
            await self.conn.execute("COMMIT")
            await pipeline.sync()
            await cursor.fetchone()

    async def capture(self, i: int) -> None:
        async with self.conn.pipeline() as pipeline:
            await self.conn.execute("BEGIN")
            cursor = await self.conn.execute(psycopg_sql(LOCK), {"a": i}, prepare=True)
            await pipeline.sync()
            await cursor.fetchone()
            await self.conn.execute(psycopg_sql(SAVE), {"a": i, "b": "z" * 200}, prepare=True)
            await self.conn.execute("COMMIT")
            await pipeline.sync()


async def measure(
    label: str, backend: int, shape: Callable[[int], Awaitable[None]], count: int
) -> tuple[str, float, float, float]:
    client, server, start = time.process_time(), process_seconds(backend), time.perf_counter()
    for i in range(count):
        await shape(i % ORDERS + 1)
    wall = time.perf_counter() - start
    client_us = (time.process_time() - client) / count * 1e6
    server_us = (process_seconds(backend) - server) / count * 1e6
    return label, count / wall, client_us, server_us


async def run(count: int, rounds: int, socket_dir: str | None) -> None:
    url = await create_database(DEFAULT_ADMIN_URL, "pipelining")
    try:
        await fill(url)
        plain = await asyncpg.connect(url)
        piped = await psycopg.AsyncConnection.connect(url, autocommit=True, prepare_threshold=0)
        local = await asyncpg.connect(url, host=socket_dir) if socket_dir else None
        try:
            contenders: list[tuple[str, Any, int]] = [
                ("asyncpg", AsyncpgShapes(plain), await plain.fetchval("SELECT pg_backend_pid()")),
                ("psycopg pipeline", PsycopgShapes(piped), piped.info.backend_pid),
            ]
            if local is not None:
                pid = await local.fetchval("SELECT pg_backend_pid()")
                contenders.append(("asyncpg, Unix socket", AsyncpgShapes(local), pid))
            rows = []
            for _ in range(rounds):
                for name, shapes, pid in contenders:
                    rows.append(await measure(f"{name}, replay", pid, shapes.replay, count))
                    rows.append(await measure(f"{name}, capture", pid, shapes.capture, count))
        finally:
            await plain.close()
            await piped.close()
            if local is not None:
                await local.close()
    finally:
        await drop_database(DEFAULT_ADMIN_URL, url)
    print("| driver, shape | transactions/s | client µs | PostgreSQL µs | total µs |")
    print("|---|---|---|---|---|")
    for label in dict.fromkeys(row[0] for row in rows):
        mine = [row for row in rows if row[0] == label]
        rate, client_us, server_us = (
            sorted(row[k] for row in mine)[len(mine) // 2] for k in (1, 2, 3)
        )
        total = client_us + server_us
        print(f"| {label} | {rate:,.0f} | {client_us:.0f} | {server_us:.0f} | {total:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--socket-dir", help="PostgreSQL's Unix socket folder: asyncpg over it too")
    args = parser.parse_args()
    uvloop.run(
        run(args.transactions, args.rounds, args.socket_dir)
    )  # the event loop orderdesk serves on


if __name__ == "__main__":
    main()
