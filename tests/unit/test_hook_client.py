"""The delivery worker's HTTP client (``service/hook_client.py``) through ``Sender``, against a
real HTTP server on a socket: keep-alive connections, answers of every shape, failures, and
its cost per delivery."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from orderdesk.domain.checkout import HookAnswer
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service.hook_client import HookClient, endpoint, request_head
from orderdesk.service.outbox import Sender, request_headers
from orderdesk.store.outbox import Attempt, Claimed

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
Answer = Callable[[bytes], bytes | None]  # a request's head → the answer's bytes (None: none)


class Shop:
    """A shop's endpoint: answers each request with ``answer(head)``; counts connections."""

    def __init__(self, answer: Answer = lambda head: OK) -> None:
        self.answer = answer
        self.connections = 0
        self.heads: list[bytes] = []
        self.transports: list[asyncio.Transport] = []

    async def start(self) -> asyncio.Server:
        shop = self

        class Protocol(asyncio.Protocol):
            buffer = b""

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                shop.connections += 1
                self.transport: asyncio.Transport = transport  # type: ignore[assignment]
                shop.transports.append(self.transport)

            def data_received(self, data: bytes) -> None:
                self.buffer += data
                while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                    head = self.buffer[:end]
                    sized = head.lower().split(b"content-length: ")
                    length = int(sized[1].split(b"\r\n")[0]) if len(sized) > 1 else 0
                    if len(self.buffer) < end + 4 + length:
                        return
                    self.buffer = self.buffer[end + 4 + length :]
                    shop.heads.append(head)
                    answer = shop.answer(head)
                    if answer is not None:
                        self.transport.write(answer)

        return await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", 0)


@pytest.fixture
async def shop() -> AsyncIterator[tuple[Shop, str]]:
    endpoint = Shop()
    server = await endpoint.start()
    yield endpoint, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks?x=1"
    server.close()


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    sending = Sender(0.5, PROVIDERS)
    yield sending
    await sending.close()


def delivery(url: str, provider: str = "ledyer") -> Claimed:
    return Claimed(
        1,
        "order-1",
        url,
        '{"eventType":"com.ledyer.order.create","orderId":"order-1"}',
        "create",
        0,
        timedelta(0),
        provider,
        datetime(2026, 12, 7, tzinfo=UTC),
        "correlation-1",
        "secret",
    )


async def send(sender: Sender, url: str) -> Attempt:
    return await sender.send(delivery(url), datetime.now(UTC))


async def test_deliveries_to_one_shop_share_a_kept_connection_and_a_closed_one_is_replaced(
    shop: tuple[Shop, str], sender: Sender
) -> None:
    endpoint, url = shop
    for _ in range(5):
        assert (await send(sender, url)).error is None
    assert endpoint.connections == 1
    assert endpoint.heads[0].startswith(b"POST /hooks?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")

    endpoint.transports[0].close()  # the shop's server ends an idle connection
    await asyncio.sleep(0.05)
    attempt = await send(sender, url)
    assert attempt.status == 200 and attempt.error is None
    assert endpoint.connections == 2


async def test_a_connection_closed_as_the_request_arrives_is_not_a_failed_attempt(
    shop: tuple[Shop, str], sender: Sender
) -> None:
    endpoint, url = shop
    await send(sender, url)

    def close_first(head: bytes) -> bytes | None:
        endpoint.answer = lambda head: OK
        endpoint.transports[0].close()
        return None

    endpoint.answer = close_first
    attempt = await send(sender, url)
    assert attempt.status == 200 and attempt.error is None
    assert endpoint.connections == 2 and len(endpoint.heads) == 3


