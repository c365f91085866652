"""Setting orderdesk up through its sandbox API: merchant, stores, credential, the
``Authorization`` header of each dialect (a bearer token from its token endpoint; Klarna: HTTP
Basic on every request), orders."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from bench.http import Connection, Response, request_bytes
from bench.load import Job, http_cell
from bench.servers import HOST, Server

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def line(reference: str, description: str, quantity: int, unit_price: int) -> dict[str, Any]:
    """A Ledyer-shaped order line at 25 % VAT, amounts in minor units."""
    total = quantity * unit_price
    return {
        "reference": reference,
        "description": description,
        "type": "physical",
        "quantity": quantity,
        "unitPrice": unit_price,
        "unitDiscountAmount": 0,
        "totalAmount": total,
        "totalVatAmount": (2 * total * 2500 + 12500) // 25000,
        "vat": 2500,
    }


def article_lines(count: int) -> list[dict[str, Any]]:
    """``count`` distinct articles (distinct reference and price), one of each."""
    return [line(f"SKU-{i:05d}", f"Article {i}", 1, 10_000 + i) for i in range(count)]


@dataclass
class Shop:
    """A merchant with a Walley, a Ledyer and a Klarna store, a credential for all three, and
    each dialect's ``Authorization`` header."""

    server: Server
    admin: dict[str, str]
    stores: dict[str, str]
    client_id: str
    authorization: dict[str, str]

    async def notify(self, dialect: str, url: str | None) -> None:
        """Point the dialect's store's notifications at ``url`` (None: send none)."""
        connection = await Connection.open(HOST, self.server.port)
        try:
            path = f"/sandbox/stores/{self.stores[dialect]}/notifications"
            body = orjson.dumps({"url": url})
            await _call(connection, "PUT", path, body, {**self.admin, **JSON})
        finally:
            await connection.close()

    async def create_orders(
        self, dialect: str, lines: list[dict[str, Any]], count: int, concurrency: int = 4
    ) -> list[dict[str, Any]]:
        """``count`` authorised orders with ``lines``, as the sandbox summarises them."""
        body = orjson.dumps(
            {
                "storeId": self.stores[dialect],
                "orderLines": lines,
                "totalOrderAmount": sum(x["totalAmount"] for x in lines),
            }
        )
        raw = request_bytes("POST", "/sandbox/orders", body, {**self.admin, **JSON})
        created: list[dict[str, Any]] = []

        def keep(response: Response) -> str | None:
            if response.status != 201:
                return f"create order: {response.status} {response.body[:300]!r}"
            created.append(orjson.loads(response.body))
            return None

        cell = await http_cell(HOST, self.server.port, [Job(raw, keep)] * count, concurrency)
        if cell.failures:
            raise RuntimeError(f"creating orders failed: {cell.failures[:3]}")
        return created


async def _call(
    connection: Connection, method: str, path: str, body: bytes, headers: dict[str, str]
) -> Any:
    response = await connection.send(request_bytes(method, path, body, headers))
    if response.status not in (200, 201):
        raise RuntimeError(f"{method} {path}: {response.status} {response.body[:300]!r}")
    return orjson.loads(response.body)


async def open_shop(server: Server, admin_token: str) -> Shop:
    """Create the merchant, its three stores and a credential; fetch a token per dialect that
    has one."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    connection = await Connection.open(HOST, server.port)
    try:
        headers = {**admin, **JSON}
        merchant = await _call(
            connection, "POST", "/sandbox/merchants", b'{"name":"Bench"}', headers
        )
        base = f"/sandbox/merchants/{merchant['merchantId']}"
        stores: dict[str, str] = {}
        for dialect in ("walley", "ledyer", "klarna"):
            store_body = orjson.dumps({"provider": dialect, "currency": "SEK", "country": "SE"})
            store = await _call(connection, "POST", f"{base}/stores", store_body, headers)
            stores[dialect] = store["storeId"]
        credential = await _call(connection, "POST", f"{base}/credentials", b"{}", headers)
        client_id, secret = credential["clientId"], credential["clientSecret"]
        walley_form = urlencode(
            {
                "client_id": client_id,
                "client_secret": secret,
                "grant_type": "client_credentials",
                "scope": "705798e0-8cef-427c-ae00-6023deba29af/.default",
            }
        ).encode()
        walley = await _call(connection, "POST", "/oauth2/v2.0/token", walley_form, FORM)
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        ledyer = await _call(
            connection,
            "POST",
            "/oauth/token",
            b"grant_type=client_credentials",
            {**FORM, "Authorization": f"Basic {basic}"},
        )
    finally:
        await connection.close()
    authorization = {
        "walley": f"Bearer {walley['access_token']}",
        "ledyer": f"Bearer {ledyer['access_token']}",
        "klarna": f"Basic {basic}",
    }
    return Shop(server, admin, stores, client_id, authorization)
