"""The closed-loop load generator: N clients, each sending its next request when the last is done.

Every request is prepared beforehand and checked afterwards; a cell's latencies are the times
from writing a request to reading its whole response.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import astuple, dataclass, field
from typing import TypeVar

from bench import cpu
from bench.http import Connection, Response

T = TypeVar("T")

Check = Callable[[Response], str | None]
"""Returns None when the response is right, else what is wrong with it."""

Pids = Callable[[], Awaitable[tuple[list[int], list[int]]]]
"""The server's and PostgreSQL's process ids, read just before each CPU sample."""


@dataclass(frozen=True, slots=True)
class Job:
    raw: bytes
    check: Check


@dataclass(slots=True)
class Cell:
    """The outcome of one measurement: latencies in seconds, failures, and CPU use."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
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
    before = cpu.sample(server_pids, pg_pids)
    start = time.perf_counter()
    await asyncio.gather(*(loop(client) for client in range(concurrency)))
    cell.wall = time.perf_counter() - start
    server_pids, pg_pids = await pids() if pids else ([], [])
    cell.cpu = cpu.used(before, cpu.sample(server_pids, pg_pids))
    return cell


async def http_cell(
    host: str, port: int, jobs: Sequence[Job], concurrency: int, pids: Pids | None = None
) -> Cell:
    """Send ``jobs`` over ``concurrency`` keep-alive connections (opened before timing)."""
    connections = [await Connection.open(host, port) for _ in range(concurrency)]

    async def send(client: int, index: int) -> str | None:
        return jobs[index].check(await connections[client].send(jobs[index].raw))

    try:
        return await measure(concurrency, len(jobs), send, pids)
    finally:
        for connection in connections:
            await connection.close()
