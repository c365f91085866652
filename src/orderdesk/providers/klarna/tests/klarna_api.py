"""A Klarna client for the tests: HTTP Basic on every request, as Klarna's clients send it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.sandbox import Merchant

BASE = "/ordermanagement/v1/orders"


def klarna_line(
    reference: str, name: str, quantity: int, unit_price: int, tax_rate: int = 2500
) -> dict[str, Any]:
    """A line as Klarna's clients send it, with exact amounts."""
    total = quantity * unit_price
    return {
        "reference": reference,
        "type": "physical",
        "quantity": quantity,
        "quantity_unit": "pcs",
        "name": name,
        "total_amount": total,
        "unit_price": unit_price,
        "total_discount_amount": 0,
        "tax_rate": tax_rate,
        "total_tax_amount": total - total * 10000 // (10000 + tax_rate),
    }


def sandbox_line(line: dict[str, Any]) -> dict[str, Any]:
    """The same line in the sandbox's common shape."""
    return {
        "reference": line["reference"],
        "description": line["name"],
        "type": line["type"],
        "quantity": line["quantity"],
        "unitPrice": line["unit_price"],
        "unitDiscountAmount": 0,
        "totalAmount": line["total_amount"],
        "totalVatAmount": line["total_tax_amount"],
        "vat": line["tax_rate"],
    }


BIKE = klarna_line("BIKE-1", "City bike", 1, 599900)
LAMP = klarna_line("LAMP-2", "Bike lamp", 2, 24950)


def error(r: httpx.Response) -> tuple[int, str]:
    body = r.json()
    assert set(body) == {"error_code", "error_messages", "correlation_id"}, body
    assert isinstance(body["error_messages"], list) and body["error_messages"], body
    return r.status_code, body["error_code"]


@dataclass
class Klarna:
    merchant: Merchant
    store: str

    @classmethod
    async def of(cls, merchant: Merchant) -> Klarna:
        return cls(merchant, await merchant.store("klarna"))

    @property
    def client(self) -> httpx.AsyncClient:
        return self.merchant.client

    @property
    def auth(self) -> dict[str, str]:
        pair = f"{self.merchant.client_id}:{self.merchant.client_secret}".encode()
        return {"authorization": f"Basic {base64.b64encode(pair).decode()}"}

    async def new_order(self, lines: list[dict[str, Any]] | None = None, **extra: Any) -> str:
        made = await self.merchant.order(
            self.store, [sandbox_line(x) for x in lines or [BIKE, LAMP]], **extra
        )
        order_id: str = made["orderId"]
        return order_id

    async def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        content = None if body is None else (body if isinstance(body, bytes) else None)
        return await self.client.request(
            method,
            path,
            content=content,
            json=None if body is None or isinstance(body, bytes) else body,
            headers={**self.auth, "content-type": "application/json", **(headers or {})},
        )

    async def order(self, order_id: str) -> dict[str, Any]:
        r = await self.send("GET", f"{BASE}/{order_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body
