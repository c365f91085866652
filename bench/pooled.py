"""orderdesk's captures directly and through PgBouncer (docs/scaling.md).

``python -m bench.pooled [--captures N] [--clients C] [--rounds R]`` (not part of
``make bench``): three ``orderdesk serve --workers 2`` servers, each on a database of its own,
with the benchmark's keyed Walley captures on fresh orders (``bench/captures.py``) from C
keep-alive clients, the three taking turns R times:

- ``direct``: as ``make bench`` runs it;
- ``direct, ORDERDESK_PGBOUNCER=1``: no statement cache, no PgBouncer (what the setting costs);
- ``through PgBouncer``: ``ORDERDESK_PGBOUNCER=1`` and a PgBouncer in transaction mode with
  20 server connections (what the hop costs on top).

Per capture, CPU in µs of the server's processes, PostgreSQL (the database's backends and its
background processes) and PgBouncer; medians over the rounds.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

from bench import cpu
from bench.captures import TEMPLATES as LINES
from bench.captures import Captures, captures
from bench.load import http_cell
from bench.report import median_rows, summary
from bench.run import ADMIN_TOKEN, DEFAULT_ADMIN_URL
from bench.sandbox import Shop, open_shop
from bench.servers import BIN, HOST, Server, _spawn, create_database, drop_database, free_port
from tests.support.pgbouncer import PgBouncer, version


@dataclass
class Setup:
    name: str
    server: Server
    monitor: asyncpg.Connection
    shop: Shop
    bouncer: int | None  # PgBouncer's pid

    async def pids(self) -> tuple[list[int], list[int]]:
        rows = await self.monitor.fetch(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND (datname = current_database() OR backend_type <> 'client backend')"
        )
        return self.server.pids(), [row["pid"] for row in rows]

    async def work(self, count: int) -> Captures:
        orders = await self.shop.create_orders("walley", LINES["walley"], count)
        return captures("walley", self.shop.authorization["walley"], orders, LINES["walley"])


async def start(url: str, env: dict[str, str], out: Path, label: str) -> Server:
    port = free_port()
    log = out / f"orderdesk-{label}.log"
    argv = [str(BIN / "orderdesk"), "serve", "--port", str(port), "--workers", "2", "--no-demo"]
    env = {"DATABASE_URL": url, "ORDERDESK_ADMIN_TOKEN": ADMIN_TOKEN, **env}
    server = Server("orderdesk", _spawn("orderdesk", argv, env, log), port, log)
    await server.wait_ready(started_lines=2)
    return server


async def main(count: int, clients: int, rounds: int, admin: str) -> None:
    out = Path(tempfile.mkdtemp(prefix="orderdesk-bench-pooled-"))
    databases: list[str] = []
    setups: list[Setup] = []
    bouncer: PgBouncer | None = None
    try:
        for name, pooled in (
            ("direct", False),
            ("direct, ORDERDESK_PGBOUNCER=1", None),
            ("through PgBouncer", True),
        ):
            url = await create_database(admin, "pooled")
            databases.append(url)
            env = {} if pooled is False else {"ORDERDESK_PGBOUNCER": "1"}
            serve_url, pid = url, None
            if pooled:
                bouncer = PgBouncer(url, out / "pgbouncer", pool_size=20)
                bouncer.start()
                assert bouncer.process is not None
                serve_url, pid = bouncer.url(url), bouncer.process.pid
            server = await start(serve_url, env, out, str(len(setups)))
            shop = await open_shop(server, ADMIN_TOKEN)
            setups.append(Setup(name, server, await asyncpg.connect(url), shop, pid))
        for setup in setups:  # warm-up: pools, caches
            await http_cell(HOST, setup.server.port, (await setup.work(400)).jobs, 8)
        figures: dict[str, list[dict[str, Any]]] = {s.name: [] for s in setups}
        for _ in range(rounds):
            for setup in setups:
                work = await setup.work(count)
                before = cpu.process_seconds(setup.bouncer) if setup.bouncer else 0.0
                cell = await http_cell(HOST, setup.server.port, work.jobs, clients, setup.pids)
                bouncer_s = (cpu.process_seconds(setup.bouncer) - before) if setup.bouncer else 0
                assert not cell.failures, cell.failures[:3]
                figure = summary(cell)
                figure["pgbouncer_us"] = bouncer_s / cell.requests * 1e6
                figures[setup.name].append(figure)
        assert bouncer is not None
        print(
            f"Walley keyed captures, {clients} clients, {count} per figure, median of {rounds}"
            f" turns; orderdesk serve --workers 2; PgBouncer {version(bouncer.binary)}"
            " (transaction mode, pool 20)\n"
        )
        columns = ["per_second", "p50_ms", "p99_ms", "server_us", "postgres_us", "pgbouncer_us"]
        print(
            "| set-up | captures/s | p50 ms | p99 ms | server µs | PostgreSQL µs | PgBouncer µs |"
        )
        print("|---|---|---|---|---|---|---|")
        print("\n".join(median_rows(figures, columns)))
    finally:
        for setup in setups:
            setup.server.stop()
            await setup.monitor.close()
        if bouncer is not None:
            bouncer.stop()
        for url in databases:
            await drop_database(admin, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args()
    uvloop.run(main(args.captures, args.clients, args.rounds, args.database_url))
