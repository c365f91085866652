"""The delivery worker's HTTP/1.1 client: a request (a POST, or a callback's GET) per delivery
over keep-alive connections kept per target (scheme, host, port), no redirects followed, no
proxy, at most a few KB of an answer read (a delivery counts only its status; a checkout's
validation hook reads the whole answer, ``exchange``).

httpx cost about 1 ms of CPU per delivery, more than the capture that queued it; this costs
about 60 µs (docs/benchmarks.md, "Notifications on against off").
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from orderdesk.domain.checkout import HookAnswer

_DEFAULT_PORTS = {"http": 80, "https": 443}
# What a request target may hold unescaped (RFC 3986 pchar, "/" and "?", and "%" of escapes
# already there); anything else — spaces, non-ASCII — is percent-encoded, as httpx did.
_TARGET_SAFE = "/?:@!$&'()*+,;=-._~%"
_NO_BODY = frozenset({204, 304})


class AnswerError(ValueError):
    """The server's answer is not HTTP/1.x."""


@dataclass(frozen=True, slots=True)
class Address:
    """Where a URL's requests go; idle connections are kept per address."""

    secure: bool
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A URL as a request needs it: where to connect, the request target and its first
    headers (``Host``, and ``Authorization`` from the URL's user and password)."""

    address: Address
    target: str
    headers: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1024)
def endpoint(url: str) -> Endpoint:
    """The endpoint of an ``http(s)://`` URL (ValueError for any other)."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.encode("idna").decode("ascii")
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    shown = f"[{host}]" if ":" in host else host
    headers = [("Host", shown if port == _DEFAULT_PORTS[parts.scheme] else f"{shown}:{port}")]
    if parts.username is not None:
        user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers.append(("Authorization", "Basic " + base64.b64encode(user.encode()).decode()))
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    return Endpoint(Address(parts.scheme == "https", host, port), target, tuple(headers))


def request_head(endpoint: Endpoint, headers: list[tuple[str, str]], method: str = "POST") -> bytes:
    """The request line and ``headers`` of a request to ``endpoint``, as sent."""
    lines = [f"{method} {endpoint.target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float, keep_idle: float) -> bool:
        """Whether an idle connection may carry the next request: not closed by the server
        meanwhile and not idle too long."""
        return (
            now - self.idle_since < keep_idle
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        self.writer.close()


class HookClient:
    """POSTs over keep-alive connections: at most ``per_address`` idle ones kept per address,
    each for at most ``keep_idle`` seconds."""

    def __init__(self, keep_idle: float = 5.0, per_address: int = 32) -> None:
        self.keep_idle = keep_idle
        self.per_address = per_address
        self.idle: dict[Address, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, endpoint: Endpoint, head: bytes, body: bytes, max_answer: int) -> int:
        """Send the request and read its answer (at most ``max_answer`` bytes of its body);
        the answer's status. A kept connection that the server closed before answering is
        replaced by a new one once (it had not read the request); OSError, AnswerError."""
        return (await self.exchange(endpoint, head, body, max_answer)).status

    async def exchange(
        self, endpoint: Endpoint, head: bytes, body: bytes, max_answer: int
    ) -> HookAnswer:
        """As :meth:`post`, the whole answer: status, headers and (up to ``max_answer``
        bytes of) body."""
        connection = self._idle(endpoint.address)
        if connection is not None:
            try:
                return await self._exchange(connection, endpoint.address, head, body, max_answer)
            except _ClosedUnanswered:
                pass
        connection = await self._open(endpoint.address)
        try:
            return await self._exchange(connection, endpoint.address, head, body, max_answer)
        except _ClosedUnanswered as exc:
            raise ConnectionError("the server closed the connection without answering") from exc

    def _idle(self, address: Address) -> _Connection | None:
        kept = self.idle.get(address)
        now = time.monotonic()
        while kept:
            connection = kept.pop()
            if connection.usable(now, self.keep_idle):
                return connection
            connection.close()
        return None

    async def _open(self, address: Address) -> _Connection:
        tls: ssl.SSLContext | None = None
        if address.secure:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(address.host, address.port, ssl=tls)
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, address: Address, head: bytes, body: bytes, limit: int
    ) -> HookAnswer:
        keep = False
        try:
            connection.writer.write(head + body)
            answer, keep = await _answer(connection.reader, limit)
        finally:
            if keep:
                connection.idle_since = time.monotonic()
                kept = self.idle.setdefault(address, [])
                if len(kept) < self.per_address:
                    kept.append(connection)
                else:
                    connection.close()
            else:
                connection.close()
        return answer

    async def close(self) -> None:
        for kept in self.idle.values():
            for connection in kept:
                connection.close()
        self.idle.clear()


class _ClosedUnanswered(ConnectionError):
    """The connection ended before the first byte of an answer."""


async def _answer(reader: asyncio.StreamReader, limit: int) -> tuple[HookAnswer, bool]:
    """Read an answer, and whether the connection can carry another request."""
    try:
        line = await reader.readline()
    except ConnectionResetError as exc:
        raise _ClosedUnanswered() from exc
    if not line:
        raise _ClosedUnanswered()
    while True:
        version, status, fields = await _head(reader, line)
        if not 100 <= status < 200:
            break
        line = await reader.readline()  # an interim answer (100 Continue …): the next one
    keep = version == b"HTTP/1.1" and fields.get(b"connection", b"").lower() != b"close"
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in fields.items()}
    if status in _NO_BODY:
        return HookAnswer(status, headers, b""), keep
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        body, whole = await _chunks(reader, limit)
        return HookAnswer(status, headers, body), keep and whole
    length = fields.get(b"content-length")
    if length is None:  # the body runs to the end of the connection
        return HookAnswer(status, headers, await reader.read(limit)), False
    size = _number(length, 10)
    if size > limit:
        return HookAnswer(status, headers, b""), False  # not worth reading: the connection goes
    return HookAnswer(status, headers, await reader.readexactly(size)), keep


async def _head(reader: asyncio.StreamReader, line: bytes) -> tuple[bytes, int, dict[bytes, bytes]]:
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise AnswerError(f"not an HTTP/1.x answer: {line[:80]!r}")
    fields: dict[bytes, bytes] = {}
    while True:
        field = await reader.readline()
        if not field:
            raise AnswerError("the answer's headers end early")
        if field in (b"\r\n", b"\n"):
            return parts[0], int(parts[1]), fields
        name, _, value = field.partition(b":")
        fields[name.strip().lower()] = value.strip()


async def _chunks(reader: asyncio.StreamReader, limit: int) -> tuple[bytes, bool]:
    """Read a chunked body up to ``limit`` bytes: what was read, and whether to its end."""
    read: list[bytes] = []
    seen = 0
    while True:
        size = _number((await reader.readline()).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return b"".join(read), True
        seen += size
        if seen > limit:
            return b"".join(read), False
        read.append((await reader.readexactly(size + 2))[:-2])


def _number(text: bytes, base: int) -> int:
    if not text.isalnum():
        raise AnswerError(f"not a length: {text[:40]!r}")
    return int(text, base)
