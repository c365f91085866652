"""Checkout sessions through the sandbox API: made, paid headlessly as each persona, completed
exactly once under parallel requests, refused after completion or expiry on the store's
clock, and their callbacks in the delivery inbox under each scenario (orderdesk's own
checkout: a store's provider without one gets JSON POSTs to the session's URLs)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.service import checkout
from orderdesk.service.provider_side import order_ref
from orderdesk.web.answers import Reply, json_answer
from tests.support.apps import running_app
from tests.support.checkouts import swapped
from tests.support.receiver import Receiver
from tests.support.sandbox import (
    ADMIN,
    ADMIN_TOKEN,
    SAMSUNG,
    SHOES,
    Merchant,
    advance,
    deliveries,
    notify,
)

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


@pytest.fixture(scope="module")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """orderdesk's own checkout for every store (each provider's is tested in its package)."""
    async with running_app(database_url, ADMIN_TOKEN, swapped(None)) as application:
        yield application


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


async def test_updates_and_other_personas_are_refused_after_completion(
    app: Any, merchant: Merchant
) -> None:
    made = await make(merchant)
    first = (await pay(merchant.client, made["checkoutId"])).json()
    again = await pay(merchant.client, made["checkoutId"], "decline")
    assert again.status_code == 200
    assert again.json()["orderId"] == first["orderId"] and again.json()["status"] == "completed"
    uow = app.state.uow
    try:
        await checkout.update(uow.pool, made["checkoutId"], lambda s, now: None)
    except DomainError as refused:
        assert (refused.code, refused.kind) == ("CHECKOUT_COMPLETED", Kind.STATE)
    else:
        raise AssertionError("an update after completion was accepted")
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.json()["version"] == first["version"]


async def test_decline_and_abandon_make_no_order_and_end_the_session(
    merchant: Merchant, receiver: Receiver
) -> None:
    for persona, status in (("decline", "declined"), ("abandon", "abandoned")):
        made = await make(merchant, receiver)
        r = await pay(merchant.client, made["checkoutId"], persona)
        assert r.status_code == 200, r.text
        ended = r.json()
        assert (ended["status"], ended["orderId"], ended["callbacks"]) == (status, None, [])
        assert ended["redirectUrl"] == (
            f"https://shop.example/thanks?c={made['checkoutId']}" if persona == "decline" else None
        )
        r = await pay(merchant.client, made["checkoutId"])
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "CHECKOUT_CLOSED"
    assert receiver.received == []


async def test_a_session_expires_on_its_stores_clock(merchant: Merchant) -> None:
    made = await make(merchant, scenario={"sessionLifetimeSeconds": 3600})
    await advance(merchant, "walley", 3599)
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.json()["status"] == "open"
    await advance(merchant, "walley", 1)
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.json()["status"] == "expired"
    r = await pay(merchant.client, made["checkoutId"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "CHECKOUT_EXPIRED"


async def test_a_token_past_its_lifetime_cannot_pay(merchant: Merchant) -> None:
    made = await make(merchant, scenario={"tokenLifetimeSeconds": 60})
    await advance(merchant, "walley", 60)
    r = await pay(merchant.client, made["checkoutId"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "CHECKOUT_TOKEN_EXPIRED"
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.json()["status"] == "open" and r.json()["orderId"] is None


async def test_duplicate_callbacks_are_queued_twice(merchant: Merchant, receiver: Receiver) -> None:
    made = await make(merchant, receiver, scenario={"callbacks": "duplicate"})
    order_id = (await pay(merchant.client, made["checkoutId"])).json()["orderId"]
    callbacks = await settled_callbacks(merchant.client, made["checkoutId"], 2)
    assert [(d["eventType"], d["state"]) for d in callbacks] == [
        ("checkout.completed", "delivered")
    ] * 2
    assert [r.path for r in receiver.received] == [f"/hooks?order={order_id}"] * 2
    assert receiver.received[0].body == receiver.received[1].body


async def test_late_callbacks_wait_for_the_stores_clock(
    merchant: Merchant, receiver: Receiver
) -> None:
    made = await make(
        merchant, receiver, scenario={"callbacks": "late", "callbackDelaySeconds": 600}
    )
    paid = (await pay(merchant.client, made["checkoutId"])).json()
    [queued] = paid["callbacks"]
    assert queued["state"] == "pending" and queued["attempts"] == []
    due = datetime.fromisoformat(queued["nextAttemptAt"])
    assert due - datetime.fromisoformat(paid["completedAt"]) == timedelta(seconds=600)
    await advance(merchant, "walley", 599)
    assert receiver.received == []
    await advance(merchant, "walley", 1)
    [delivered] = await settled_callbacks(merchant.client, made["checkoutId"], 1)
    assert delivered["attempts"][0]["at"] == queued["nextAttemptAt"]
    assert len(receiver.received) == 1


async def test_no_callbacks_and_a_lost_redirect(merchant: Merchant, receiver: Receiver) -> None:
    made = await make(merchant, receiver, scenario={"callbacks": "none", "redirect": "lost"})
    paid = (await pay(merchant.client, made["checkoutId"])).json()
    assert paid["status"] == "completed" and paid["orderId"] is not None
    assert (paid["callbacks"], paid["redirectUrl"]) == ([], None)


async def test_the_stores_scenario_is_the_default_of_new_sessions(merchant: Merchant) -> None:
    store = merchant.stores["walley"]
    r = await merchant.client.get(f"/sandbox/stores/{store}/checkout-scenario", headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"storeId": store, **SCENARIO_DEFAULTS}
    wanted = {"callbacks": "late", "callbackDelaySeconds": 30, "redirect": "lost"}
    r = await merchant.client.put(
        f"/sandbox/stores/{store}/checkout-scenario", json=wanted, headers=ADMIN
    )
    assert r.status_code == 200
    assert r.json() == {"storeId": store, **SCENARIO_DEFAULTS, **wanted}
    assert (await make(merchant))["scenario"] == {**SCENARIO_DEFAULTS, **wanted}
    own = await make(merchant, scenario={"validation": False})
    assert own["scenario"] == {**SCENARIO_DEFAULTS, "validation": False}
    r = await merchant.client.put(
        f"/sandbox/stores/{store}/checkout-scenario", json={"callbacks": "often"}, headers=ADMIN
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == "callbacks"
    r = await merchant.client.get("/sandbox/stores/nope/checkout-scenario", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "STORE_NOT_FOUND"


async def test_bad_bodies_and_unknown_sessions_are_refused(merchant: Merchant) -> None:
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={"storeId": merchant.stores["walley"], "urls": {"notification": "ftp://x"}},
        headers=ADMIN,
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "urls.notification"
    r = await merchant.client.post("/sandbox/checkouts", json={"storeId": "nope"}, headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "STORE_NOT_FOUND"
    r = await merchant.client.get("/sandbox/checkouts/nope", headers=ADMIN)
    assert r.status_code == 404 and r.json() == {
        "error": {"code": "CHECKOUT_NOT_FOUND", "message": "Checkout nope was not found"}
    }
    empty = await make(merchant, orderLines=[])
    r = await pay(merchant.client, empty["checkoutId"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "CHECKOUT_EMPTY"
    r = await pay(merchant.client, empty["checkoutId"], "rich")
    assert r.status_code == 400 and r.json()["error"]["field"] == "persona"
    r = await merchant.client.post("/sandbox/checkouts", json={}, headers={})
    assert r.status_code == 401


async def test_an_order_on_hold_settles_its_session_and_queues_its_callbacks(
    merchant: Merchant, receiver: Receiver
) -> None:
    for decision, status in (("accept", "completed"), ("reject", "declined")):
        made = await make(merchant, receiver)
        held = (await pay(merchant.client, made["checkoutId"], "onHold")).json()
        assert held["status"] == "onHold"
        order_id = held["orderId"]
        r = await merchant.client.post(f"/sandbox/orders/{order_id}/{decision}", headers=ADMIN)
        assert r.status_code == 200, r.text
        callbacks = await settled_callbacks(merchant.client, made["checkoutId"], 2)
        assert [d["eventType"] for d in callbacks] == ["checkout.completed", "checkout.settled"]
        session = (
            await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
        ).json()
        assert session["status"] == status
        bodies = [orjson.loads(d["body"]) for d in callbacks]
        assert [b["status"] for b in bodies] == ["onHold", status]


async def test_a_failing_callback_holds_back_none_of_the_orders_notifications(
    merchant: Merchant, receiver: Receiver
) -> None:
    shop_down = Receiver(default=500).start()
    try:
        await notify(merchant, "ledyer", receiver.url)
        made = await make(merchant, shop_down, store="ledyer")
        order_id = (await pay(merchant.client, made["checkoutId"])).json()["orderId"]
        await receiver.wait_for(2, lambda doc: doc.get("orderId") == order_id)
        [callback] = (
            await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
        ).json()["callbacks"]
        assert callback["state"] == "pending" and callback["waitingFor"] is None
        notified = await deliveries(merchant, "ledyer", orderId=order_id)
        assert sorted((d["checkoutId"] or "", d["waitingFor"]) for d in notified) == [
            ("", None),
            ("", None),
            (made["checkoutId"], None),
        ]
    finally:
        shop_down.stop()


class _Accepted:
    """A presenter for a change made straight through the unit of work."""

    def present(self, order: Any, seq: int, result: Any) -> Reply:
        return json_answer({"orderId": order.id})

    def refuse(self, error: DomainError) -> Reply:
        raise error


async def test_a_session_left_on_hold_is_settled_by_the_next_accept(
    app: Any, merchant: Merchant, receiver: Receiver
) -> None:
    """As after a crash between the order's accept and its session's settling: the order is
    accepted, the session still on hold; accepting again is refused, and settles it."""
    made = await make(merchant, receiver)
    order_id = (await pay(merchant.client, made["checkoutId"], "onHold")).json()["orderId"]
    uow = app.state.uow
    ref = await order_ref(uow, order_id, "test")
    await uow.change(ref, None, lambda order, now: order.accept(now), _Accepted())
    session = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert session.json()["status"] == "onHold"
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/accept", headers=ADMIN)
    assert r.status_code == 409, r.text
    callbacks = await settled_callbacks(merchant.client, made["checkoutId"], 2)
    assert [d["eventType"] for d in callbacks] == ["checkout.completed", "checkout.settled"]
    session = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert session.json()["status"] == "completed"
