"""The benchmark's notification endpoint: a minimal asyncio HTTP/1.1 server in the load
generator's event loop that counts the POSTs it gets and answers each ``200`` over keep-alive.

It costs a few µs per notification; the threaded receiver of the tests
(``tests/support/receiver.py``: ``http.server``, a thread per connection, records every
header) cost the benchmark's process far more and took the interpreter's lock from the load
generator.
"""

from __future__ import annotations

import asyncio
from typing import cast

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


class Receiver:
    """Counts the requests with a body (``Content-Length``) that reach ``url``."""

    def __init__(self) -> None:
        self.received = 0
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hooks"

    async def start(self) -> Receiver:
        self.server = await asyncio.get_running_loop().create_server(
            lambda: _Protocol(self), "127.0.0.1", 0, backlog=512
        )
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class _Protocol(asyncio.Protocol):
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.receiver.received += 1
            assert self.transport is not None
            self.transport.write(ANSWER)
