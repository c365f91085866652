"""Walley's callbacks to the shop for a session made through its API (the WooCommerce
plugin's ``kro_initialize`` body, its shop's URLs pointed at a receiver): the notification, a
GET to ``notificationUri`` with ``{checkout.id}`` and ``{checkout.publictoken}`` filled, retried
until the shop answers 200 (5 s, 10 s, … on the store's clock), again when an order on hold is
settled; the validation POST before pay, whose refusal keeps the session open; and the
scenarios a plugin's developer needs: duplicate, late, no callbacks, a lost redirect, an
expired token, an abandoned and an expired session."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from orderdesk.providers.walley.checkout.tests.client import fixture, ok, refused, send
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, Merchant, advance

NOTIFY = (
    "/wc-api/Collector_Checkout_Gateway/?notification-callback=1"
    "&private-id={id}&public-token={token}&customer-type=b2c"
)


async def session(
    merchant: Merchant, receiver: Receiver, validation: bool = False
) -> dict[str, Any]:
    """A session of the plugin's body whose shop is ``receiver`` (validationUri too, or not)."""
    _, _, body = fixture("kro_initialize.http")
    base = receiver.url.removesuffix("/hooks").replace("/", "\\/").encode()
    body = body.replace(b"http:\\/\\/shop.test", base)
    if validation:
        body = body.replace(
            b'"fees":""',
            b'"fees":"","validationUri":"%s\\/validate\\/{checkout.publictoken}"' % base,
        )
    data: dict[str, Any] = ok(await send(merchant, "kro_initialize.http", body=body))
    return data


async def pay(
    client: httpx.AsyncClient, private_id: str, persona: str = "approve"
) -> dict[str, Any]:
    r = await client.post(
        f"/sandbox/checkouts/{private_id}/pay", json={"persona": persona}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    paid: dict[str, Any] = r.json()
    return paid


async def callbacks(
    client: httpx.AsyncClient, private_id: str, delivered: int
) -> list[dict[str, Any]]:
    """The session's callbacks once ``delivered`` of them are delivered."""
    deadline = time.monotonic() + 15
    while True:
        r = await client.get(f"/sandbox/checkouts/{private_id}", headers=ADMIN)
        found: list[dict[str, Any]] = r.json()["callbacks"]
        if sum(d["state"] == "delivered" for d in found) >= delivered:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def scenario(merchant: Merchant, **knobs: Any) -> None:
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['walley']}/checkout-scenario", json=knobs, headers=ADMIN
    )
    assert r.status_code == 200, r.text


