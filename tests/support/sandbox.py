"""Test helpers that set up merchants, stores, credentials and orders through the sandbox API,
a store's notifications and its test clock."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import httpx

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


def line(
    reference: str,
    description: str,
    quantity: int,
    unit_price: int,
    vat: int = 2500,
    type_: str = "physical",
) -> dict[str, Any]:
    """A Ledyer-shaped order line with exact amounts."""
    total = quantity * unit_price
    return {
        "reference": reference,
        "description": description,
        "type": type_,
        "quantity": quantity,
        "unitPrice": unit_price,
        "unitDiscountAmount": 0,
        "totalAmount": total,
        "totalVatAmount": (2 * total * vat + 10000 + vat) // (2 * (10000 + vat)),
        "vat": vat,
    }


SAMSUNG = line("1334227", "SAMSUNG Galaxy S20 FE 4G 128GB (6GB RAM) 6.5 Smartphone - Cl", 1, 489000)
IPHONE = line("231654", 'APPLE iPhone 13 Pro 5G 256GB - 6.1\\" Smartphone - Guld', 1, 999000)
SHOES = line("10001", "Shoes", 1, 9500)
TSHIRTS = line("10002", "T-Shirt", 2, 9500)


@dataclass
class Merchant:
    """A merchant with one store per dialect and a credential for both."""

    client: httpx.AsyncClient
    merchant_id: str
    stores: dict[str, str] = field(default_factory=dict)
    client_id: str = ""
    client_secret: str = ""

    async def store(
        self, provider: str, segment: str = "B2C", currency: str = "SEK", country: str = "SE"
    ) -> str:
        body = {"provider": provider, "segment": segment, "currency": currency, "country": country}
        r = await self.client.post(
            f"/sandbox/merchants/{self.merchant_id}/stores", json=body, headers=ADMIN
        )
        assert r.status_code == 201, r.text
        store_id: str = r.json()["storeId"]
        return store_id

    async def credential(self, store_ids: list[str] | None = None) -> tuple[str, str]:
        body = {} if store_ids is None else {"storeIds": store_ids}
        r = await self.client.post(
            f"/sandbox/merchants/{self.merchant_id}/credentials", json=body, headers=ADMIN
        )
        assert r.status_code == 201, r.text
        return r.json()["clientId"], r.json()["clientSecret"]

    async def order(self, store: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        """An authorised order, acknowledged as a checkout's confirmation leaves it (pass
        ``acknowledged=False`` for one the merchant has not acknowledged yet)."""
        store_id = self.stores.get(store, store)
        body = {
            "storeId": store_id,
            "orderLines": lines,
            "totalOrderAmount": sum(x["totalAmount"] for x in lines),
            "acknowledged": True,
            **extra,
        }
        r = await self.client.post("/sandbox/orders", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        order: dict[str, Any] = r.json()
        return order

    async def walley_headers(
        self, client_id: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        r = await self.client.post(
            "/oauth2/v2.0/token",
            data={
                "client_id": client_id or self.client_id,
                "client_secret": secret or self.client_secret,
                "grant_type": "client_credentials",
                "scope": "705798e0-8cef-427c-ae00-6023deba29af/.default",
            },
        )
        assert r.status_code == 200, r.text
        return {"authorization": f"Bearer {r.json()['access_token']}"}

    async def ledyer_headers(
        self, client_id: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        basic = base64.b64encode(
            f"{client_id or self.client_id}:{secret or self.client_secret}".encode()
        ).decode()
        r = await self.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200, r.text
        return {"authorization": f"Bearer {r.json()['access_token']}"}


async def new_merchant(client: httpx.AsyncClient, segment: str = "B2C") -> Merchant:
    """A merchant with a Walley store, a Ledyer store and a credential for both."""
    r = await client.post("/sandbox/merchants", json={"name": "Test merchant"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    merchant = Merchant(client, r.json()["merchantId"])
    merchant.stores["walley"] = await merchant.store("walley", segment)
    merchant.stores["ledyer"] = await merchant.store("ledyer", segment)
    merchant.client_id, merchant.client_secret = await merchant.credential()
    return merchant


async def notify(merchant: Merchant, store: str, url: str, events: list[str] | None = None) -> Any:
    """Where the store sends its notifications (and which events, when given)."""
    body: dict[str, Any] = {"url": url}
    if events is not None:
        body["events"] = events
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores[store]}/notifications", json=body, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    return r.json()


async def deliveries(merchant: Merchant, store: str, **params: Any) -> list[dict[str, Any]]:
    """The store's deliveries (``GET /sandbox/stores/{storeId}/deliveries``) that match
    ``params`` (``orderId``, ``state``, …), oldest first unless ``sort`` says otherwise."""
    r = await merchant.client.get(
        f"/sandbox/stores/{merchant.stores.get(store, store)}/deliveries",
        params=params,
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["deliveries"]
    return found


async def advance(merchant: Merchant, store: str, seconds: int) -> dict[str, Any]:
    """Moves the store's test clock ``seconds`` forward."""
    r = await merchant.client.post(
        f"/sandbox/stores/{merchant.stores[store]}/clock/advance",
        json={"seconds": seconds},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    moved: dict[str, Any] = r.json()
    return moved