@pytest.mark.parametrize(
    ("answer", "status", "error", "kept"),
    [
        (OK, 200, None, True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, "answered 204", True),  # Ledyer: 200 only
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            200,
            None,
            True,
        ),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok", 200, None, False),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok", 200, None, False),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 99999999\r\n\r\n" + b"x" * 5000, 200, None, False),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n" + b"x" * 9000,
            200,
            None,
            False,
        ),
        (
            b"HTTP/1.1 302 Found\r\nLocation: /x\r\ncontent-length: 0\r\n\r\n",
            302,
            "answered 302",
            True,
        ),
        (b"HTTP/1.1 500 Oops\r\ncontent-length: 4\r\n\r\noops", 500, "answered 500", True),
        (
            b"SMTP ready\r\n",
            None,
            "AnswerError: not an HTTP/1.x answer: b'SMTP ready\\r\\n'",
            False,
        ),
    ],
)
async def test_answers_of_every_shape(
    shop: tuple[Shop, str],
    sender: Sender,
    answer: bytes,
    status: int | None,
    error: str | None,
    kept: bool,
) -> None:
    endpoint, url = shop
    endpoint.answer = lambda head: answer
    attempt = await send(sender, url)
    assert (attempt.status, attempt.error) == (status, error)
    endpoint.answer = lambda head: OK
    assert (await send(sender, url)).error is None
    assert endpoint.connections == (1 if kept else 2)


async def test_no_answer_is_a_timeout_and_no_server_an_error(
    shop: tuple[Shop, str], sender: Sender
) -> None:
    endpoint, url = shop
    endpoint.answer = lambda head: None
    attempt = await send(sender, url)
    assert attempt.status is None and attempt.error == "timeout"
    assert attempt.latency_ms >= 500

    endpoint.answer = lambda head: OK
    assert (await send(sender, url)).error is None  # on a new connection
    assert endpoint.connections == 2

    refused = await send(sender, "http://127.0.0.1:1/hooks")
    assert refused.status is None and refused.error is not None
    assert refused.error.startswith(("ConnectionRefusedError", "OSError"))


async def test_walley_s_signed_headers_go_as_the_back_office_shows_them(
    shop: tuple[Shop, str], sender: Sender
) -> None:
    endpoint, url = shop
    signed = delivery(url, "walley")
    await sender.send(signed, datetime.now(UTC))
    lines = endpoint.heads[0].decode().split("\r\n")[1:]
    sent = [tuple(line.split(": ", 1)) for line in lines]
    assert [(name.lower(), value) for name, value in sent] == request_headers(PROVIDERS, signed)
    assert [name for name, _ in sent] == [
        "Host",
        "User-Agent",
        "Content-Type",
        "Walley-CorrelationId",
        "Walley-Timestamp",
        "Walley-Signature",
        "Walley-Live",
        "Content-Length",
    ]


async def test_a_callback_goes_with_its_own_method_headers_and_accepted_statuses(
    shop: tuple[Shop, str], sender: Sender
) -> None:
    endpoint, url = shop
    callback = dataclasses.replace(
        delivery(url, "walley"),
        body="",
        method="GET",
        headers={"X-Shop": "1"},
        accept=frozenset({200}),
    )
    attempt = await sender.send(callback, datetime.now(UTC))
    assert (attempt.status, attempt.error) == (200, None)
    host = url.split("/")[2]
    assert endpoint.heads == [
        f"GET /hooks?x=1 HTTP/1.1\r\nHost: {host}\r\n"
        "User-Agent: orderdesk-notifications/0.1\r\nX-Shop: 1".encode()
    ]
    endpoint.answer = lambda head: b"HTTP/1.1 204 No Content\r\n\r\n"
    refused = await sender.send(callback, datetime.now(UTC))
    assert (refused.status, refused.error) == (204, "answered 204")  # its own statuses judge it


async def test_exchange_reads_the_whole_answer(shop: tuple[Shop, str]) -> None:
    endpoint_, url = shop
    endpoint_.answer = lambda head: (
        b"HTTP/1.1 303 See Other\r\nLocation: https://shop.example/cart\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\nno\r\n4\r\n way\r\n0\r\n\r\n"
    )
    target = endpoint(url)
    head = request_head(target, [*target.headers, ("Content-Length", "2")])
    client = HookClient()
    try:
        answer = await client.exchange(target, head, b"{}", 4096)
    finally:
        await client.close()
    assert answer == HookAnswer(
        303,
        {"location": "https://shop.example/cart", "transfer-encoding": "chunked"},
        b"no way",
    )
