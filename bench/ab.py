"""A/B: captures and replays per second of two source trees, in alternating rounds on one
machine.

``python -m bench.ab BASE_SRC NEW_SRC [--rounds 4] [--captures 1000] [--clients 8]
[--dialects walley ledyer klarna]`` starts ``orderdesk serve --workers 2`` from each ``src``
folder (through PYTHONPATH, same virtual environment), each on a fresh database, and measures
the dialects' captures (Walley and Ledyer unless told; one new order each), then the same
requests again (each a replay of its stored answer), taking turns — A first in odd rounds,
B first in even ones — so a disturbance on a shared machine hits both alike. Besides
requests/s and their p99 latency it prints the CPU each request cost the server's processes
and PostgreSQL (``bench/cpu.py``), which another job on the machine disturbs far less, and
last each figure's ratio B ÷ A. Used
to show that the request journal (issue 14) costs captures nothing measurable, and that the
providers' redesign (issue 20) costs no speed:
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
from typing import Any

import asyncpg

from bench.captures import TEMPLATES, captures, replays
from bench.load import Job, Pids, http_cell
from bench.report import percentile
from bench.run import ADMIN_TOKEN, DEFAULT_ADMIN_URL
from bench.sandbox import Shop, open_shop
from bench.servers import HOST, Server, create_database, drop_database, start_orderdesk

Key = tuple[int, str, str]  # (the tree's index, the dialect, "captures" or "replays")


@dataclass
class Samples:
    """Each round's requests/s, p99 (ms) and CPU per request (µs: server, PostgreSQL)."""

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


async def measure(
    samples: Samples, key: Key, jobs: list[Job], server: Server, pids: Pids, clients: int
) -> str:
    """``jobs`` sent ``clients`` at a time, noted in ``samples`` under ``key``; a line that
    tells what they measured."""
    cell = await http_cell(HOST, server.port, jobs, clients, pids)
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
        f"{rate:.0f} {key[2]}/s,"
        f" p99 {p99:.1f} ms,"
        f" server {cost[0]:.0f} µs, PostgreSQL {cost[1]:.0f} µs each,"
        f" other load {cell.cpu.other / cell.cpu.wall:.2f} cores"
    )


async def measure_round(
    samples: Samples, index: int, dialect: str, shop: Shop, server: Server, pids: Pids, args: Any
) -> list[str]:
    """``count`` captures of new orders in ``dialect``, then their replays."""
    lines = TEMPLATES[dialect]
    orders = await shop.create_orders(dialect, lines, args.captures)
    work = captures(dialect, shop.authorization[dialect], orders, lines)
    return [
        await measure(samples, (index, dialect, "captures"), work.jobs, server, pids, args.clients),
        await measure(
            samples, (index, dialect, "replays"), replays(work), server, pids, args.clients
        ),
    ]


def print_medians(samples: Samples, trees: list[str], count: int, clients: int) -> None:
    for key, values in sorted(samples.rates.items()):
        index, dialect, kind = key
        server_us = statistics.median(c[0] for c in samples.costs[key])
        postgres_us = statistics.median(c[1] for c in samples.costs[key])
        print(
            f"{trees[index]} {dialect}: median {statistics.median(values):.0f} {kind}/s"
            f" over {len(values)} rounds of {count} ({clients} clients),"
            f" p99 {statistics.median(samples.tails[key]):.1f} ms;"
            f" median CPU each: server {server_us:.0f} µs, PostgreSQL {postgres_us:.0f} µs"
        )
    for dialect in sorted({key[1] for key in samples.rates}):
        for kind in ("captures", "replays"):
            before = statistics.median(samples.rates[(0, dialect, kind)])
            after = statistics.median(samples.rates[(1, dialect, kind)])
            print(f"{dialect} {kind}/s, B ÷ A: {after / before:.3f}")


async def run(trees: list[str], args: Any) -> None:
    logs = Path(tempfile.mkdtemp(prefix="orderdesk-ab-"))
    urls: list[str] = []
    servers: list[Server] = []
    shops: list[Shop] = []
    try:
        await start_trees(trees, logs, urls, servers, shops)
        monitors = [await asyncpg.connect(url) for url in urls]
        samples = Samples()
        for round_ in range(args.rounds):
            # A then B in odd rounds, B then A in even ones: whatever comes with going
            # second (a checkpoint, the other database's autovacuum) falls on both alike.
            order = [0, 1] if round_ % 2 == 0 else [1, 0]
            for index, server, shop in ((i, servers[i], shops[i]) for i in order):
                for dialect in args.dialects:
                    pids = pids_of(monitors[index], server)
                    measured = await measure_round(
                        samples, index, dialect, shop, server, pids, args
                    )
                    for line in measured:
                        print(f"round {round_ + 1} {trees[index]} {dialect}: {line}")
        print_medians(samples, trees, args.captures, args.clients)
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
    parser.add_argument(
        "--dialects", nargs="+", default=["walley", "ledyer"], choices=list(TEMPLATES)
    )
    args = parser.parse_args()
    asyncio.run(run(args.trees, args))


if __name__ == "__main__":
    main()
