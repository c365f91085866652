"""Sending the checkout API the requests of ``fixtures/`` (the WooCommerce plugin's ``kro_*``
and the PHP SDK's ``sdk_*``: ``test_checkout_wire.py`` names their sources) with the exact
bodies, the private id and the merchant's store put in, and reading Walley's answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.sandbox import Merchant

FIXTURES = Path(__file__).parent / "fixtures"
PRIVATE_ID = "1eec44b5-66d3-4058-a31f-3444229fb727"


def fixture(name: str) -> tuple[str, str, bytes]:
    """The method, path and exact body of a fixture."""
    head, _, body = (FIXTURES / name).read_bytes().partition(b"\r\n\r\n")
    method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
    return method, path, body


async def send(
    merchant: Merchant, name: str, private_id: str = "", body: bytes | None = None
) -> httpx.Response:
    method, path, sent = fixture(name)
    sent = sent if body is None else body
    sent = sent.replace(b'"storeId":"1158"', b'"storeId":"%s"' % merchant.stores["walley"].encode())
    headers = {**await merchant.walley_headers(), "content-type": "application/json"}
    return await merchant.client.request(
        method,
        path.replace(PRIVATE_ID, private_id),
        content=sent,
        headers=headers,
    )


def ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["error"] is None and set(answer) == {"id", "data", "error"}
    return answer["data"]


def refused(r: httpx.Response, status: int, reason: str) -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert (error["code"], error["errors"][0]["reason"]) == (status, reason)


async def initialized(merchant: Merchant, name: str = "kro_initialize.http") -> dict[str, Any]:
    data: dict[str, Any] = ok(await send(merchant, name))
    return data
