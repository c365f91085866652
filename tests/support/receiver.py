"""A real HTTP server standing in for a shop's notification endpoint.

It runs in a thread, records every request (time, path, body) and answers with the next of
``statuses`` (then ``default``), after ``delay`` seconds when one is set.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import orjson

from tests.support import loopback


@dataclass
class Received:
    at: float
    path: str  # the request target: path and query
    method: str
    body: bytes
    headers: dict[str, str]
    status: int = 0  # what the receiver answered

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    default: int = 200
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    keep_alive: bool = False  # HTTP/1.1 connections kept open, as a shop's web server keeps them
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{loopback.base_url(self.server)}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(loopback.Quiet):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"
            disable_nagle_algorithm = True  # the body is written apart from the headers

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
                    receiver.received.append(
                        Received(
                            time.monotonic(),
                            self.path,
                            self.command,
                            body,
                            {k.lower(): v for k, v in self.headers.items()},
                            status,
                        )
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = loopback.start(Handler)
        return self

    def stop(self) -> None:
        loopback.stop(self.server)

    def bodies(self, where: Callable[[Any], bool] = lambda doc: True) -> list[Any]:
        with self.lock:
            docs = [r.json() for r in self.received]
        return [doc for doc in docs if where(doc)]

    async def wait_for_requests(self, count: int, timeout: float = 15) -> list[Received]:
        """The requests received once there are at least ``count`` (any method, any body)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = list(self.received)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} requests arrived")
            await asyncio.sleep(0.05)

    async def wait_for(
        self, count: int, where: Callable[[Any], bool] = lambda doc: True, timeout: float = 15
    ) -> list[Any]:
        """The bodies matching ``where`` once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.bodies(where)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} notifications arrived: {found}")
            await asyncio.sleep(0.05)
