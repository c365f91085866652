"""Spreading new connections over ``serve``'s worker processes.

With ``--workers N`` uvicorn's workers share one listening socket, and the event loop that
wakes first accepts every connection waiting. Keep-alive clients (a shop's HTTP client, a
proxy, the benchmark) open their connections in a burst and then keep them, so one worker
often got all of them and served every request while the others idled: 8 of 8 connections
in 4 of 5 tries (``docs/benchmarks.md``).

Here each worker accepts for itself (uvicorn's documented ``loop`` setting names
:func:`balanced_loop`): when the socket is readable a worker waits
:data:`DELAY_PER_CONNECTION` for every connection it already holds (at most
:data:`MAX_DELAY`) before it accepts, so the least busy worker takes the connection and a
burst is dealt out about evenly. A worker holding none accepts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import weakref
from collections.abc import Callable
from os import getpid
from typing import Any

import uvloop

log = logging.getLogger("orderdesk.accept")

DELAY_PER_CONNECTION = 0.001
MAX_DELAY = 0.01
#: Accept errors that only end one connection attempt (the client gave up): try the next.
_GONE = (ConnectionAbortedError, BlockingIOError, InterruptedError)


class BalancedListener:
    """Accepts on a shared listening socket, leaving each connection to the least busy
    worker; what uvicorn needs of an ``asyncio.Server`` (``close``, ``wait_closed``)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol_factory: Callable[[], asyncio.Protocol],
        sock: socket.socket,
    ) -> None:
        self.loop = loop
        self.protocol_factory = protocol_factory
        self.sockets = [sock]
        self.fd = sock.fileno()
        self.held: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()
        self.task = loop.create_task(self.accept_forever(sock))

    def holding(self) -> int:
        """Connections this worker holds that are still open."""
        return sum(1 for transport in self.held if not transport.is_closing())

    async def accept_forever(self, sock: socket.socket) -> None:
        while True:
            await self.readable()
            waiting = min(self.holding() * DELAY_PER_CONNECTION, MAX_DELAY)
            if waiting:
                await asyncio.sleep(waiting)  # a less busy worker may take it meanwhile
            try:
                conn, _ = sock.accept()
            except _GONE:
                continue  # another worker took it, or the client left
            except OSError:  # out of file descriptors, …: wait, do not spin
                log.exception("accepting a connection failed")
                await asyncio.sleep(0.1)
                continue
            try:
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                transport, _ = await self.loop.connect_accepted_socket(self.protocol_factory, conn)
            except Exception:  # one connection lost (reset at once, …): keep accepting others
                log.exception("taking over an accepted connection failed")
                conn.close()
                continue
            self.held.add(transport)

    async def readable(self) -> None:
        ready: asyncio.Future[None] = self.loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self.loop.add_reader(self.fd, wake)
        try:
            await ready
        finally:
            self.loop.remove_reader(self.fd)

    def close(self) -> None:
        """Stop accepting now (uvicorn closes the socket right after)."""
        self.loop.remove_reader(self.fd)
        self.task.cancel()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


class BalancedLoop(uvloop.Loop):
    """uvloop, except that a server on a socket handed over (uvicorn's workers) is a
    :class:`BalancedListener`; every other server is uvloop's own."""

    async def create_server(  # type: ignore[override]
        self, protocol_factory: Callable[[], asyncio.Protocol], *args: Any, **kwargs: Any
    ) -> Any:
        sock = kwargs.get("sock")
        if args or sock is None or kwargs.get("ssl") is not None:
            return await super().create_server(protocol_factory, *args, **kwargs)
        sock.listen(kwargs.get("backlog", 100))
        sock.setblocking(False)
        log.info("worker %d accepts on the shared socket, the least busy worker first", getpid())
        return BalancedListener(self, protocol_factory, sock)


def balanced_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's ``loop`` setting for ``serve --workers N`` (N > 1)."""
    return BalancedLoop()
