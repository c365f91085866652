"""The requests Walley's clients send, byte for byte, against a real ``orderdesk serve``.

``fixtures/sdk_*.http`` (next to this module) are the official PHP SDK's requests
(collector-bank/Checkout-PHP-SDK: ``partActivateInvoice``, ``partCreditInvoice``,
``cancelInvoice``, ``reauthorize``, ``reauthorizeStatus``; ``Authorization:Bearer`` without a
space on POSTs), and ``kro_*.http`` Krokedil's WooCommerce plugin's (string amounts,
PascalCase item keys, ``Content-type``, no idempotency header, whole-order amounts, refunds by
amount). Only the order id, the token and (for token requests) the credentials are put in; the
bodies are sent as they are, over a plain socket, so the server parses exactly these bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.sandbox import Merchant, line
from tests.support.server import Server

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent / "fixtures"
SDK_ORDER = "1b1f5ef6-92e1-4b46-b1dc-ae2e00c4c315"
KRO_ORDER = "6c86e186-3300-4997-ac93-b95242b01cd5"
SHOES = line("10001", "Shoes", 1, 9500)
TSHIRTS = line("10002", "T-Shirt", 2, 9500)
SOCKS = line("10003", "Socks", 2, 4950)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def send(server: Server, raw: bytes) -> Answer:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for text in lines:
            if text:
                name, _, value = text.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
    finally:
        writer.close()
    return Answer(int(status_line.split()[1]), headers, body)


def filled(raw: bytes, order_id: str, token: str, fake_order: str, fake_token: str) -> bytes:
    return raw.replace(fake_order.encode(), order_id.encode()).replace(
        fake_token.encode(), token.encode()
    )


def with_body(raw: bytes, body: bytes) -> bytes:
    head = raw.partition(b"\r\n\r\n")[0]
    head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(body), head)
    return head + b"\r\n\r\n" + body


async def sdk_token(server: Server, merchant: Merchant) -> str:
    raw = fixture("sdk_token.http")
    body = raw.partition(b"\r\n\r\n")[2]
    body = body.replace(b"demo-client", merchant.client_id.encode())
    body = body.replace(b"demo-secret", merchant.client_secret.encode())
    answer = await send(server, with_body(raw, body))
    assert answer.status == 200, answer.body
    token: str = answer.json()["access_token"]
    return token


async def kro_token(server: Server, merchant: Merchant) -> str:
    raw = fixture("kro_token.http")
    body = raw.partition(b"\r\n\r\n")[2]
    body = body.replace(b"od_d17da3c3779cb9a34d4a5c6b", merchant.client_id.encode())
    secret = urllib.parse.quote(merchant.client_secret, safe="").encode()
    body = body.replace(b"client_secret=muQ-", b"client_secret=" + secret)
    answer = await send(server, with_body(raw, body))
    assert answer.status == 200, answer.body
    reply = answer.json()
    return f"{reply['token_type']} {reply['access_token']}".removeprefix("Bearer ")


def accepted(answer: Answer, order_id: str) -> None:
    assert answer.status == 202, answer.body
    assert answer.headers["location"] == f"/manage/orders/{order_id}"
    assert answer.body == b""


async def test_the_official_sdk_runs_its_order_flow(
    server: Server, remote_merchant: Merchant
) -> None:
    merchant = remote_merchant
    token = await sdk_token(server, merchant)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS, SOCKS]))["orderId"]

    def sdk(name: str) -> bytes:
        return filled(fixture(name), order_id, token, SDK_ORDER, "wt_ElCdMN9_K")

    got = await send(server, sdk("sdk_get.http"))
    assert got.status == 200
    data = got.json()["data"]
    assert (data["status"], data["totalAmount"]) == ("NotActivated", 384)
    assert {item["type"] for item in data["items"]} == {"purchase"}
    accepted(await send(server, sdk("sdk_capture.http")), order_id)  # type purchase matches
    accepted(await send(server, sdk("sdk_refund.http")), order_id)
    accepted(await send(server, sdk("sdk_cancel.http")), order_id)
    data = (await send(server, sdk("sdk_get.http"))).json()["data"]
    assert (data["status"], data["totalAmount"]) == ("Returned", 95)
    assert [invoice["totalAmount"] for invoice in data["invoices"]] == [95, -95]


async def test_the_official_sdk_reauthorizes_and_polls(
    server: Server, remote_merchant: Merchant
) -> None:
    merchant = remote_merchant
    token = await sdk_token(server, merchant)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]

    def sdk(name: str) -> bytes:
        return filled(fixture(name), order_id, token, SDK_ORDER, "wt_ElCdMN9_K")

    answer = await send(server, sdk("sdk_reauthorize.http"))
    assert (answer.status, answer.body) == (201, b"")
    location = answer.headers["location"]
    rid = location.rsplit("/", 1)[1]
    assert location == f"/manage/orders/{order_id}/reauthorize/{rid}"
    poll = sdk("sdk_reauthorize_status.http").replace(
        b"fc83a489-2c2f-4c65-a364-ed4b7c4850da", rid.encode()
    )
    status = await send(server, poll)
    assert (status.status, status.json()) == (200, {"data": {"status": "Completed"}})
    data = (await send(server, sdk("sdk_get.http"))).json()["data"]
    assert data["totalAmount"] == 384


async def test_krokedil_captures_refunds_by_amount_and_captures_again(
    server: Server, remote_merchant: Merchant
) -> None:
    merchant = remote_merchant
    token = await kro_token(server, merchant)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS, SOCKS]))["orderId"]

    def kro(name: str) -> bytes:
        return filled(fixture(name), order_id, token, KRO_ORDER, "eyJzdWIiOiJv")

    got = await send(server, kro("kro_get.http"))
    assert (got.status, got.json()["data"]["status"]) == (200, "NotActivated")
    accepted(await send(server, kro("kro_part_capture.http")), order_id)
    again = await send(server, kro("kro_capture.http"))
    assert again.status == 422 and b"CAPTURE_ORDER_ALREADY_CAPTURED" in again.body
    accepted(await send(server, kro("kro_refund.http")), order_id)
    accepted(await send(server, kro("kro_refund_items.http")), order_id)
    data = (await send(server, kro("kro_get.http"))).json()["data"]
    assert data["status"] == "Activated"
    assert [invoice["totalAmount"] for invoice in data["invoices"]] == [384, -95, -95]


async def test_krokedil_whole_total_capture_and_cancel_on_part_captured_orders(
    server: Server, remote_merchant: Merchant
) -> None:
    merchant = remote_merchant
    token = await kro_token(server, merchant)
    sdk = await sdk_token(server, merchant)
    for action, status in (
        ("kro_capture.http", "Activated"),
        ("kro_part_capture.http", "Activated"),
        ("kro_cancel.http", "PartActivated"),
    ):
        order_id = (await merchant.order("walley", [SHOES, TSHIRTS, SOCKS]))["orderId"]
        shoes = filled(fixture("sdk_capture.http"), order_id, sdk, SDK_ORDER, "wt_ElCdMN9_K")
        accepted(await send(server, shoes), order_id)

        def kro(name: str, order_id: str = order_id) -> bytes:
            return filled(fixture(name), order_id, token, KRO_ORDER, "eyJzdWIiOiJv")

        assert (await send(server, kro("kro_get.http"))).json()["data"]["status"] == (
            "PartActivated"
        )
        accepted(await send(server, kro(action)), order_id)
        data = (await send(server, kro("kro_get.http"))).json()["data"]
        assert data["status"] == status  # the rest captured, or cancelled (never Activated)
        again = await send(server, kro("kro_capture.http"))
        assert again.status == 422
        reason = (
            "CAPTURE_ORDER_ALREADY_CAPTURED"
            if status == "Activated"
            else ("CAPTURE_INVALID_INVOICE_STATUS")
        )
        assert again.json()["error"]["errors"][0]["reason"] == reason


async def test_krokedil_reauthorizes_and_polls_base_plus_location(
    server: Server, remote_merchant: Merchant
) -> None:
    merchant = remote_merchant
    token = await kro_token(server, merchant)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS, SOCKS]))["orderId"]

    def kro(name: str) -> bytes:
        return filled(fixture(name), order_id, token, KRO_ORDER, "eyJzdWIiOiJv")

    answer = await send(server, kro("kro_reauthorize.http"))
    assert (answer.status, answer.body) == (201, b"")
    location = answer.headers["location"]
    poll = kro("kro_get.http").replace(f"/manage/orders/{order_id}".encode(), location.encode())
    status = await send(server, poll)
    assert (status.status, status.json()) == (200, {"data": {"status": "Completed"}})
    data = (await send(server, kro("kro_get.http"))).json()["data"]
    assert data["totalAmount"] == 434
    assert [item["articleNumber"] for item in data["items"]][-1] == "10004"
