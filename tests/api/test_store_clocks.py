"""One notion of "now" per store: reads, lists and searches judge each order at its store's
clock, and moving a clock runs, in time order, everything that falls due in between (Stripe's
test clocks), each at its due time, before it answers what it ran.

Each test makes a request of another store (whose clock has not moved) between moving a clock
and reading: in a server every request is a task of its own, and a read must not depend on
which store the request before it touched."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter

from orderdesk.sandbox.clock import AdvanceAnswer
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, Merchant, advance, deliveries, notify

DAY = 86400
LEDYER_WAITS = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]  # after each failed attempt


def soon(hours: int = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_a_walley_order_made_after_the_clock_moved_is_read_at_once(
    merchant: Merchant,
) -> None:
    moved = await advance(merchant, "walley", 2 * DAY)
    order_id = (await merchant.order("walley", [SHOES]))["orderId"]
    await merchant.order("ledyer", [SAMSUNG])  # another store's request in between
    wh = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=wh)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["status"] == "NotActivated"
    assert datetime.fromisoformat(data["placedAt"]) >= datetime.fromisoformat(moved["now"])
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.0}, headers=wh
    )
    assert r.status_code == 202, r.text
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=wh)
    assert r.status_code == 200 and r.json()["data"]["status"] == "Activated"


async def test_a_walley_order_expired_by_the_clock_reads_expired_everywhere(
    merchant: Merchant,
) -> None:
    order_id = (await merchant.order("walley", [SHOES], expiresAt=soon()))["orderId"]
    await advance(merchant, "walley", 2 * 3600)
    await merchant.order("ledyer", [SAMSUNG])  # another store's request in between
    wh = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=wh)
    assert r.status_code == 200 and r.json()["data"]["status"] == "Expired", r.text
    r = await merchant.client.get("/manage/orders", params={"query": order_id}, headers=wh)
    assert [(o["id"], o["status"]) for o in r.json()["data"]] == [(order_id, "Expired")]
    await merchant.order("ledyer", [SAMSUNG])
    r = await merchant.client.get(
        "/manage/orders", params={"filter": 'status:["Expired"]'}, headers=wh
    )
    assert [(o["id"], o["status"]) for o in r.json()["data"]] == [(order_id, "Expired")]
    r = await merchant.client.get(
        "/manage/orders", params={"filter": 'status:["NotActivated"]'}, headers=wh
    )
    assert order_id not in [o["id"] for o in r.json()["data"]]
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.0}, headers=wh
    )
    assert r.status_code == 422 and "Expired" in r.text, r.text


async def test_a_ledyer_order_expired_by_the_clock_is_listed_as_read(merchant: Merchant) -> None:
    order_id = (await merchant.order("ledyer", [SAMSUNG], expiresAt=soon()))["orderId"]
    await advance(merchant, "ledyer", 2 * 3600)
    lh = await merchant.ledyer_headers()
    r = await merchant.client.get(f"/v1/orders/{order_id}", headers=lh)
    assert r.json()["status"] == ["uncaptured", "expired"]
    await merchant.order("walley", [SHOES])  # another store's request in between
    r = await merchant.client.get("/v1/orders", params={"id[]": order_id}, headers=lh)
    assert [o["status"] for o in r.json()["orders"]] == [["uncaptured", "expired"]]
    await merchant.order("walley", [SHOES])
    r = await merchant.client.get(
        "/v1/orders",
        params={"status[]": "expired", "id[]": order_id},
        headers=lh,
    )
    assert [o["id"] for o in r.json()["orders"]] == [order_id]


async def test_advancing_runs_every_retry_that_falls_due_at_its_due_time(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.default = 500
    await notify(merchant, "ledyer", receiver.url, ["com.ledyer.order.create"])
    order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    # the first attempt and the immediate retry go out in real time
    await receiver.wait_for(2, lambda doc: doc["orderId"] == order_id)
    [before] = await deliveries(merchant, "ledyer", orderId=order_id)
    while len(before["attempts"]) < 2:
        [before] = await deliveries(merchant, "ledyer", orderId=order_id)
    moved = await advance(merchant, "ledyer", 2 * DAY)
    # every attempt came due within the two days and was made before the answer
    assert len(receiver.bodies(lambda doc: doc["orderId"] == order_id)) == 9
    [delivery] = await deliveries(merchant, "ledyer", orderId=order_id)
    assert delivery["state"] == "failed" and delivery["nextAttemptAt"] is None
    times = [datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[0] < 5 and gaps[1:] == LEDYER_WAITS[1:]  # each at its due time
    assert times[-1] < datetime.fromisoformat(moved["now"])
    assert moved["processed"] == {
        "expired": 0,
        "attempts": 7,
        "delivered": 0,
        "retrying": 6,
        "failed": 1,
    }
    steps = moved["steps"]
    assert [step["at"] for step in steps] == [a["at"] for a in delivery["attempts"][2:]]
    assert [step["state"] for step in steps] == ["pending"] * 6 + ["failed"]
    assert steps[0] == {
        "at": delivery["attempts"][2]["at"],
        "kind": "attempt",
        "orderId": order_id,
        "deliveryId": delivery["deliveryId"],
        "eventType": "com.ledyer.order.create",
        "status": 500,
        "error": "answered 500",
        "state": "pending",
        "nextAttemptAt": delivery["attempts"][3]["at"],
    }


async def test_advancing_expires_then_notifies_in_time_order_and_says_so(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url, ["walley:order:expired"])
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    first = (await merchant.order("walley", [SHOES], expiresAt=expires.isoformat()))["orderId"]
    later = expires + timedelta(minutes=30)
    second = (await merchant.order("walley", [SHOES], expiresAt=later.isoformat()))["orderId"]
    moved = await advance(merchant, "walley", 2 * 3600)
    TypeAdapter(AdvanceAnswer).validate_python(moved)
    assert moved["status"] == "ready" and moved["advancingSince"] is None
    assert moved["processed"] == {
        "expired": 2,
        "attempts": 2,
        "delivered": 2,
        "retrying": 0,
        "failed": 0,
    }
    ran = [(s["kind"], s["orderId"], s["at"], s.get("state")) for s in moved["steps"]]
    assert ran == [
        ("expire", first, expires.isoformat(), None),
        ("attempt", first, expires.isoformat(), "delivered"),
        ("expire", second, later.isoformat(), None),
        ("attempt", second, later.isoformat(), "delivered"),
    ]
    # the notifications arrived before the answer, in that order, stamped with the expiry
    sent = receiver.bodies(lambda doc: doc["Payload"]["OrderId"] in (first, second))
    assert [(doc["Payload"]["OrderId"], doc["Timestamp"]) for doc in sent] == [
        (first, expires.isoformat()),
        (second, later.isoformat()),
    ]
    r = await merchant.client.get(
        f"/sandbox/stores/{merchant.stores['walley']}/clock", headers=ADMIN
    )
    assert r.json() == {
        "storeId": merchant.stores["walley"],
        "now": r.json()["now"],
        "offsetSeconds": 7200.0,
        "status": "ready",
        "advancingSince": None,
    }
    assert datetime.fromisoformat(r.json()["now"]) >= datetime.fromisoformat(moved["now"])


async def test_advances_at_once_add_up(merchant: Merchant) -> None:
    store = merchant.stores["ledyer"]
    path = f"/sandbox/stores/{store}/clock/advance"
    answers = await asyncio.gather(
        *(merchant.client.post(path, json={"seconds": 3600}, headers=ADMIN) for _ in range(3))
    )
    assert [r.status_code for r in answers] == [200, 200, 200]
    r = await merchant.client.get(f"/sandbox/stores/{store}/clock", headers=ADMIN)
    assert r.json()["offsetSeconds"] == 3 * 3600.0 and r.json()["status"] == "ready"


async def test_an_advance_is_checked(merchant: Merchant) -> None:
    path = f"/sandbox/stores/{merchant.stores['ledyer']}/clock/advance"
    for body in ({"seconds": 0}, {"seconds": 1.5}, {"seconds": "60"}, {}, {"seconds": 1, "x": 1}):
        r = await merchant.client.post(path, json=body, headers=ADMIN)
        assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST", body
    r = await merchant.client.post(path, json={"seconds": 60})
    assert r.status_code == 401
    r = await merchant.client.post(
        "/sandbox/stores/nope/clock/advance", json={"seconds": 60}, headers=ADMIN
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "STORE_NOT_FOUND"
