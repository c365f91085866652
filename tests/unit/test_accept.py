"""Workers sharing one listening socket deal a burst of connections out evenly
(``orderdesk/ops/accept.py``), with real sockets: two listeners stand for two workers."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator

import pytest

from orderdesk.ops import accept
from orderdesk.ops.accept import SLOTS_ENV, BalancedListener, BalancedLoop, shared_slots


class Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[attr-defined]


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def worker_socket(sock: socket.socket) -> socket.socket:
    """The listening socket as a worker process holds it: its own descriptor of the same
    socket (one loop watches a descriptor once, so two listeners need two)."""
    return sock.dup()


def connect(sock: socket.socket, count: int) -> list[socket.socket]:
    """``count`` clients, connected before anyone accepts: a burst waiting in the backlog."""
    sock.listen(64)
    clients = []
    for _ in range(count):
        client = socket.create_connection(sock.getsockname())
        clients.append(client)
    return clients


def run(coroutine_factory: object) -> None:
    loop = BalancedLoop()
    try:
        loop.run_until_complete(coroutine_factory())  # type: ignore[operator]
    finally:
        loop.close()


async def wait_for(predicate: object, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.001)


def test_a_burst_of_connections_is_dealt_out_evenly(listening: socket.socket) -> None:
    clients = connect(listening, 8)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        workers = [await loop.create_server(Echo, sock=worker_socket(listening)) for _ in range(2)]
        assert all(isinstance(w, BalancedListener) for w in workers)
        await wait_for(lambda: sum(w.holding() for w in workers) == 8)
        assert sorted(w.holding() for w in workers) == [4, 4]
        for w in workers:
            w.close()
            await w.wait_closed()

    try:
        run(scenario)
    finally:
        for client in clients:
            client.close()


@pytest.mark.parametrize(("count", "workers"), [(8, 2), (8, 3), (32, 2), (32, 3)])
@pytest.mark.parametrize("queued", [True, False], ids=["queued", "arriving"])
def test_with_shared_slots_each_worker_takes_its_fair_share_of_a_burst(
    listening: socket.socket, count: int, workers: int, queued: bool
) -> None:
    """Connections already waiting, or arriving one after another while the workers listen:
    each worker ends with its fair share (8 over 3: 3, 3 and 2), as ``serve`` sets them up."""
    clients = connect(listening, count if queued else 0)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        listeners = [
            await loop.create_server(Echo, sock=worker_socket(listening)) for _ in range(workers)
        ]
        assert all(w.slots is not None for w in listeners)
        if not queued:
            for _ in range(count):
                address = listening.getsockname()
                clients.append(await loop.run_in_executor(None, socket.create_connection, address))
        await wait_for(lambda: sum(w.holding() for w in listeners) == count)
        fair = [count // workers + (i < count % workers) for i in range(workers)]
        assert sorted(w.holding() for w in listeners) == sorted(fair)
        for w in listeners:
            w.close()
            await w.wait_closed()

    try:
        with shared_slots(workers):
            run(scenario)
    finally:
        for client in clients:
            client.close()


def test_shared_slots_leave_nothing_behind(listening: socket.socket) -> None:
    """The slots live in memory named by ``serve``'s own descriptor: gone with it."""
    with shared_slots(2):
        path = os.environ[SLOTS_ENV]
        assert os.path.exists(path)
    assert SLOTS_ENV not in os.environ
    assert not os.path.exists(path)


def test_an_accepted_connection_is_served_and_stops_counting_when_closed(
    listening: socket.socket,
) -> None:
    [client] = connect(listening, 1)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        worker = await loop.create_server(Echo, sock=listening)
        await wait_for(lambda: worker.holding() == 1)
        await loop.run_in_executor(None, client.sendall, b"ping")
        assert await loop.run_in_executor(None, client.recv, 4) == b"ping"
        client.close()
        await wait_for(lambda: worker.holding() == 0)
        worker.close()
        await worker.wait_closed()

    run(scenario)


def test_the_less_busy_worker_takes_each_new_connection(
    listening: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker holds 3 connections, the other none: each of the next 3 connections, one
    at a time, goes to the one holding fewer (it waits k × 50 ms, the busy one 150 ms)."""
    monkeypatch.setattr(accept, "DELAY_PER_CONNECTION", 0.05)
    monkeypatch.setattr(accept, "MAX_DELAY", 1.0)
    first = connect(listening, 3)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        busy = await loop.create_server(Echo, sock=worker_socket(listening))
        await wait_for(lambda: busy.holding() == 3)
        free = await loop.create_server(Echo, sock=worker_socket(listening))
        later = []
        for held in range(1, 4):
            later.append(socket.create_connection(listening.getsockname()))
            await wait_for(lambda held=held: free.holding() == held)  # type: ignore[misc]
            await asyncio.sleep(0.2)  # the busy worker's wait for this one is over
            assert busy.holding() == 3
        for worker in (busy, free):
            worker.close()
            await worker.wait_closed()
        for client in later:
            client.close()

    try:
        run(scenario)
    finally:
        for client in first:
            client.close()


def test_a_connection_that_cannot_be_taken_over_does_not_stop_the_listener(
    listening: socket.socket,
) -> None:
    failures = [RuntimeError("the first protocol cannot be made")]

    def protocol() -> asyncio.Protocol:
        if failures:
            raise failures.pop()
        return Echo()

    [first] = connect(listening, 1)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        worker = await loop.create_server(protocol, sock=listening)
        await wait_for(lambda: not failures)
        second = socket.create_connection(listening.getsockname())
        await wait_for(lambda: worker.holding() == 1)
        await loop.run_in_executor(None, second.sendall, b"ping")
        assert await loop.run_in_executor(None, second.recv, 4) == b"ping"
        second.close()
        worker.close()
        await worker.wait_closed()

    try:
        run(scenario)
    finally:
        first.close()


def test_a_closed_listener_accepts_nothing_more(listening: socket.socket) -> None:
    connect(listening, 0)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        worker = await loop.create_server(Echo, sock=listening)
        worker.close()
        await worker.wait_closed()
        client = socket.create_connection(listening.getsockname())
        await asyncio.sleep(0.05)
        assert worker.holding() == 0
        client.close()

    run(scenario)


def test_servers_on_a_host_and_port_stay_uvloops_own() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        assert not isinstance(server, BalancedListener)
        server.close()
        await server.wait_closed()

    run(scenario)
