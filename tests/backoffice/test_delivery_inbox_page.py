"""The back-office's delivery inbox (``/admin/deliveries``): every store's notifications
newest first, filtered; one opens to its request as sent, its attempts and why it waits;
sending it again."""

from __future__ import annotations

import asyncio
import html
import re
import time
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from tests.support.backoffice import signed_in
from tests.support.receiver import Receiver
from tests.support.sandbox import SHOES, Merchant, deliveries, notify

HEADER = re.compile(
    r'<td data-label="Header"><code>([^<]+)</code></td><td data-label="Value"><code>([^<]*)</code>'
)
ROW = re.compile(r'<td data-label="Notification"><a href="/admin/deliveries/(\d+)">')


async def _until(merchant: Merchant, order_id: str, states: set[str]) -> list[dict[str, Any]]:
    """The order's deliveries once the first has been tried and theirs are ``states``."""
    deadline = time.monotonic() + 15
    while True:
        found = await deliveries(merchant, "ledyer", orderId=order_id)
        if found and found[0]["attempts"] and {d["state"] for d in found} == states:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def test_the_inbox_needs_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/admin/deliveries", "/admin/deliveries/1"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin")
    r = await client.post("/admin/deliveries/1/resend")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin")


async def test_the_inbox_lists_filters_opens_and_sends_again(
    client: httpx.AsyncClient, merchant: Merchant, receiver: Receiver
) -> None:
    csrf = await signed_in(client)
    store = merchant.stores["ledyer"]
    await notify(merchant, "ledyer", receiver.url)
    delivered = (await merchant.order("ledyer", [SHOES], merchantReference="inbox-1"))["orderId"]
    await receiver.wait_for(2, lambda doc: doc["orderId"] == delivered)
    receiver.default = 500
    failing = (await merchant.order("ledyer", [SHOES]))["orderId"]
    head, held = await _until(merchant, failing, {"pending"})
    assert held["waitingFor"]["deliveryId"] == head["deliveryId"]

    page = await client.get("/admin/deliveries", params={"store": store})
    assert page.status_code == 200
    assert '<a href="/admin/deliveries">Deliveries</a>' in page.text  # in the navigation
    ids = ROW.findall(page.text)
    assert len(ids) == 4 and ids == sorted(ids, key=int, reverse=True)  # newest first
    assert ids[:2] == [held["deliveryId"], head["deliveryId"]]
    assert f'waits for <a href="/admin/deliveries/{head["deliveryId"]}">' in page.text
    assert f"/admin/orders/{failing}" in page.text

    page = await client.get("/admin/deliveries", params={"store": store, "state": "delivered"})
    assert ROW.findall(page.text) == ids[2:]
    ready = "com.ledyer.order.ready_for_capture"
    page = await client.get("/admin/deliveries", params={"store": store, "type": ready})
    assert ROW.findall(page.text) == [held["deliveryId"], ids[2]]
    page = await client.get("/admin/deliveries", params={"state": "pending"})
    assert held["deliveryId"] in ROW.findall(page.text)  # every store's

    for params, message in (
        ({"state": "lost"}, "is not a state"),
        ({"store": store, "type": "walley:order:captured"}, "is not one of store"),
        ({"type": "nope"}, "is not one of any store"),
        ({"store": "nope"}, "There is no store nope"),
        ({"before": "x"}, "is not a notification id"),
    ):
        page = await client.get("/admin/deliveries", params=params)
        assert page.status_code == 422 and message in html.unescape(page.text), params
        assert ROW.findall(page.text) == []

    # the held one: why it waits; the failing one: its request exactly as the shop got it
    page = await client.get(f"/admin/deliveries/{held['deliveryId']}")
    assert page.status_code == 200
    assert f'Waits for <a href="/admin/deliveries/{head["deliveryId"]}">' in page.text
    assert "an earlier notification of the same order is not delivered yet" in page.text
    assert "Not attempted yet" in page.text
    page = await client.get(f"/admin/deliveries/{head['deliveryId']}")
    text = html.unescape(page.text)
    assert f"POST {receiver.url}" in text
    assert head["body"] in text
    with receiver.lock:
        sent = next(x for x in receiver.received if x.body.decode() == head["body"])
    shown = HEADER.findall(text)
    assert shown == list(sent.headers.items())  # every header, in the order sent
    assert "answered 500" in text and " ms</td>" in text and "Next attempt" in text

    # send the failing one again once the shop is fixed: both go
    receiver.default = 200
    r = await client.post(f"/admin/deliveries/{head['deliveryId']}/resend", data={"csrf": csrf})
    assert (
        r.status_code == 303 and r.headers["location"] == f"/admin/deliveries/{head['deliveryId']}"
    )
    page = await client.get(r.headers["location"])
    assert "will be sent again now" in page.text
    await _until(merchant, failing, {"delivered"})
    page = await client.get(f"/admin/deliveries/{held['deliveryId']}")
    assert "Delivered " in page.text and "Waits for" not in page.text

    r = await client.post(f"/admin/deliveries/{head['deliveryId']}/resend", data={"csrf": "x"})
    assert r.status_code == 403
    for path in ("/admin/deliveries/999999999", "/admin/deliveries/x", "/admin/deliveries/0"):
        assert (await client.get(path)).status_code == 404


async def test_a_store_beyond_the_choices_listed_is_still_found(
    app: FastAPI, client: httpx.AsyncClient, merchant: Merchant
) -> None:
    """The store select lists the first 500 stores; a store after them is still the filter."""
    await signed_in(client)
    pool: asyncpg.Pool = app.state.pool
    await pool.execute(
        "INSERT INTO stores (id, merchant_id, provider, country, currency, segment)"
        " SELECT '0-inbox-' || lpad(n::text, 3, '0'), $1, 'ledyer', 'SE', 'SEK', 'B2C'"
        " FROM generate_series(1, 500) AS n",
        merchant.merchant_id,
    )
    try:
        store = merchant.stores["ledyer"]
        page = await client.get("/admin/deliveries", params={"store": store})
        assert page.status_code == 200, page.text
        assert f'<option value="{store}" selected>' in page.text
    finally:
        await pool.execute("DELETE FROM stores WHERE id LIKE '0-inbox-%'")


async def test_a_walley_delivery_shows_its_signed_headers_and_the_store_its_secret(
    client: httpx.AsyncClient, merchant: Merchant, receiver: Receiver
) -> None:
    await signed_in(client)
    settings = await notify(merchant, "walley", receiver.url, ["walley:order:created"])
    store = merchant.stores["walley"]
    page = await client.get("/admin/deliveries", params={"store": store})
    assert f"<code>{settings['webhookSecret']}</code>" in page.text
    order_id = (await merchant.order("walley", [SHOES]))["orderId"]
    await receiver.wait_for(1, lambda doc: doc["Payload"]["OrderId"] == order_id)
    [delivery] = await deliveries(merchant, "walley", orderId=order_id)
    page = await client.get(f"/admin/deliveries/{delivery['deliveryId']}")
    with receiver.lock:
        sent = next(x for x in receiver.received if x.body.decode() == delivery["body"])
    shown = dict(HEADER.findall(html.unescape(page.text)))
    assert shown == sent.headers  # Walley-Signature and the rest, as they were sent
    assert shown["walley-signature"] and shown["walley-live"] == "False"
