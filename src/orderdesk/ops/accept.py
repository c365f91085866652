"""Spreading new connections over ``serve``'s worker processes.

With ``--workers N`` uvicorn's workers share one listening socket, and the event loop that
wakes first accepts every connection waiting. Keep-alive clients (a shop's HTTP client, a
proxy, the benchmark) open their connections in a burst and then keep them, so one worker
often got all of them and served every request while the others idled: 8 of 8 connections
in 4 of 5 tries (``docs/benchmarks.md``).

Here each worker accepts for itself (uvicorn's documented ``loop`` setting names
:func:`balanced_loop`). Each worker publishes how many connections it holds in its slot of
:class:`Slots`, a block of memory ``serve`` shares with its workers. When the socket is
readable a worker reads the connections waiting (the listening socket's ``TCP_INFO``) and
accepts at once, in one go, up to its fair share of all held and waiting ones. Only a worker
already holding its share waits (:data:`WAIT`), so that one below its share takes the
connection. Where the slots or ``TCP_INFO`` are missing (not Linux), a worker waits
:data:`DELAY_PER_CONNECTION` per connection it holds (at most :data:`MAX_DELAY`) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import mmap
import os
import socket
import struct
import weakref
from collections.abc import Callable, Iterator
from os import getpid
from typing import Any

import uvloop

log = logging.getLogger("orderdesk.accept")

#: The environment variable naming the slots for the worker processes (set by ``serve``).
SLOTS_ENV = "ORDERDESK_ACCEPT_SLOTS"
WAIT = 0.01
DELAY_PER_CONNECTION = 0.001
MAX_DELAY = 0.01
#: Accept errors that only end one connection attempt (the client gave up): try the next.
_GONE = (ConnectionAbortedError, BlockingIOError, InterruptedError)
#: A slot: the worker's process id and the connections it holds.
_SLOT = struct.Struct("qq")
#: ``struct tcp_info``: on a listening socket ``tcpi_unacked`` is the accept queue's length.
_TCP_INFO_SIZE = 104
_UNACKED = struct.Struct("I")
_UNACKED_OFFSET = 24


@contextlib.contextmanager
def shared_slots(workers: int) -> Iterator[None]:
    """One slot per worker in an anonymous file (``memfd``) that the workers open through
    ``/proc``: nothing is left on disk, even when ``serve`` is killed. Without ``memfd``
    (not Linux) the workers fall back to waiting per connection held."""
    if not hasattr(os, "memfd_create"):
        yield
        return
    fd = os.memfd_create("orderdesk-accept", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, workers * _SLOT.size)
        os.environ[SLOTS_ENV] = f"/proc/{getpid()}/fd/{fd}"
        yield
    finally:
        os.environ.pop(SLOTS_ENV, None)
        os.close(fd)


class Slots:
    """This worker's slot and a view of all the others'."""

    def __init__(self, memory: mmap.mmap, index: int) -> None:
        self.memory = memory
        self.offset = index * _SLOT.size
        self.workers = len(memory) // _SLOT.size

    @classmethod
    def claim(cls) -> Slots | None:
        """A free slot (never used, or its worker is gone) of those ``serve`` made."""
        path = os.environ.get(SLOTS_ENV)
        if not path:
            return None
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            log.warning("cannot open the shared accept slots at %s", path)
            return None
        try:
            memory = mmap.mmap(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_EX)  # workers starting together take different slots
            try:
                for index, (pid, _) in enumerate(_SLOT.iter_unpack(memory)):
                    if pid == 0 or not _alive(pid):
                        _SLOT.pack_into(memory, index * _SLOT.size, getpid(), 0)
                        return cls(memory, index)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)  # the mapping keeps the file, and so the lock
            memory.close()
            return None
        finally:
            os.close(fd)

    def publish(self, held: int) -> None:
        _SLOT.pack_into(self.memory, self.offset, getpid(), held)

    def total(self) -> int:
        """Connections held by all workers, as they last published them."""
        return sum(held for _, held in _SLOT.iter_unpack(self.memory))

    def release(self) -> None:
        _SLOT.pack_into(self.memory, self.offset, 0, 0)
        self.memory.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def waiting(sock: socket.socket) -> int | None:
    """Connections in the listening socket's accept queue (Linux), else None."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, option, _TCP_INFO_SIZE)
    except OSError:
        return None
    (queued,) = _UNACKED.unpack_from(info, _UNACKED_OFFSET)
    return int(queued)


class BalancedListener:
    """Accepts on a shared listening socket up to this worker's fair share; what uvicorn
    needs of an ``asyncio.Server`` (``close``, ``wait_closed``)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol_factory: Callable[[], asyncio.Protocol],
        sock: socket.socket,
        slots: Slots | None,
    ) -> None:
        self.loop = loop
        self.protocol_factory = protocol_factory
        self.sockets = [sock]
        self.fd = sock.fileno()
        self.slots = slots
        self.held: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()
        self.task = loop.create_task(self.accept_forever(sock))

    def holding(self) -> int:
        """Connections this worker holds that are still open."""
        return sum(1 for transport in self.held if not transport.is_closing())

    def publish(self) -> int:
        """Count the connections held, and tell the other workers; the count."""
        held = self.holding()
        if self.slots is not None:
            self.slots.publish(held)
        return held

    async def turn(self, sock: socket.socket) -> bool:
        """Whether to accept a connection: at once when one waits and this worker holds
        less than its fair share of all held and waiting, else after giving the others
        time to take it; False when none waits."""
        held = self.publish()
        queued = waiting(sock)
        if self.slots is None or queued is None:
            delay = min(held * DELAY_PER_CONNECTION, MAX_DELAY)
        elif queued == 0:
            return False
        elif held < -(-(self.slots.total() + queued) // self.slots.workers):
            delay = 0.0
        else:
            delay = WAIT
        if delay:
            await asyncio.sleep(delay)  # a less busy worker may take it meanwhile
        return True

    async def accept_forever(self, sock: socket.socket) -> None:
        while True:
            await self.readable()
            while await self.turn(sock) and await self.accept(sock):
                pass

    async def accept(self, sock: socket.socket) -> bool:
        """Take over one waiting connection; False when none was waiting."""
        try:
            conn, _ = sock.accept()
        except _GONE:
            return False  # another worker took it, or the client left
        except OSError:  # out of file descriptors, …: wait, do not spin
            log.exception("accepting a connection failed")
            await asyncio.sleep(0.1)
            return False
        try:
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            transport, _ = await self.loop.connect_accepted_socket(self.counted, conn)
        except Exception:  # one connection lost (reset at once, …): keep accepting others
            log.exception("taking over an accepted connection failed")
            conn.close()
            return True
        self.held.add(transport)
        return True

    def counted(self) -> asyncio.Protocol:
        """The server's protocol, also telling the other workers when its connection ends
        (a count left high would make them take more than their share of the next burst)."""
        protocol = self.protocol_factory()
        lost = protocol.connection_lost

        def connection_lost(exc: Exception | None) -> None:
            lost(exc)
            self.publish()

        protocol.connection_lost = connection_lost  # type: ignore[method-assign]
        return protocol

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
        if self.slots is not None:
            self.slots.release()
            self.slots = None

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
        slots = Slots.claim()
        log.info(
            "worker %d accepts on the shared socket, %s",
            getpid(),
            "its fair share at once" if slots else "the least busy worker first",
        )
        return BalancedListener(self, protocol_factory, sock, slots)


def balanced_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's ``loop`` setting for ``serve --workers N`` (N > 1)."""
    return BalancedLoop()
