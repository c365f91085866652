"""Response header names written as the providers' servers write them: ``Content-Type``,
``Location``, ``Capture-Id`` — not uvicorn's lower case.

HTTP header names are case-insensitive, but real clients are not: a provider's PHP SDK looks up
``Content-Type`` and ``Location`` with that spelling in the header map its Guzzle connector
fills from the answer. Starlette and uvicorn keep names lower-case, so the head of each
answer is re-cased here, on its way to the socket: the first write of each request's
answer, which uvicorn always makes the status line and the headers, nothing else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

STATUS_LINE = b"HTTP/1.1 "
# uvicorn writes status lines for 100-599 only; a provider may answer with its own three-digit
# status (a business error is HTTP 900 in one checkout API), sent with no reason phrase.
for _code in range(600, 1000):
    httptools_impl.STATUS_LINE.setdefault(_code, b"HTTP/1.1 %d \r\n" % _code)
CONTINUE = b"HTTP/1.1 100 "


def canonical(name: bytes) -> bytes:
    """``content-type`` → ``Content-Type``."""
    return b"-".join(part[:1].upper() + part[1:] for part in name.split(b"-"))


def recased(head: bytes) -> bytes:
    """An answer's status line and headers with every header name in canonical case."""
    lines = head.split(b"\r\n")
    for index in range(1, len(lines)):
        name, colon, rest = lines[index].partition(b":")
        if colon:
            lines[index] = canonical(name) + colon + rest
    return b"\r\n".join(lines)


class _HeadRecased:
    """A request's transport that re-cases its answer's head (the first write that is
    not a ``100 Continue``) and passes everything else through."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head_written = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._head_written:
            raw = bytes(data)
            if raw.startswith(STATUS_LINE) and not raw.startswith(CONTINUE):
                self._head_written = True
                data = recased(raw)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CanonicalHeaders(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing each answer's header names in canonical case."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and not isinstance(cycle.transport, _HeadRecased):
            cycle.transport = _HeadRecased(cycle.transport)  # type: ignore[assignment]
