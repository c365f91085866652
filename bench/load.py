"""The closed-loop load generator: N clients, each sending its next request when the last is done.

Every request is prepared beforehand and checked afterwards; a cell's latencies are the times
from writing a request to reading its whole response. Connections are opened, and answer one
untimed request each, before timing starts (as the raw PostgreSQL baseline connects first);
that first request is measured on its own. Objects made during set-up are frozen out of the
garbage collector, whose full collections otherwise grew to ~240 ms over a run and set the
p99 of the cells they landed in.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import astuple, dataclass, field
from typing import TypeVar

from bench import cpu
from bench.http import Connection, Response, request_bytes

T = TypeVar("T")

Check = Callable[[Response], str | None]
"""Returns None when the response is right, else what is wrong with it."""

#: The untimed first request on each connection (any answer with a ``Content-Length`` will do).
FIRST = request_bytes("GET", "/healthz")

Pids = Callable[[], Awaitable[tuple[list[int], list[int]]]]
"""The server's and PostgreSQL's process ids, read just before each CPU sample."""


@dataclass(frozen=True, slots=True)
class Job:
    raw: bytes
    check: Check


@dataclass(slots=True)
class Cell:
    """The outcome of one measurement: latencies in seconds, failures, and CPU use; ``first``:
    the seconds from opening each connection to the answer of its first, untimed request."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: cpu.CpuUse | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall if self.wall else 0.0


def part(items: Sequence[T], index: int, parts: int) -> Sequence[T]:
    """The ``index``-th of ``parts`` nearly equal consecutive slices of ``items``."""
    return items[index * len(items) // parts : (index + 1) * len(items) // parts]


def merge(cells: Sequence[Cell]) -> Cell:
    """Several runs of the same measurement as one (wall times and CPU use add up)."""
    merged = Cell(cells[0].concurrency)
    for cell in cells:
        merged.latencies += cell.latencies
        merged.first += cell.first
        merged.failures += cell.failures
        merged.wall += cell.wall
    uses = [cell.cpu for cell in cells if cell.cpu is not None]
    if uses:
        merged.cpu = cpu.CpuUse(*(sum(values) for values in zip(*map(astuple, uses), strict=True)))
    return merged


async def measure(
    concurrency: int,
    n: int,
    send: Callable[[int, int], Awaitable[str | None]],
    pids: Pids | None = None,
) -> Cell:
    """Run ``send(client, i)`` for i in 0..n-1 from ``concurrency`` clients and time each."""
    cell = Cell(concurrency)
    next_index = 0

    async def loop(client: int) -> None:
        nonlocal next_index
        while next_index < n:
            index = next_index
            next_index += 1
            start = time.perf_counter()
            try:
                problem = await send(client, index)
            except Exception as exc:  # a dropped connection is a failed request, not a crash
                problem = f"{type(exc).__name__}: {exc}"
            cell.latencies.append(time.perf_counter() - start)
            if problem is not None:
                cell.failures.append(f"#{index}: {problem}")

    server_pids, pg_pids = await pids() if pids else ([], [])
    gc.collect()
    gc.freeze()  # what set-up made is never scanned again by the timed loop's collections
    before = cpu.sample(server_pids, pg_pids)
    start = time.perf_counter()
    await asyncio.gather(*(loop(client) for client in range(concurrency)))
    cell.wall = time.perf_counter() - start
    server_pids, pg_pids = await pids() if pids else ([], [])
    cell.cpu = cpu.used(before, cpu.sample(server_pids, pg_pids))
    return cell


async def opened(host: str, port: int) -> tuple[Connection, float]:
    """A new connection that has answered :data:`FIRST`, and the seconds that took."""
    start = time.perf_counter()
    connection = await Connection.open(host, port)
    await connection.send(FIRST)
    return connection, time.perf_counter() - start


async def http_cell(
    host: str, port: int, jobs: Sequence[Job], concurrency: int, pids: Pids | None = None
) -> Cell:
    """Send ``jobs`` over ``concurrency`` keep-alive connections, opened together (as a
    client's pool opens them) and each answering one untimed request before timing."""
    ready = await asyncio.gather(*(opened(host, port) for _ in range(concurrency)))
    connections = [connection for connection, _ in ready]

    async def send(client: int, index: int) -> str | None:
        return jobs[index].check(await connections[client].send(jobs[index].raw))

    try:
        cell = await measure(concurrency, len(jobs), send, pids)
        cell.first = [seconds for _, seconds in ready]
        return cell
    finally:
        for connection in connections:
            await connection.close()
