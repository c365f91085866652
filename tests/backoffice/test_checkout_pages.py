"""The back-office's checkout sessions (``/admin/checkouts``): listed newest first with their
status on the store's clock, filtered by store; a session's page shows its cart, its shop's
URLs, its callbacks (linked to the delivery inbox, whose page links back) and the order it
made (linked to the order page)."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.apps import running_app
from tests.support.backoffice import signed_in
from tests.support.checkouts import swapped
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SAMSUNG, Merchant


@pytest.fixture(scope="module")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """orderdesk's own checkout for every store (its callbacks: JSON POSTs)."""
    async with running_app(database_url, ADMIN_TOKEN, swapped(None)) as application:
        yield application


async def _paid(merchant: Merchant, receiver: Receiver) -> dict[str, Any]:
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={
            "storeId": merchant.stores["walley"],
            "orderLines": [SAMSUNG],
            "merchantReference": "cart-<9>",
            "urls": {"notification": receiver.url},
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    checkout_id = r.json()["checkoutId"]
    r = await merchant.client.post(f"/sandbox/checkouts/{checkout_id}/pay", json={}, headers=ADMIN)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 15
    while True:
        r = await merchant.client.get(f"/sandbox/checkouts/{checkout_id}", headers=ADMIN)
        paid: dict[str, Any] = r.json()
        if paid["callbacks"] and paid["callbacks"][0]["state"] == "delivered":
            return paid
        assert time.monotonic() < deadline, paid
        await asyncio.sleep(0.05)


async def test_the_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/admin/checkouts", "/admin/checkouts/x"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/signin")


async def test_sessions_are_listed_and_open_to_their_callbacks_and_order(
    client: httpx.AsyncClient, merchant: Merchant, receiver: Receiver
) -> None:
    paid = await _paid(merchant, receiver)
    open_one = await merchant.client.post(
        "/sandbox/checkouts",
        json={"storeId": merchant.stores["walley"], "orderLines": [SAMSUNG]},
        headers=ADMIN,
    )
    await signed_in(client)
    store = merchant.stores["walley"]
    r = await client.get("/admin/checkouts", params={"store": store})
    assert r.status_code == 200
    page = r.text
    first, second = open_one.json()["checkoutId"], paid["checkoutId"]
    assert page.index(f'href="/admin/checkouts/{first}"') < page.index(
        f'href="/admin/checkouts/{second}"'
    )
    assert f'<a href="/admin/orders/{paid["orderId"]}">' in page
    assert "cart-&lt;9&gt;" in page and "SEK 4,890.00" in page
    assert '<td data-label="Status">completed</td>' in page
    assert '<td data-label="Status">open</td>' in page

    r = await client.get(f"/admin/checkouts/{second}")
    assert r.status_code == 200
    body = html.unescape(r.text)
    [callback] = paid["callbacks"]
    assert f'<a href="/admin/deliveries/{callback["deliveryId"]}">' in body
    assert f"<code>POST {receiver.url}</code>" in body
    assert f'<a href="/admin/orders/{paid["orderId"]}">' in body
    assert f'<a href="/orderdesk-checkout/{paid["token"]}">' in body
    assert 'completed <span class="muted">(paid as approve)</span>' in body

    r = await client.get(f"/admin/deliveries/{callback['deliveryId']}")
    assert r.status_code == 200
    assert f'<a href="/admin/checkouts/{second}">' in r.text
    assert f"<code>POST {receiver.url}</code>" in html.unescape(r.text)


async def test_unknown_sessions_and_stores(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    r = await client.get("/admin/checkouts/nope")
    assert r.status_code == 404 and "There is no checkout session nope" in r.text
    r = await client.get("/admin/checkouts", params={"store": "nope"})
    assert r.status_code == 404 and "There is no store nope." in r.text
