"""Checkout sessions through the sandbox API: made, paid headlessly as each persona, completed
exactly once under parallel requests, refused after completion or expiry on the store's
clock, and their callbacks in the delivery inbox under each scenario (orderdesk's own
checkout: a store's provider without one gets JSON POSTs to the session's URLs)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson

from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, Merchant

VIEW_FIELDS = {
    "checkoutId",
    "provider",
    "storeId",
    "token",
    "status",
    "currency",
    "country",
    "orderLines",
    "fees",
    "totalAmount",
    "totalVatAmount",
    "merchantReference",
    "customer",
    "urls",
    "metadata",
    "data",
    "scenario",
    "orderId",
    "persona",
    "version",
    "createdAt",
    "updatedAt",
    "expiresAt",
    "tokenExpiresAt",
    "completedAt",
    "checkoutUrl",
    "events",
}
SCENARIO_DEFAULTS = {
    "callbacks": "normal",
    "callbackDelaySeconds": 300,
    "redirect": "normal",
    "validation": True,
    "tokenLifetimeSeconds": 172800,
    "sessionLifetimeSeconds": 604800,
}


async def make(
    merchant: Merchant, receiver: Receiver | None = None, store: str = "walley", **extra: Any
) -> dict[str, Any]:
    urls = {"confirmation": "https://shop.example/thanks?c={checkout.id}"}
    if receiver is not None:
        urls["notification"] = receiver.url + "?order={order.id}"
    body = {
        "storeId": merchant.stores[store],
        "orderLines": [SAMSUNG, SHOES],
        "merchantReference": "cart-42",
        "customer": {"firstName": "Ada", "email": "ada@example.com"},
        "urls": urls,
        **extra,
    }
    r = await merchant.client.post("/sandbox/checkouts", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def pay(client: httpx.AsyncClient, checkout_id: str, persona: str = "approve") -> Any:
    return await client.post(
        f"/sandbox/checkouts/{checkout_id}/pay", json={"persona": persona}, headers=ADMIN
    )


async def settled_callbacks(
    client: httpx.AsyncClient, checkout_id: str, count: int
) -> list[dict[str, Any]]:
    """The session's callbacks once ``count`` of them are delivered."""
    deadline = time.monotonic() + 15
    while True:
        r = await client.get(f"/sandbox/checkouts/{checkout_id}", headers=ADMIN)
        found: list[dict[str, Any]] = r.json()["callbacks"]
        if sum(d["state"] == "delivered" for d in found) >= count:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def test_a_session_is_made_with_the_stores_defaults(merchant: Merchant) -> None:
    made = await make(merchant)
    assert made["status"] == "open"
    assert made["provider"] == "walley"
    assert (made["currency"], made["country"]) == ("SEK", "SE")
    assert made["totalAmount"] == SAMSUNG["totalAmount"] + SHOES["totalAmount"]
    assert made["totalVatAmount"] == SAMSUNG["totalVatAmount"] + SHOES["totalVatAmount"]
    assert made["scenario"] == SCENARIO_DEFAULTS
    assert made["orderId"] is None and made["callbacks"] == []
    assert made["checkoutUrl"] == "/orderdesk-checkout/" + made["token"]
    assert set(made) == {*VIEW_FIELDS, "callbacks"}
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.status_code == 200 and r.json() == made


async def test_approve_makes_the_authorised_order_and_its_callback_is_delivered(
    merchant: Merchant, receiver: Receiver
) -> None:
    made = await make(merchant, receiver)
    r = await pay(merchant.client, made["checkoutId"])
    assert r.status_code == 200, r.text
    paid = r.json()
    order_id = paid["orderId"]
    assert paid["status"] == "completed" and paid["persona"] == "approve"
    assert paid["redirectUrl"] == f"https://shop.example/thanks?c={made['checkoutId']}"
    assert paid["validation"] is None  # the session names no validation URL
    order = await merchant.client.get(
        f"/manage/orders/{order_id}", headers=await merchant.walley_headers()
    )
    assert order.status_code == 200, order.text
    data = order.json()["data"]
    assert data["status"] == "NotActivated"
    assert data["totalAmount"] == (SAMSUNG["totalAmount"] + SHOES["totalAmount"]) / 100

    [callback] = await settled_callbacks(merchant.client, made["checkoutId"], 1)
    assert callback["method"] == "POST" and callback["eventType"] == "checkout.completed"
    assert callback["url"] == f"{receiver.url}?order={order_id}"
    assert callback["checkoutId"] == made["checkoutId"] and callback["orderId"] == order_id
    [received] = receiver.received
    assert received.method == "POST" and received.path == f"/hooks?order={order_id}"
    assert received.json() == {
        "checkoutId": made["checkoutId"],
        "status": "completed",
        "orderId": order_id,
        "reference": "cart-42",
        "totalAmount": made["totalAmount"],
        "currency": "SEK",
    }
    assert received.headers["content-type"] == "application/json"
    assert orjson.loads(callback["body"]) == received.json()


async def test_completing_twice_in_parallel_makes_one_order(
    merchant: Merchant, receiver: Receiver
) -> None:
    made = await make(merchant, receiver)
    answers = await asyncio.gather(*(pay(merchant.client, made["checkoutId"]) for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.json()["orderId"] for a in answers}) == 1
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert len(r.json()["callbacks"]) == 1
    assert [e["type"] for e in r.json()["events"]] == ["created", "completed"]
