"""Calling the Ledyer API in tests: requests with a token, the order as read, and a snapshot
of it that ignores what changes with the clock alone (the signed links' expiry); amounts as
Ledyer writes them, and the code of a refusal."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.support.sandbox import Merchant

_SIGNED = re.compile(r"\?Expires=\d+&Signature=[\w-]+")


class Ledyer:
    def __init__(self, merchant: Merchant, auth: dict[str, str]) -> None:
        self.merchant, self.auth = merchant, auth
        self.client = merchant.client

    @classmethod
    async def of(cls, merchant: Merchant) -> Ledyer:
        return cls(merchant, await merchant.ledyer_headers())

    async def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**self.auth, "content-type": "application/json", **(headers or {})}
        return await self.client.request(method, path, content=body, headers=sent)

    async def post(self, path: str, body: bytes = b"", **headers: str) -> httpx.Response:
        return await self.send("POST", path, body, headers)

    async def order(self, order_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/orders/{order_id}", headers=self.auth)
        assert r.status_code == 200, r.text
        order: dict[str, Any] = r.json()
        return order

    async def snapshot(self, order_id: str) -> str:
        """The order as text, its signed links' expiry and signature left out."""
        r = await self.client.get(f"/v1/orders/{order_id}", headers=self.auth)
        assert r.status_code == 200, r.text
        return _SIGNED.sub("", r.text)

    async def captured(self, created: dict[str, Any]) -> dict[str, Any]:
        """Capture the whole order (lines without ids); the order after it."""
        order = await self.order(created["orderId"])
        lines = [
            {k: v for k, v in line.items() if k != "id"}
            for line in order["uncaptured"]["orderLines"]
        ]
        total = sum(line["totalAmount"] for line in lines)
        body = json.dumps({"orderLines": lines, "totalCaptureAmount": total}).encode()
        r = await self.post(f"/v1/orders/{created['orderId']}/capture", body)
        assert r.status_code == 200, r.text
        captured: dict[str, Any] = r.json()
        return captured


async def post(
    merchant: Merchant, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A POST with a fresh token: ``body`` as is when bytes, else as JSON."""
    sent = {**await merchant.ledyer_headers(), **(headers or {})}
    if isinstance(body, bytes):
        sent["content-type"] = "application/json"
        return await merchant.client.post(path, content=body, headers=sent)
    return await merchant.client.post(path, json=body, headers=sent)


async def get(merchant: Merchant, order_id: str) -> dict[str, Any]:
    r = await merchant.client.get(f"/v1/orders/{order_id}", headers=await merchant.ledyer_headers())
    assert r.status_code == 200
    order: dict[str, Any] = r.json()
    return order


def sek(minor: int) -> dict[str, Any]:
    whole, cents = divmod(abs(minor), 100)
    sign = "-" if minor < 0 else ""
    formatted = f"{sign}{whole:,}.{cents:02d}"
    return {
        "amount": f"{sign}{whole}.{cents:02d}",
        "currency": "SEK",
        "formatted": formatted,
        "formattedWithCurrency": f"SEK {formatted}",
        "minorUnits": minor,
    }


def error(r: httpx.Response) -> tuple[int, str]:
    code: str = r.json()["errors"][0]["code"]
    assert r.json()["errors"][0]["message"]
    return r.status_code, code
