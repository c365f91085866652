"""A store's deliveries, store-wide: filtered by state, event type, order and time, newest or
oldest first, paged; a bad filter refused in the sandbox envelope; and a delivery held behind
an earlier one of its order says so instead of showing a next attempt in the past."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from orderdesk.store.outbox import DeliveryView, WaitingFor
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, Merchant, advance, deliveries, notify

HELD = "an earlier notification of the same order is not delivered yet"


async def until(
    merchant: Merchant, order_id: str, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The Ledyer order's deliveries, oldest first, once ``done`` holds of them."""
    deadline = time.monotonic() + 15
    while True:
        found = await deliveries(merchant, "ledyer", orderId=order_id)
        if done(found):
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


def states(found: list[dict[str, Any]]) -> list[str]:
    return [d["state"] for d in found]


async def test_a_delivery_held_behind_a_failing_one_says_why_and_shows_no_next_attempt(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.default = 500
    await notify(merchant, "ledyer", receiver.url)
    order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]  # create, ready
    # the first attempt failed: the first is retried, the second waits behind it
    first, second = await until(merchant, order_id, lambda f: len(f[0]["attempts"]) >= 1)
    assert states([first, second]) == ["pending", "pending"]
    assert first["waitingFor"] is None
    last = datetime.fromisoformat(first["attempts"][-1]["at"])
    assert datetime.fromisoformat(first["nextAttemptAt"]) >= last
    assert second["attempts"] == []
    assert second["nextAttemptAt"] is None  # it was "now" (its creation), long past
    assert second["waitingFor"] == {"deliveryId": first["deliveryId"], "reason": HELD}
    r = await merchant.client.get(f"/sandbox/deliveries/{second['deliveryId']}", headers=ADMIN)
    assert r.status_code == 200 and r.json()["waitingFor"] == second["waitingFor"]
    assert set(r.json()) == set(DeliveryView.__annotations__)
    assert set(second["waitingFor"]) == set(WaitingFor.__annotations__)

    # the shop is fixed and the first is sent again: both go, nothing waits any more
    receiver.default = 200
    r = await merchant.client.post(
        f"/sandbox/deliveries/{first['deliveryId']}/resend", headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["waitingFor"] is None
    done = await until(merchant, order_id, lambda f: states(f) == ["delivered"] * 2)
    assert [(d["waitingFor"], d["nextAttemptAt"]) for d in done] == [(None, None)] * 2


def _tried(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    """The first delivery was tried more than ``count`` times, or is no longer pending."""
    return lambda found: len(found[0]["attempts"]) > count or found[0]["state"] != "pending"


async def _fail_for_good(merchant: Merchant, order_id: str) -> None:
    """Move the Ledyer store's clock a day at a time until the order's first delivery has
    given up (the order expires after 14 days)."""
    [head, *_] = await until(merchant, order_id, _tried(0))
    while head["state"] == "pending":
        await advance(merchant, "ledyer", 86400)
        [head, *_] = await until(merchant, order_id, _tried(len(head["attempts"])))


async def test_deliveries_are_filtered_by_state(merchant: Merchant, receiver: Receiver) -> None:
    await notify(merchant, "ledyer", receiver.url)
    fine = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    await until(merchant, fine, lambda f: states(f) == ["delivered"] * 2)
    receiver.default = 500
    broken = (await merchant.order("ledyer", [SHOES]))["orderId"]
    await _fail_for_good(merchant, broken)
    # the order's second went once the first had given up, and failed too: the shop is fixed,
    # and a day on the store's clock holds the second's next attempt (the longest wait is 10 h)
    receiver.default = 200
    await advance(merchant, "ledyer", 86400)
    failed, delivered = await until(merchant, broken, lambda f: f[1]["state"] == "delivered")
    assert failed["state"] == "failed" and failed["nextAttemptAt"] is None
    gave_up = datetime.fromisoformat(failed["attempts"][-1]["at"])
    assert datetime.fromisoformat(delivered["attempts"][0]["at"]) >= gave_up  # in event order

    assert await deliveries(merchant, "ledyer", state="failed") == [failed]
    everything = await deliveries(merchant, "ledyer")
    assert await deliveries(merchant, "ledyer", state="delivered") == [
        d for d in everything if d["state"] == "delivered"
    ]
    assert len(everything) == 4 and delivered in everything
    assert await deliveries(merchant, "ledyer", state="pending") == []


async def test_filters_order_and_pages(merchant: Merchant, receiver: Receiver) -> None:
    await notify(merchant, "ledyer", receiver.url)
    orders = [(await merchant.order("ledyer", [SHOES]))["orderId"] for _ in range(3)]
    for order_id in orders:
        await until(merchant, order_id, lambda f: states(f) == ["delivered"] * 2)
    oldest = await deliveries(merchant, "ledyer")
    assert len(oldest) == 6
    assert [int(d["deliveryId"]) for d in oldest] == sorted(int(d["deliveryId"]) for d in oldest)
    assert await deliveries(merchant, "ledyer", sort="newest") == oldest[::-1]
    assert await deliveries(merchant, "ledyer", sort="oldest") == oldest

    ready = "com.ledyer.order.ready_for_capture"
    assert await deliveries(merchant, "ledyer", eventType=ready) == [
        d for d in oldest if d["eventType"] == ready
    ]
    assert await deliveries(merchant, "ledyer", orderId=orders[1], eventType=ready) == [
        d for d in oldest if d["orderId"] == orders[1] and d["eventType"] == ready
    ]

    # created from (inclusive) to (exclusive), on the store's clock, RFC 3339
    times = sorted({d["createdAt"] for d in oldest})
    assert len(times) == 3  # one change a time: an order's two notifications share it
    middle = await deliveries(merchant, "ledyer", **{"from": times[1], "to": times[2]})
    assert middle == [d for d in oldest if d["createdAt"] == times[1]]
    z = datetime.fromisoformat(times[1]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert await deliveries(merchant, "ledyer", **{"from": z}) == oldest[2:]
    assert await deliveries(merchant, "ledyer", to=times[0]) == []

    # pages: lastId is the previous page's last delivery, in either order
    path = f"/sandbox/stores/{merchant.stores['ledyer']}/deliveries"
    for sort, expected in (("oldest", oldest), ("newest", oldest[::-1])):
        seen: list[dict[str, Any]] = []
        last: str | int = 0
        while True:
            r = await merchant.client.get(
                path, params={"sort": sort, "limit": 4, "lastId": last}, headers=ADMIN
            )
            page = r.json()
            if not page["deliveries"]:
                assert page["lastId"] is None
                break
            seen += page["deliveries"]
            last = page["lastId"]
        assert seen == expected

    # the other store's deliveries are not these
    await notify(merchant, "walley", receiver.url)
    await merchant.order("walley", [SHOES])
    assert await deliveries(merchant, "ledyer", sort="newest") == oldest[::-1]


async def test_a_bad_filter_is_refused_not_ignored(merchant: Merchant) -> None:
    path = f"/sandbox/stores/{merchant.stores['ledyer']}/deliveries"
    refused = {
        "state": ("failing", 400, "INVALID_REQUEST"),
        "eventType": ("walley:order:captured", 422, "UNKNOWN_EVENT"),
        "from": ("2026-01-05", 400, "INVALID_REQUEST"),
        "to": ("1767600000", 400, "INVALID_REQUEST"),
        "sort": ("desc", 400, "INVALID_REQUEST"),
        "status": ("failed", 400, "INVALID_REQUEST"),  # not a parameter: state is
        "orderid": ("x", 400, "INVALID_REQUEST"),
        # well-formed, but not one of the store's: not found, as Ledyer's settlements answer
        "lastId": ("999999999", 404, "DELIVERY_NOT_FOUND"),
    }
    for name, (value, status, code) in refused.items():
        r = await merchant.client.get(path, params={name: value}, headers=ADMIN)
        assert r.status_code == status, (name, r.text)
        assert r.json()["error"]["code"] == code, (name, r.text)
        assert name in r.json()["error"]["message"], r.text
    r = await merchant.client.get(
        path,
        params={"from": "2026-01-06T00:00:00Z", "to": "2026-01-05T00:00:00+01:00"},
        headers=ADMIN,
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "INVALID_RANGE",
        "message": "from must not be after to",
        "field": "from",
    }
    r = await merchant.client.get(
        "/sandbox/stores/nope/deliveries", params={"state": "failed"}, headers=ADMIN
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "STORE_NOT_FOUND"
    r = await merchant.client.get(path, params={"state": "failed"})
    assert r.status_code == 401


async def test_the_openapi_document_describes_the_filters_and_why_a_delivery_waits(
    merchant: Merchant,
) -> None:
    document = (await merchant.client.get("/openapi.json")).json()
    operation = document["paths"]["/sandbox/stores/{storeId}/deliveries"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"state", "eventType", "orderId", "from", "to", "sort", "lastId", "limit"} <= set(
        parameters
    )
    assert parameters["from"]["schema"]["format"] == "date-time"
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["$ref"].endswith("/DeliveryPage")
    schemas = document["components"]["schemas"]
    delivery = schemas["DeliveryView"]
    assert set(delivery["properties"]) == set(DeliveryView.__annotations__)
    assert "waitingFor" in delivery["description"] and "next in line" in delivery["description"]
    assert set(schemas["WaitingFor"]["properties"]) == {"deliveryId", "reason"}
