"""``serve --workers 2`` deals a burst of keep-alive connections out to both workers
(``orderdesk/ops/accept.py``): before, one worker often accepted all of them."""

from __future__ import annotations

import os
import re
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.server import Server

pytestmark = pytest.mark.e2e


def workers_of(server: Server) -> list[int]:
    """The worker processes, as each logs itself (multiprocessing adds a helper process)."""
    return [
        int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", server.log.read_text())
    ]


def connections_by_worker(pids: list[int], client_ports: set[int]) -> Counter[int]:
    """How many of the clients' connections each process holds (Linux ``/proc``)."""
    owner = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owner[target[len("socket:[") : -1]] = pid
    held: Counter[int] = Counter()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port, inode = int(fields[2].split(":")[1], 16), fields[9]
        if remote_port in client_ports and inode in owner:
            held[owner[inode]] += 1
    return held


def burst(server: Server, count: int) -> list[socket.socket]:
    """``count`` connections opened at once, each then answered once (kept open)."""
    clients = [socket.create_connection((server.host, server.port)) for _ in range(count)]
    for client in clients:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
    for client in clients:
        assert client.recv(65536).startswith(b"HTTP/1.1 200 ")
    return clients


def close_and_wait(workers: list[int], clients: list[socket.socket]) -> None:
    """Close the clients and wait until the workers have closed their ends: a connection a
    worker has not yet seen close still counts towards its share of the next burst."""
    ports = {client.getsockname()[1] for client in clients}
    for client in clients:
        client.close()
    deadline = time.monotonic() + 5
    while sum(connections_by_worker(workers, ports).values()) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_burst_of_connections_reaches_both_workers(server: Server) -> None:
    workers = workers_of(server)
    assert len(workers) == 2
    log = server.log.read_text()
    for pid in workers:  # each worker accepts through orderdesk's listener
        assert f"worker {pid} accepts on the shared socket" in log, log[-3000:]
    close_and_wait(workers, burst(server, 8))  # a worker may still be starting to listen
    splits = []
    for _ in range(3):
        clients = burst(server, 8)
        try:
            ports = {client.getsockname()[1] for client in clients}
            held = connections_by_worker(workers, ports)
            assert sum(held.values()) == 8, held
            splits.append([*sorted(held.values(), reverse=True), 0])
        finally:
            close_and_wait(workers, clients)
    assert all(split[0] <= 5 for split in splits), splits  # 4/4, at worst 5/3
    clients = burst(server, 32)
    try:
        held = connections_by_worker(workers, {client.getsockname()[1] for client in clients})
    finally:
        close_and_wait(workers, clients)
    assert sorted(held.values()) in ([16, 16], [15, 17]), held