async def test_the_notification_is_a_get_with_the_placeholders_filled_retried_until_200(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.statuses = [500, 202]  # only a 200 is delivered
    made = await session(merchant, receiver)
    private_id, token = made["privateId"], made["publicToken"]
    paid = await pay(merchant.client, private_id)
    assert (
        paid["redirectUrl"]
        == f"{receiver.url.removesuffix('/hooks')}/checkout/?walley_confirm=1&public-token={token}"
    )
    path = NOTIFY.format(id=private_id, token=token)
    deadline = time.monotonic() + 15
    while not receiver.received:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    await advance(merchant, "walley", 5)
    await advance(merchant, "walley", 10)
    [callback] = await callbacks(merchant.client, private_id, 1)
    assert (callback["method"], callback["eventType"]) == ("GET", "checkout.notification")
    attempts = callback["attempts"]
    assert [a["status"] for a in attempts] == [500, 202, 200]
    at = [datetime.fromisoformat(a["at"]) for a in attempts]
    assert [at[1] - at[0], at[2] - at[1]] == [timedelta(seconds=5), timedelta(seconds=10)]
    assert [(r.method, r.path, r.body, r.status) for r in receiver.received] == [
        ("GET", path, b"", 500),
        ("GET", path, b"", 202),
        ("GET", path, b"", 200),
    ]


async def test_an_order_on_hold_is_notified_again_when_settled(
    merchant: Merchant, receiver: Receiver
) -> None:
    for decision, result, purchase in (
        ("accept", "Preliminary", "PurchaseCompleted"),
        ("reject", "Rejected", "PurchaseCompleted"),
    ):
        receiver.received.clear()
        private_id = (await session(merchant, receiver))["privateId"]
        paid = await pay(merchant.client, private_id, "onHold")
        info = ok(await send(merchant, "kro_get.http", private_id))
        assert (info["status"], info["purchase"]["result"]) == ("PurchaseCompleted", "OnHold")
        await callbacks(merchant.client, private_id, 1)
        r = await merchant.client.post(
            f"/sandbox/orders/{paid['orderId']}/{decision}", headers=ADMIN
        )
        assert r.status_code == 200, r.text
        found = await callbacks(merchant.client, private_id, 2)
        assert [c["eventType"] for c in found] == ["checkout.notification"] * 2
        assert (
            len(receiver.received) == 2 and receiver.received[0].path == receiver.received[1].path
        )
        info = ok(await send(merchant, "kro_get.http", private_id))
        assert (info["status"], info["purchase"]["result"]) == (purchase, result)


async def test_a_refused_validation_keeps_the_session_open(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.statuses = [404]
    made = await session(merchant, receiver, validation=True)
    private_id, token = made["privateId"], made["publicToken"]
    refusedpay = await pay(merchant.client, private_id)
    assert refusedpay["status"] == "open" and refusedpay["orderId"] is None
    assert refusedpay["validation"] == {
        "accepted": False,
        "message": "The shop refused the purchase (HTTP 404).",
    }
    assert refusedpay["redirectUrl"] is None
    [called] = receiver.received
    assert (called.method, called.path, called.body) == ("POST", f"/validate/{token}", b"")
    assert ok(await send(merchant, "kro_get.http", private_id))["status"] == "Initialized"
    paid = await pay(merchant.client, private_id)  # the shop accepts now (200)
    assert paid["validation"] == {"accepted": True, "message": ""} and paid["status"] == "completed"


async def test_duplicate_late_and_no_callbacks_and_a_lost_redirect(
    merchant: Merchant, receiver: Receiver
) -> None:
    await scenario(merchant, callbacks="duplicate")
    private_id = (await session(merchant, receiver))["privateId"]
    await pay(merchant.client, private_id)
    assert len(await callbacks(merchant.client, private_id, 2)) == 2

    await scenario(merchant, callbacks="late", callbackDelaySeconds=600)
    private_id = (await session(merchant, receiver))["privateId"]
    await pay(merchant.client, private_id)
    [late] = (await merchant.client.get(f"/sandbox/checkouts/{private_id}", headers=ADMIN)).json()[
        "callbacks"
    ]
    assert late["state"] == "pending"
    await advance(merchant, "walley", 600)
    await callbacks(merchant.client, private_id, 1)

    await scenario(merchant, callbacks="none", redirect="lost")
    private_id = (await session(merchant, receiver))["privateId"]
    paid = await pay(merchant.client, private_id)
    assert (paid["callbacks"], paid["redirectUrl"], paid["status"]) == ([], None, "completed")
    # only the shop's own GET confirms the purchase now
    assert ok(await send(merchant, "kro_get.http", private_id))["status"] == "PurchaseCompleted"


async def test_an_expired_token_cannot_pay_and_an_expired_session_is_not_found(
    merchant: Merchant, receiver: Receiver
) -> None:
    await scenario(merchant, tokenLifetimeSeconds=60, sessionLifetimeSeconds=3600)
    private_id = (await session(merchant, receiver))["privateId"]
    await advance(merchant, "walley", 61)
    r = await merchant.client.post(
        f"/sandbox/checkouts/{private_id}/pay", json={"persona": "approve"}, headers=ADMIN
    )
    assert r.status_code >= 400 and "CHECKOUT_TOKEN_EXPIRED" in r.text
    assert ok(await send(merchant, "kro_get.http", private_id))["status"] == "Initialized"
    await advance(merchant, "walley", 3600)
    refused(await send(merchant, "kro_get.http", private_id), 404, "Not_Found")
    refused(await send(merchant, "kro_update.http", private_id), 404, "Not_Found")
