"""A/B: captures per second of two source trees, in alternating rounds on one machine.

``python -m bench.ab BASE_SRC NEW_SRC [--rounds 4] [--captures 1000] [--clients 8]`` starts
``orderdesk serve --workers 2`` from each ``src`` folder (through PYTHONPATH, same virtual
environment), each on a fresh database, and measures Walley and Ledyer captures (one new
order each) taking turns, so a disturbance on a shared machine hits both alike. Besides
captures/s and their p99 latency it prints the CPU each capture cost the server's processes
and PostgreSQL (``bench/cpu.py``), which another job on the machine disturbs far less. Used to show
that the request journal (issue 14) costs captures nothing measurable:
``git archive main | tar -x -C /tmp/base && python -m bench.ab /tmp/base/src src``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench.captures import TEMPLATES, captures
from bench.load import Pids, http_cell
from bench.report import percentile
from bench.run import ADMIN_TOKEN, DEFAULT_ADMIN_URL
from bench.sandbox import Shop, open_shop
from bench.servers import HOST, Server, create_database, drop_database, start_orderdesk

Key = tuple[int, str]  # (the tree's index, the dialect)


@dataclass
class Samples:
    """Each round's captures/s, p99 (ms) and CPU per capture (µs: server, PostgreSQL)."""

    rates: dict[Key, list[float]] = field(default_factory=dict)
    tails: dict[Key, list[float]] = field(default_factory=dict)
    costs: dict[Key, list[tuple[float, float]]] = field(default_factory=dict)


async def start_trees(
    trees: list[str], logs: Path, urls: list[str], servers: list[Server], shops: list[Shop]
) -> None:
    """A server of each tree on a database of its own, and a shop on it; each appended as it
    starts, so that the caller stops whatever did."""
    for label, src in zip(("a", "b"), trees, strict=True):
        os.environ["PYTHONPATH"] = str(Path(src).resolve())
        urls.append(await create_database(DEFAULT_ADMIN_URL, f"ab_{label}"))
        servers.append(await start_orderdesk(urls[-1], 2, ADMIN_TOKEN, logs, label))
        shops.append(await open_shop(servers[-1], ADMIN_TOKEN))
    os.environ.pop("PYTHONPATH")


def pids_of(monitor: asyncpg.Connection, server: Server) -> Pids:
    """The server's processes, and the PostgreSQL processes of its database and the shared
    ones (``monitor`` is a connection to that database)."""

    async def pids() -> tuple[list[int], list[int]]:
        rows = await monitor.fetch(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND (datname = current_database() OR backend_type <> 'client backend')"
        )
        return server.pids(), [row["pid"] for row in rows]

    return pids


async def measure_captures(
    samples: Samples, key: Key, shop: Shop, server: Server, pids: Pids, count: int, clients: int
) -> str:
    """``count`` captures of new orders in ``key``'s dialect, ``clients`` at a time, noted in
    ``samples``; a line that tells what they measured."""
    dialect = key[1]
    lines = TEMPLATES[dialect]
    orders = await shop.create_orders(dialect, lines, count)
    work = captures(dialect, shop.tokens[dialect], orders, lines)
    cell = await http_cell(HOST, server.port, work.jobs, clients, pids)
    assert not cell.failures, cell.failures[:3]
    rate = cell.requests / cell.wall
    samples.rates.setdefault(key, []).append(rate)
    p99 = percentile(cell.latencies, 0.99) * 1000
    samples.tails.setdefault(key, []).append(p99)
    assert cell.cpu is not None
    cost = (
        cell.cpu.server / cell.requests * 1e6,
        cell.cpu.postgres / cell.requests * 1e6,
    )
    samples.costs.setdefault(key, []).append(cost)
    return (
        f"{rate:.0f} captures/s,"
        f" p99 {p99:.1f} ms,"
        f" server {cost[0]:.0f} µs, PostgreSQL {cost[1]:.0f} µs per capture,"
        f" other load {cell.cpu.other / cell.cpu.wall:.2f} cores"
    )


def print_medians(samples: Samples, trees: list[str], count: int, clients: int) -> None:
    for (index, dialect), values in sorted(samples.rates.items()):
        server_us = statistics.median(c[0] for c in samples.costs[(index, dialect)])
        postgres_us = statistics.median(c[1] for c in samples.costs[(index, dialect)])
        print(
            f"{trees[index]} {dialect}: median {statistics.median(values):.0f} captures/s"
            f" over {len(values)} rounds of {count} ({clients} clients),"
            f" p99 {statistics.median(samples.tails[(index, dialect)]):.1f} ms;"
            f" median CPU per capture: server {server_us:.0f} µs,"
            f" PostgreSQL {postgres_us:.0f} µs"
        )


async def run(trees: list[str], rounds: int, count: int, clients: int) -> None:
    logs = Path(tempfile.mkdtemp(prefix="orderdesk-ab-"))
    urls: list[str] = []
    servers: list[Server] = []
    shops: list[Shop] = []
    try:
        await start_trees(trees, logs, urls, servers, shops)
        monitors = [await asyncpg.connect(url) for url in urls]
        samples = Samples()
        for round_ in range(rounds):
            for index, (server, shop) in enumerate(zip(servers, shops, strict=True)):
                for dialect in ("walley", "ledyer"):
                    pids = pids_of(monitors[index], server)
                    measured = await measure_captures(
                        samples, (index, dialect), shop, server, pids, count, clients
                    )
                    print(f"round {round_ + 1} {trees[index]} {dialect}: {measured}")
        print_medians(samples, trees, count, clients)
        for monitor in monitors:
            await monitor.close()
    finally:
        for server in servers:
            server.stop()
        for url in urls:
            await drop_database(DEFAULT_ADMIN_URL, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trees", nargs=2, help="two src folders: A (before), B (after)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.trees, args.rounds, args.captures, args.clients))


if __name__ == "__main__":
    main()
