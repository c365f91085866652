"""Notifications: exact bodies of both providers, the retry schedule on the store's test
clock, settings and inspection, resend — against a real HTTP receiver."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import datetime, timedelta
from typing import Any

from tests.support.receiver import Receiver
from tests.support.sandbox import (
    ADMIN,
    SAMSUNG,
    SHOES,
    TSHIRTS,
    Merchant,
    advance,
    deliveries,
    notify,
)


async def settled(merchant: Merchant, store: str, order_id: str, count: int) -> list[Any]:
    """The order's deliveries once ``count`` of them are no longer pending."""
    deadline = time.monotonic() + 15
    while True:
        found = await deliveries(merchant, store, orderId=order_id)
        if sum(d["state"] != "pending" for d in found) >= count:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def test_ledyer_notifications_are_ledyer_s_bodies_in_event_order(
    merchant: Merchant, receiver: Receiver
) -> None:
    settings = await notify(merchant, "ledyer", receiver.url)
    assert settings["events"] is None
    assert settings["availableEvents"] == [
        f"com.ledyer.order.{name}"
        for name in (
            "create",
            "ready_for_capture",
            "full_capture",
            "part_capture",
            "full_refund",
            "part_refund",
            "cancel",
            "expired",
            "paid",
        )
    ]
    created = await merchant.order("ledyer", [SAMSUNG, SAMSUNG], merchantReference="shop-1")
    order_id = created["orderId"]
    headers = await merchant.ledyer_headers()
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    r = await merchant.client.post(
        f"/v1/orders/{order_id}/partialcapture", json=body, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await merchant.client.delete(f"/v1/orders/{order_id}", headers=headers)
    assert r.status_code == 200, r.text

    got = await receiver.wait_for(4, lambda doc: doc["orderId"] == order_id)
    common = {
        "merchantId": merchant.merchant_id,
        "orderId": order_id,
        "reference": "shop-1",
        "storeId": merchant.stores["ledyer"],
    }
    assert got == [
        {"eventType": f"com.ledyer.order.{name}", **common}
        for name in ("create", "ready_for_capture", "part_capture", "cancel")
    ]
    with receiver.lock:
        first = next(x for x in receiver.received if x.json()["orderId"] == order_id)
    assert first.path == "/hooks"
    assert first.headers["content-type"] == "application/json"
    assert first.body == (
        b'{"eventType":"com.ledyer.order.create","merchantId":"'
        + merchant.merchant_id.encode()
        + b'","orderId":"'
        + order_id.encode()
        + b'","reference":"shop-1","storeId":"'
        + merchant.stores["ledyer"].encode()
        + b'"}'
    )
    listed = await settled(merchant, "ledyer", order_id, 4)
    assert [d["state"] for d in listed] == ["delivered"] * 4
    assert listed[0]["body"].encode() == first.body
    attempt = listed[0]["attempts"][0]
    assert attempt["status"] == 200 and attempt["error"] is None and attempt["latencyMs"] >= 0
    assert listed[0]["nextAttemptAt"] is None


async def test_walley_notifications_are_walley_s_bodies(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url)
    created = await merchant.order("walley", [SHOES, TSHIRTS], merchantReference="w-1")
    order_id = created["orderId"]
    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    for action in ("extend", "cancel"):
        r = await merchant.client.post(f"/manage/orders/{order_id}/{action}", headers=headers)
        assert r.status_code == 202, r.text
    # no ``authorized`` (the order was never on hold), no ``extended`` (nor had it expired)
    got = await receiver.wait_for(3, lambda doc: doc["Payload"]["OrderId"] == order_id)
    events = await _events(merchant, order_id)
    expected = [
        ("created", "285.00", ',"Status":"Authorized","AuthorizationId":null,"CustomerToken":null'),
        ("captured", "95.00", ""),
        ("cancelled", "190.00", ""),
    ]
    assert [doc["Type"] for doc in got] == [f"walley:order:{t}" for t, _, _ in expected]
    listed = await settled(merchant, "walley", order_id, 3)
    for delivery, (kind, amount, more), event in zip(listed, expected, events, strict=True):
        assert delivery["body"] == (
            '{"Type":"walley:order:' + kind + '","Timestamp":"' + event + '","Payload":'
            '{"OrderId":"'
            + order_id
            + '","Reference":"w-1","Amount":'
            + amount
            + ',"Currency":"SEK"'
            + more
            + "}}"
        )


async def _events(merchant: Merchant, order_id: str) -> list[str]:
    """The times of the order's events notified here, as stored (Walley's Timestamp)."""
    import asyncpg

    app = merchant.client._transport.app  # type: ignore[attr-defined]
    pool: asyncpg.Pool = app.state.pool
    rows = await pool.fetch(
        "SELECT created_at FROM order_events WHERE order_id = $1"
        " AND type IN ('create', 'fullCapture', 'partialCapture', 'cancel') ORDER BY seq",
        order_id,
    )
    return [row["created_at"].isoformat() for row in rows]


async def test_failed_deliveries_follow_ledyer_s_schedule_on_the_test_clock(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.default = 500
    await notify(merchant, "ledyer", receiver.url, ["com.ledyer.order.create"])
    order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    # the first attempt and the immediate retry, without the clock moving
    await receiver.wait_for(2, lambda doc: doc["orderId"] == order_id)
    schedule = [5, 300, 1800, 7200, 18000, 36000, 36000]
    for step, seconds in enumerate(schedule, start=3):
        [delivery] = await _after_attempts(merchant, order_id, step - 1)
        last = datetime.fromisoformat(delivery["attempts"][-1]["at"])
        due = datetime.fromisoformat(delivery["nextAttemptAt"])
        assert due - last == timedelta(seconds=seconds)
        await asyncio.sleep(0.6)  # a poll passes: not due yet, nothing is sent
        assert len(receiver.bodies(lambda doc: doc["orderId"] == order_id)) == step - 1
        await advance(merchant, "ledyer", seconds)
        await receiver.wait_for(step, lambda doc: doc["orderId"] == order_id)
    [delivery] = await _after_attempts(merchant, order_id, 9)
    assert delivery["state"] == "failed" and delivery["nextAttemptAt"] is None
    assert [a["status"] for a in delivery["attempts"]] == [500] * 9
    assert {a["error"] for a in delivery["attempts"]} == {"answered 500"}
    times = [datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    for gap, wanted in zip(gaps, [0, *schedule], strict=True):
        assert wanted <= gap < wanted + 5, gaps
    # a resend by hand, once the shop is fixed
    receiver.default = 200
    r = await merchant.client.post(
        f"/sandbox/deliveries/{delivery['deliveryId']}/resend", headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["state"] == "pending"
    [delivery] = await _after_attempts(merchant, order_id, 10)
    assert delivery["state"] == "delivered"
    assert len(receiver.bodies(lambda doc: doc["orderId"] == order_id)) == 10


async def _after_attempts(merchant: Merchant, order_id: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while True:
        found = await deliveries(merchant, "ledyer", orderId=order_id)
        if len(found[0]["attempts"]) >= count:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def test_a_redirect_or_a_timeout_is_a_failure(merchant: Merchant, receiver: Receiver) -> None:
    receiver.statuses = [302]
    await notify(merchant, "walley", receiver.url, ["walley:order:created"])
    order_id = (await merchant.order("walley", [SHOES]))["orderId"]
    await receiver.wait_for(2, lambda doc: doc["Payload"]["OrderId"] == order_id)
    [delivery] = await settled(merchant, "walley", order_id, 1)
    assert [a["status"] for a in delivery["attempts"]] == [302, 200]
    assert delivery["attempts"][0]["error"] == "answered 302"


async def test_notification_settings_are_checked(merchant: Merchant) -> None:
    store = merchant.stores["ledyer"]
    path = f"/sandbox/stores/{store}/notifications"
    r = await merchant.client.put(path, json={"url": "ftp://x/"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_URL"
    r = await merchant.client.put(
        path, json={"url": "http://x/", "events": ["walley:order:captured"]}, headers=ADMIN
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "UNKNOWN_EVENT"
    r = await merchant.client.put(path, json={"url": "http://x/"})
    assert r.status_code == 401
    r = await merchant.client.put(
        "/sandbox/stores/nope/notifications", json={"url": None}, headers=ADMIN
    )
    assert r.status_code == 404
    r = await merchant.client.put(
        path, json={"url": "http://x/h", "events": ["com.ledyer.order.cancel"]}, headers=ADMIN
    )
    assert r.status_code == 200
    r = await merchant.client.get(path, headers=ADMIN)
    assert r.json()["url"] == "http://x/h" and r.json()["events"] == ["com.ledyer.order.cancel"]
    r = await merchant.client.put(path, json={"url": None}, headers=ADMIN)
    assert r.json()["url"] is None
    order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    assert await deliveries(merchant, "ledyer", orderId=order_id) == []
    r = await merchant.client.get("/sandbox/deliveries/999999999", headers=ADMIN)
    assert r.status_code == 404


async def test_a_walley_reauthorization_notifies_its_original_amount(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url, ["walley:order:reauthorized"])
    created = await merchant.order("walley", [SHOES, TSHIRTS], merchantReference="w-2")
    order_id = created["orderId"]
    headers = await merchant.walley_headers()
    items = [{"id": "10002", "description": "T-Shirt", "unitPrice": 95, "quantity": 2}]
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/reauthorize",
        json={"amount": 190, "items": items},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    (got,) = await receiver.wait_for(1, lambda doc: doc["Payload"]["OrderId"] == order_id)
    assert got["Type"] == "walley:order:reauthorized"
    assert got["Payload"] == {
        "OrderId": order_id,
        "Reference": "w-2",
        "Amount": 190.00,
        "Currency": "SEK",
        "OriginalAmount": 285.00,
    }
    (delivery,) = await settled(merchant, "walley", order_id, 1)
    assert '"Amount":190.00,"Currency":"SEK","OriginalAmount":285.00}}' in delivery["body"]
