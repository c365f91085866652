"""``python -m bench``: measure orderdesk's captures against raw PostgreSQL and localstripe,
and with notifications on against off.

Prints the Markdown tables of ``docs/benchmarks.md`` and writes them, with every figure as
JSON, to ``bench/results/<time>/``. Exits 1 if any request failed or any check did not hold.

Each compared figure is measured in rounds that take turns (orderdesk, raw PostgreSQL,
localstripe, orderdesk, …), so a disturbance on a shared machine hits all of them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

from bench import baseline, bulk, cpu, matching, peer
from bench.captures import TEMPLATES, Captures, captures, replays
from bench.load import Cell, Job, http_cell, merge, part
from bench.report import Result, clients_label, machine, render, summary
from bench.sandbox import Shop, article_lines, open_shop
from bench.servers import (
    HOST,
    Server,
    create_database,
    drop_database,
    start_localstripe,
    start_orderdesk,
)
from tests.support.receiver import Receiver

ADMIN_TOKEN = "bench-admin-token"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure."""

    rounds: int
    captures: dict[int, int]  # clients -> captures per figure
    warmup: int  # captures per dialect before measuring, on each server
    peer_batch: int  # localstripe is emptied before each batch of PaymentIntents
    peer_batches: int  # per round
    lines: dict[int, int]  # lines per order -> captures
    history: dict[int, int]  # earlier captures per order -> captures
    db_sizes: tuple[int, int]
    db_captures: int  # per dialect and database size
    db_warmup: int
    matching: tuple[int, ...]  # lines per order of the in-process item-matching figures
    matching_repeat: int
    notify_captures: int  # per dialect and mode (notifications on, off)
    mid: int = 8  # the client count of the p99 targets and of notifications on ÷ off

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(self.captures)


FULL = Plan(
    rounds=3,
    captures={1: 900, 8: 3000, 32: 3000},
    warmup=400,
    peer_batch=100,
    peer_batches=3,
    lines={1: 300, 10: 300, 100: 300, 1000: 99},
    history={1: 100, 10: 100, 100: 40},
    db_sizes=(1_000, 1_000_000),
    db_captures=300,
    db_warmup=100,
    matching=(100, 1_000, 5_000),
    matching_repeat=5,
    notify_captures=1500,
)
SMOKE = Plan(
    rounds=1,
    captures={1: 8, 8: 32, 32: 64},
    warmup=16,
    peer_batch=32,
    peer_batches=1,
    lines={1: 4, 100: 4},
    history={1: 4, 10: 4},
    db_sizes=(100, 500),
    db_captures=16,
    db_warmup=8,
    matching=(100, 1_000),
    matching_repeat=1,
    notify_captures=16,
)


@dataclass
class Target:
    """A database with an orderdesk server on it and a shop set up through the sandbox."""

    url: str
    server: Server
    monitor: asyncpg.Connection
    shop: Shop

    async def pids(self) -> tuple[list[int], list[int]]:
        """The server's processes; PostgreSQL's: this database's backends and background ones."""
        rows = await self.monitor.fetch(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND (datname = current_database() OR backend_type <> 'client backend')"
        )
        return self.server.pids(), [row["pid"] for row in rows]

    async def postgres_pids(self) -> tuple[list[int], list[int]]:
        return [], (await self.pids())[1]

    async def captures(
        self, dialect: str, count: int, lines: list[dict[str, Any]] | None = None
    ) -> Captures:
        """``count`` new orders and a capture request for each."""
        lines = lines or TEMPLATES[dialect]
        orders = await self.shop.create_orders(dialect, lines, count)
        return captures(dialect, self.shop.authorization[dialect], orders, lines)

    async def with_history(self, dialect: str, count: int, earlier: int) -> Captures:
        """``count`` new orders of ``earlier + 1`` lines, each line but the last captured
        already (one capture each), and a capture request of the last line for each."""
        lines = article_lines(earlier + 1)
        orders = await self.shop.create_orders(dialect, lines, count)
        authorization = self.shop.authorization[dialect]
        for index in range(earlier):
            done = await self.send(captures(dialect, authorization, orders, lines, index).jobs, 4)
            if done.failures:
                raise RuntimeError(f"earlier captures failed: {done.failures[:3]}")
        return captures(dialect, authorization, orders, lines, earlier)

    async def send(self, jobs: Sequence[Job], clients: int) -> Cell:
        return await http_cell(HOST, self.server.port, jobs, clients, self.pids)

    async def wrong(self, work: Captures) -> int:
        """How many orders of ``work`` do not hold exactly the one expected capture."""
        right: int = await self.monitor.fetchval(
            "SELECT count(*) FROM orders o WHERE id = ANY($1) AND captured = $2"
            " AND (SELECT count(*) FROM order_chunks h WHERE h.order_id = o.id"
            " AND h.kind = 'captured') = $3",
            work.order_ids,
            work.amount,
            work.chunks,
        )
        return len(work.order_ids) - right


