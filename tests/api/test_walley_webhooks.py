"""Walley's webhooks as dev.walleypay.com documents them ("Webhooks": overview, order events):
the headers, a signature a shop's receiver verifies, the correlation id of the write, the
events each order sends, and Walley's retry schedule — against a real HTTP receiver.

``shop_accepts`` is a shop's receiver written from the documentation (docs/decisions.md,
"Walley-Signature"), not from orderdesk's code."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.receiver import Received, Receiver
from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant, advance, deliveries, notify

WALLEY_SCHEDULE = [5, 10, 180, 3600, 14400, 28800, 57600, 86400]
README = Path(__file__).parents[2] / "README.md"


def shop_accepts(request: Received, secret: str) -> bool:
    """A shop's check of a Walley webhook: the HMAC-SHA256 of "<Walley-Timestamp>.<raw body>"
    under the webhook secret, in hex, must equal Walley-Signature."""
    timestamp = request.headers["walley-timestamp"]
    signed = timestamp.encode() + b"." + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["walley-signature"])


def readme_receiver() -> Callable[[dict[str, str], bytes, str], bool]:
    """The check the README shows shops, exactly as written there."""
    text = README.read_text(encoding="utf-8")
    at = text.index("def walley_webhook_is_genuine")
    code = text[text.rindex("```python\n", 0, at) + len("```python\n") : text.index("```", at)]
    scope: dict[str, Any] = {}
    exec(code, scope)
    check: Callable[[dict[str, str], bytes, str], bool] = scope["walley_webhook_is_genuine"]
    return check


async def _secret(merchant: Merchant) -> str:
    path = f"/sandbox/stores/{merchant.stores['walley']}/notifications"
    r = await merchant.client.get(path, headers=ADMIN)
    assert r.status_code == 200, r.text
    secret: str = r.json()["webhookSecret"]
    return secret


def _of(receiver: Receiver, order_id: str) -> list[Received]:
    with receiver.lock:
        return [r for r in receiver.received if r.json()["Payload"]["OrderId"] == order_id]


async def test_every_delivery_carries_walley_s_headers_and_a_signature_the_shop_verifies(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url)
    secret = await _secret(merchant)
    assert len(secret) == 64
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    capture_id = r.headers["x-correlation-id"]
    await receiver.wait_for(2, lambda doc: doc["Payload"]["OrderId"] == order_id)
    created, captured = _of(receiver, order_id)
    for request in (created, captured):
        assert request.headers["user-agent"] == "Walleybot 0.1 (+https://dev.walleypay.com)"
        assert request.headers["walley-live"] == "False"
        assert request.headers["content-type"] == "application/json"
        occurred = datetime.fromisoformat(request.json()["Timestamp"])
        assert request.headers["walley-timestamp"] == str(int(occurred.timestamp()))
        assert shop_accepts(request, secret)
        assert not shop_accepts(request, "not-" + secret)
        assert readme_receiver()(request.headers, request.body, secret)
    assert [request.json()["Type"] for request in (created, captured)] == [
        "walley:order:created",
        "walley:order:captured",
    ]
    # the correlation id is the capture's, and the documented GET with it answers the order
    assert captured.headers["walley-correlationid"] == capture_id
    assert created.headers["walley-correlationid"] != capture_id
    for request in (created, captured):
        correlation = request.headers["walley-correlationid"]
        r = await merchant.client.get(
            f"/manage/orders/{order_id}", params={"correlationId": correlation}, headers=headers
        )
        assert r.status_code == 200, r.text


async def test_a_rotated_secret_signs_what_is_sent_after(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url, ["walley:order:created"])
    old = await _secret(merchant)
    path = f"/sandbox/stores/{merchant.stores['walley']}/webhook-secret"
    r = await merchant.client.post(path, headers=ADMIN)
    assert r.status_code == 200, r.text
    new = r.json()["webhookSecret"]
    assert new != old and len(new) == 64 and new == await _secret(merchant)
    order_id = (await merchant.order("walley", [SHOES]))["orderId"]
    await receiver.wait_for(1, lambda doc: doc["Payload"]["OrderId"] == order_id)
    [request] = _of(receiver, order_id)
    assert shop_accepts(request, new) and not shop_accepts(request, old)
    r = await merchant.client.post("/sandbox/stores/nope/webhook-secret", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "STORE_NOT_FOUND"


async def test_a_new_order_is_created_authorized_without_an_authorized_webhook(
    merchant: Merchant, receiver: Receiver
) -> None:
    """``authorized`` is for an order accepted after it was on hold; ``extended`` for an
    expired order authorised again — extending an open order sends neither."""
    await notify(merchant, "walley", receiver.url)
    created = await merchant.order("walley", [SHOES, TSHIRTS], merchantReference="w-9")
    order_id = created["orderId"]
    headers = await merchant.walley_headers()
    r = await merchant.client.post(f"/manage/orders/{order_id}/extend", headers=headers)
    assert r.status_code == 202, r.text
    r = await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
    assert r.status_code == 202, r.text
    await receiver.wait_for(2, lambda doc: doc["Payload"]["OrderId"] == order_id)
    await asyncio.sleep(0.3)  # nothing more arrives
    got = [request.json() for request in _of(receiver, order_id)]
    assert [doc["Type"] for doc in got] == ["walley:order:created", "walley:order:cancelled"]
    assert got[0]["Payload"] == {
        "OrderId": order_id,
        "Reference": "w-9",
        "Amount": 285.00,
        "Currency": "SEK",
        "Status": "Authorized",
        "AuthorizationId": None,
        "CustomerToken": None,
    }


async def test_failed_deliveries_follow_walley_s_schedule_to_its_end(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.default = 500
    await notify(merchant, "walley", receiver.url, ["walley:order:created"])
    order_id = (await merchant.order("walley", [SHOES]))["orderId"]
    await receiver.wait_for(1, lambda doc: doc["Payload"]["OrderId"] == order_id)
    for step, seconds in enumerate(WALLEY_SCHEDULE, start=2):
        [delivery] = await _after_attempts(merchant, order_id, step - 1)
        last = datetime.fromisoformat(delivery["attempts"][-1]["at"])
        assert datetime.fromisoformat(delivery["nextAttemptAt"]) - last == timedelta(
            seconds=seconds
        )
        await advance(merchant, "walley", seconds)
        await receiver.wait_for(step, lambda doc: doc["Payload"]["OrderId"] == order_id)
    [delivery] = await _after_attempts(merchant, order_id, 9)
    assert delivery["state"] == "failed" and delivery["nextAttemptAt"] is None
    times = [datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    for gap, wanted in zip(gaps, WALLEY_SCHEDULE, strict=True):
        assert wanted <= gap < wanted + 5, gaps
    # every retry is the same request: same timestamp, same signature
    secret = await _secret(merchant)
    sent = _of(receiver, order_id)
    assert len({(r.body, r.headers["walley-signature"]) for r in sent}) == 1
    assert all(shop_accepts(r, secret) for r in sent)


async def _after_attempts(merchant: Merchant, order_id: str, count: int) -> list[Any]:
    """The order's deliveries once the first has ``count`` attempts recorded with what follows
    (its next attempt, or its end)."""
    deadline = time.monotonic() + 15
    while True:
        found = await deliveries(merchant, "walley", orderId=order_id)
        first = found[0]
        recorded = first["state"] != "pending" or first["nextAttemptAt"] is not None
        if len(first["attempts"]) >= count and recorded:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)
