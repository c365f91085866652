"""Where the CPU went during a measurement: the load generator, the server, PostgreSQL, others.

Read from ``/proc`` (Linux): each process's run time and the machine's busy time. The
"other" share is whatever the machine did that none of the three did — other people's work
on a shared machine, which would disturb the numbers and is therefore reported.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def process_seconds(pid: int) -> float:
    """CPU seconds a process's threads have run (``schedstat``, in ns); 0 once it is gone.

    Not ``/proc/<pid>/stat``: its clock ticks are 10 ms, and a young process that ran for
    less than one tick during a measurement would look idle.
    """
    total = 0
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total / 1e9


def descendants(root: int) -> set[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = {root}, [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the machine's processes used (user, nice, system, steal), summed over cores.

    Interrupt time is left out: on this path it is mostly the loopback traffic of the
    processes measured, and it cannot be attributed to one of them.
    """
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = (
        int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + steal) / _TICK


@dataclass(frozen=True, slots=True)
class CpuSample:
    wall: float
    client: float
    server: dict[int, float]
    postgres: dict[int, float]
    machine: float


def sample(server_pids: Iterable[int], postgres_pids: Iterable[int]) -> CpuSample:
    return CpuSample(
        wall=time.perf_counter(),
        client=time.process_time(),
        server={pid: process_seconds(pid) for pid in server_pids},
        postgres={pid: process_seconds(pid) for pid in postgres_pids},
        machine=machine_busy_seconds(),
    )


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds each party used between two samples, and the wall time between them."""

    wall: float
    client: float
    server: float
    postgres: float
    other: float


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """Processes that appeared in between (new pool connections) count from zero."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def used(before: CpuSample, after: CpuSample) -> CpuUse:
    client = after.client - before.client
    server = _delta(before.server, after.server)
    postgres = _delta(before.postgres, after.postgres)
    machine = after.machine - before.machine
    return CpuUse(
        wall=after.wall - before.wall,
        client=client,
        server=server,
        postgres=postgres,
        other=max(0.0, machine - client - server - postgres),
    )


async def wait_until_quiet(timeout: float, limit: float = 0.2, window: float = 0.5) -> float:
    """Wait (at most ``timeout`` s) for a ``window`` in which the machine used < ``limit`` cores.

    Between measurements the servers under test are idle, so whatever runs then is someone
    else's work. Returns the seconds waited beyond the one window every call takes.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = machine_busy_seconds()
        await asyncio.sleep(window)
        if machine_busy_seconds() - before < limit * window:
            break
    return max(0.0, time.monotonic() - started - window)