@dataclass(frozen=True)
class Slot:
    """One figure of the report, measured in parts: ``run(round)`` measures one part."""

    kind: str
    dialect: str
    label: str
    run: Callable[[int], Awaitable[Cell]]


class Run:
    """One benchmark run: its databases, servers and results."""

    def __init__(
        self,
        plan: Plan,
        admin_url: str,
        workers: int,
        out: Path,
        quiet: float = 0.0,
        only: str | None = None,
    ) -> None:
        self.plan = plan
        self.only = only
        self.quiet = quiet
        self.waited = 0.0
        self.admin_url = admin_url
        self.workers = workers
        self.out = out
        self.results: list[Result] = []
        self.problems: list[str] = []
        self.databases: list[str] = []
        self.servers: list[Server] = []
        self.monitors: list[asyncpg.Connection] = []

    @staticmethod
    def say(message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    async def target(self, label: str) -> Target:
        """A new database, ``orderdesk serve`` on it, and a shop set up through the sandbox."""
        url = await create_database(self.admin_url, label)
        self.databases.append(url)
        server = await start_orderdesk(url, self.workers, ADMIN_TOKEN, self.out, label)
        self.servers.append(server)
        monitor = await asyncpg.connect(url)
        self.monitors.append(monitor)
        return Target(url, server, monitor, await open_shop(server, ADMIN_TOKEN))

    async def warm(self, target: Target, count: int) -> dict[str, Captures]:
        """Capture ``count`` orders per dialect from 8 clients (fills pools and caches)."""
        done = {}
        for dialect in TEMPLATES:
            done[dialect] = await target.captures(dialect, count)
            cell = await target.send(done[dialect].jobs, 8)
            self.problems += [f"warm-up: {failure}" for failure in cell.failures[:5]]
        return done

    async def verify(self, target: Target, *works: Captures) -> None:
        for work in works:
            if wrong := await target.wrong(work):
                self.problems.append(
                    f"{work.dialect}: {wrong} orders do not hold exactly the one capture"
                )

    async def rounds(self, slots: list[Slot]) -> None:
        """Measure every slot in ``plan.rounds`` parts, taking turns; record the merged cells."""
        parts: list[list[Cell]] = [[] for _ in slots]
        for index in range(self.plan.rounds):
            for slot, cells in zip(slots, parts, strict=True):
                if self.quiet:
                    self.waited += await cpu.wait_until_quiet(self.quiet)
                cells.append(await slot.run(index))
        for slot, cells in zip(slots, parts, strict=True):
            cell = merge(cells)
            self.results.append(Result(slot.kind, slot.dialect, slot.label, cell))
            if slot.kind == "orderdesk":  # connection set-up, on its own
                first = Cell(cell.concurrency, latencies=cell.first)
                self.results.append(Result("first", slot.dialect, slot.label, first))
            s = summary(cell)
            self.say(
                f"{slot.kind} {slot.dialect} {slot.label}: {s['requests']} requests,"
                f" {s['failures']} failed, {s['per_second']:,.0f}/s,"
                f" p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms"
            )
            what = f"{slot.kind} {slot.dialect} {slot.label}"
            self.problems += [f"{what}: {failure}" for failure in cell.failures[:5]]

    # -- what a slot runs -----------------------------------------------------------------
    def http(
        self, target: Target, jobs: Sequence[Job], clients: int
    ) -> Callable[[int], Awaitable[Cell]]:
        return lambda index: target.send(part(jobs, index, self.plan.rounds), clients)

    def raw(
        self, target: Target, prepared: list[baseline.Prepared], clients: int, exact: bool
    ) -> Callable[[int], Awaitable[Cell]]:
        def run(index: int) -> Awaitable[Cell]:
            work = part(prepared, index, self.plan.rounds)
            return baseline.run(target.url, work, clients, exact=exact, pids=target.postgres_pids)

        return run

    def localstripe(self, server: Server, clients: int) -> Callable[[int], Awaitable[Cell]]:
        async def pids() -> tuple[list[int], list[int]]:
            return server.pids(), []

        async def run(index: int) -> Cell:
            cells = []
            for _ in range(self.plan.peer_batches):
                await peer.flush(server)
                intents = await peer.authorised_intents(server, self.plan.peer_batch)
                jobs = peer.capture_jobs(intents)
                cells.append(await http_cell(HOST, server.port, jobs, clients, pids))
            return merge(cells)

        return run

    # -- the phases -----------------------------------------------------------------------
    async def throughput(self, main: Target) -> dict[tuple[str, int], Captures]:
        """At each client count: orderdesk, raw asyncpg (two ways) and localstripe in turns."""
        plan = self.plan
        self.say("creating orders through the sandbox API")
        work: dict[tuple[str, int], Captures] = {}
        raw_work: dict[tuple[str, int, bool], Captures] = {}
        for dialect in TEMPLATES:
            for clients in plan.levels:
                work[dialect, clients] = await main.captures(dialect, plan.captures[clients])
                for exact in (False, True):
                    count = plan.captures[clients]
                    raw_work[dialect, clients, exact] = await main.captures(dialect, count)
        warm = await self.warm(main, plan.warmup)
        prepared = {}
        for (dialect, clients, exact), raw in raw_work.items():
            stored = warm[dialect].answers[0]
            assert stored is not None
            prepared[dialect, clients, exact] = await baseline.prepare(
                main.monitor, main.shop.client_id, raw, stored.body
            )
        stripe = await start_localstripe(self.out)
        self.servers.append(stripe)
        for clients in plan.levels:
            label = clients_label(clients)
            slots = []
            for dialect in TEMPLATES:
                http = self.http(main, work[dialect, clients].jobs, clients)
                slots.append(Slot("orderdesk", dialect, label, http))
                for exact in (False, True):
                    run = self.raw(main, prepared[dialect, clients, exact], clients, exact)
                    slots.append(Slot("raw-exact" if exact else "raw", dialect, label, run))
            slots.append(Slot("localstripe", "stripe", label, self.localstripe(stripe, clients)))
            await self.rounds(slots)
            await self.verify(main, *(work[d, clients] for d in TEMPLATES))
            await self.verify(main, *(w for key, w in raw_work.items() if key[1] == clients))
        stripe.stop()
        return work

    async def replay(self, main: Target, work: dict[tuple[str, int], Captures]) -> None:
        """The same captures again with the same keys: each answer must equal the first."""
        for clients in self.plan.levels:
            slots = [
                Slot(
                    "replay",
                    dialect,
                    clients_label(clients),
                    self.http(main, replays(work[dialect, clients]), clients),
                )
                for dialect in TEMPLATES
            ]
            await self.rounds(slots)
            await self.verify(main, *(work[d, clients] for d in TEMPLATES))

    async def lines(self, main: Target) -> None:
        """One line captured from orders of 1 to 1,000 lines, one client."""
        slots, works = [], []
        for count, n in self.plan.lines.items():
            for dialect in TEMPLATES:
                work = await main.captures(dialect, n, article_lines(count))
                label = f"{count:,} line{'s' if count > 1 else ''}"
                slots.append(Slot("lines", dialect, label, self.http(main, work.jobs, 1)))
                works.append(work)
        await self.rounds(slots)
        await self.verify(main, *works)

    async def history(self, main: Target) -> None:
        """One capture of orders with 1 to 100 earlier captures, one client: orderdesk, and
        orderdesk's SQL on its own (raw asyncpg) on other orders of the same history."""
        slots, works = [], []
        for earlier, n in self.plan.history.items():
            label = f"{earlier:,} earlier capture{'s' if earlier > 1 else ''}"
            for dialect in TEMPLATES:
                work = await main.with_history(dialect, n, earlier)
                raw = await main.with_history(dialect, n + 1, earlier)
                await main.send(raw.jobs[:1], 1)  # a real answer to store under the raw keys
                stored = raw.answers[0]
                assert stored is not None
                rest = Captures(
                    dialect,
                    raw.jobs[1:],
                    raw.answers[1:],
                    raw.order_ids[1:],
                    raw.amount,
                    raw.chunks,
                )
                prepared = await baseline.prepare(
                    main.monitor, main.shop.client_id, rest, stored.body
                )
                slots.append(Slot("history", dialect, label, self.http(main, work.jobs, 1)))
                slots.append(Slot("history-raw", dialect, label, self.raw(main, prepared, 1, True)))
                works += [work, rest]
        await self.rounds(slots)
        await self.verify(main, *works)

    async def db_size(self) -> None:
        """The same captures on a database of ``db_sizes[0]`` orders and of ``db_sizes[1]``."""
        plan = self.plan
        slots, works = [], []
        for size in plan.db_sizes:
            target = await self.target(f"size{size}")
            template = (await self.warm(target, plan.db_warmup))["walley"]
            for dialect in TEMPLATES:
                work = await target.captures(dialect, plan.db_captures)
                label = f"{size:,} orders"
                slots.append(Slot("db-size", dialect, label, self.http(target, work.jobs, 1)))
                works.append((target, work))
            self.say(f"filling a database up to {size:,} orders")
            total = await bulk.fill(target.monitor, template.order_ids[0], size)
            if total != size:
                self.problems.append(f"the database holds {total:,} orders, not {size:,}")
        await self.rounds(slots)
        for target, work in works:
            await self.verify(target, work)

    def notified(
        self, target: Target, receiver: Receiver, dialect: str, on: bool, jobs: Sequence[Job]
    ) -> Callable[[int], Awaitable[Cell]]:
        """A part of ``jobs`` with the store's notifications on (to ``receiver``) or off. With
        them on, the part lasts until the receiver has got each of its captures'
        notifications: the rate is what the server sustains, deliveries included."""

        async def run(index: int) -> Cell:
            work = part(jobs, index, self.plan.rounds)
            await target.shop.notify(dialect, receiver.url if on else None)
            expected = len(receiver.received) + (len(work) if on else 0)
            cell = await target.send(work, self.plan.mid)
            start = time.perf_counter()
            deadline = start + 120
            while len(receiver.received) < expected and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            cell.wall += time.perf_counter() - start
            if len(receiver.received) != expected:
                cell.failures.append(f"{len(receiver.received)} notifications, not {expected}")
            return cell

        return run

    async def notifications(self) -> None:
        """Captures with notifications on against off, at ``plan.mid`` clients, in turns, on a
        server of their own; the orders are made with notifications off, so each capture
        sends one notification (Walley's signed)."""
        target = await self.target("notify")
        receiver = Receiver(keep_alive=True).start()
        try:
            await self.warm(target, self.plan.db_warmup)
            slots, works = [], []
            for dialect in TEMPLATES:
                for on in (False, True):
                    work = await target.captures(dialect, self.plan.notify_captures)
                    run = self.notified(target, receiver, dialect, on, work.jobs)
                    kind = "notify-on" if on else "notify-off"
                    slots.append(Slot(kind, dialect, clients_label(self.plan.mid), run))
                    works.append(work)
            await self.rounds(slots)
            await self.verify(target, *works)
        finally:
            receiver.stop()
            target.server.stop()

    async def close(self) -> None:
        for monitor in self.monitors:
            await monitor.close()
        for server in self.servers:
            server.stop()
        for url in self.databases:
            await drop_database(self.admin_url, url)

    async def main(self) -> None:
        try:
            main = await self.target("main")
            if self.only == "lines":
                await self.lines(main)
                await self.history(main)
                return
            if self.only == "notifications":
                main.server.stop()
                await self.notifications()
                return
            work = await self.throughput(main)
            await self.replay(main, work)
            if self.only == "tail":
                return
            await self.lines(main)
            await self.history(main)
            main.server.stop()
            await self.notifications()
            await self.db_size()
        finally:
            await self.close()


async def server_version(admin_url: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        version: str = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return f"PostgreSQL {version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a seconds-long version (CI)")
    parser.add_argument("--workers", type=int, default=2, help="orderdesk worker processes")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ORDERDESK_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="a PostgreSQL server where the benchmark may create and drop databases",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write results")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="before each measurement, wait up to this long for the machine to be idle"
        " (default: 60, with --smoke 0)",
    )
    parser.add_argument(
        "--lines-only",
        action="store_const",
        const="lines",
        dest="only",
        help="only the order-size figures (one line captured from orders of 1 to 1,000 lines,"
        " and from orders with 1 to 100 earlier captures)",
    )
    parser.add_argument(
        "--notifications-only",
        action="store_const",
        const="notifications",
        dest="only",
        help="only captures/s with notifications on ÷ off",
    )
    parser.add_argument(
        "--tail-only",
        action="store_const",
        const="tail",
        dest="only",
        help="only captures and replays at the most clients (p99 against raw PostgreSQL's"
        " and against the p50, the first request on a new connection)",
    )
    args = parser.parse_args(argv)

    plan = SMOKE if args.smoke else FULL
    if args.only == "tail":
        top = max(plan.levels)
        plan = replace(plan, captures={top: plan.captures[top]}, mid=top)
    out = args.results / time.strftime("%Y%m%d-%H%M%S")
    quiet = args.quiet_wait if args.quiet_wait is not None else (0.0 if args.smoke else 60.0)
    run = Run(plan, args.database_url, args.workers, out, quiet, args.only)
    started = time.monotonic()
    postgres = uvloop.run(server_version(args.database_url))
    uvloop.run(run.main())
    preamble = f"orderdesk with {run.workers} worker processes; {machine(postgres)}."
    if quiet:
        preamble += (
            f" Before each measurement the run waited for the machine to be idle (at most"
            f" {quiet:.0f} s; {run.waited:.0f} s in all beyond half a second each)."
        )
    report = render(run.results, preamble, plan.levels, plan.mid, plan.db_sizes)
    matched, matching_figures = matching.table(plan.matching, plan.matching_repeat)
    report += (
        "\n\n### Walley capture naming every line once: CPU in process (least of"
        f" {plan.matching_repeat})\n\n" + matched
    )
    print(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(report + "\n")
    figures = [
        {"kind": r.kind, "dialect": r.dialect, "label": r.label, **summary(r.cell)}
        for r in run.results
    ]
    (out / "results.json").write_text(
        json.dumps({"results": figures, "matching": matching_figures}, indent=1)
    )
    run.say(
        f"done in {time.monotonic() - started:.0f} s ({run.waited:.0f} s waiting for other"
        f" processes to finish); results in {out}"
    )
    if run.problems:
        print("\nFAILED:\n" + "\n".join(run.problems), file=sys.stderr)
        return 1
    return 0
