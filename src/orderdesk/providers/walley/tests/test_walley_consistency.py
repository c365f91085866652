"""Eventual consistency as the seed describes it, scripted per store in the sandbox: a new
order is manageable only after a delay (a retry with the same X-Idempotency key then applies
once), reads lag behind writes, and a write's correlationId reads it at once."""

import asyncio

import httpx
from fastapi import FastAPI

from tests.support.envelopes import error_code
from tests.support.sandbox import Merchant
from tests.support.walley_api import accepted, get, store_settings, walley_order


async def events(app: FastAPI, order_id: str) -> int:
    count: int = await app.state.pool.fetchval(
        "SELECT count(*) FROM order_events WHERE order_id=$1", order_id
    )
    return count


async def test_default_settings_are_at_once(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    assert (await get(merchant, order_id))["status"] == "NotActivated"


async def test_a_new_order_is_manageable_after_the_delay(app: FastAPI, merchant: Merchant):
    await store_settings(merchant, manageableAfterSeconds=0.5)
    order_id = await walley_order(merchant)
    headers = {**await merchant.walley_headers(), "X-Idempotency": "early-1"}
    url = f"/manage/orders/{order_id}/capture"
    before = await events(app, order_id)
    r = await merchant.client.post(url, json={"amount": 95.0}, headers=headers)
    assert (r.status_code, error_code(r)) == (404, "ORDER_NOT_FOUND")
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=headers)
    assert r.status_code == 404
    assert await events(app, order_id) == before
    await asyncio.sleep(0.6)
    first = await merchant.client.post(url, json={"amount": 95.0}, headers=headers)
    accepted(first, order_id)
    again = await merchant.client.post(url, json={"amount": 95.0}, headers=headers)

    def answer(r: httpx.Response) -> tuple[object, ...]:
        headers = {k: v for k, v in r.headers.items() if k != "x-request-id"}  # one per request
        return (r.status_code, headers, r.content)

    assert answer(again) == answer(first)
    assert await events(app, order_id) == before + 1  # applied once
    assert (await get(merchant, order_id))["status"] == "PartActivated"


async def test_reads_lag_behind_writes_and_a_correlation_id_reads_its_write(
    merchant: Merchant,
) -> None:
    order_id = await walley_order(merchant)
    await store_settings(merchant, readLagSeconds=0.6)
    headers = await merchant.walley_headers()
    # created within the lag: not visible yet
    await asyncio.sleep(0.7)
    assert (await get(merchant, order_id))["status"] == "NotActivated"
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 285}, headers=headers
    )
    accepted(r, order_id)
    correlation = r.headers["x-correlation-id"]
    assert (await get(merchant, order_id))["status"] == "NotActivated"  # lagging
    own = await merchant.client.get(
        f"/manage/orders/{order_id}", params={"correlationId": correlation}, headers=headers
    )
    assert (own.status_code, own.json()["data"]["status"]) == (200, "Activated")
    await asyncio.sleep(0.7)
    assert (await get(merchant, order_id))["status"] == "Activated"
    unknown = await merchant.client.get(
        f"/manage/orders/{order_id}", params={"correlationId": "oe_nope"}, headers=headers
    )
    assert (unknown.status_code, error_code(unknown)) == (404, "CORRELATION_ID_NOT_FOUND")


async def test_an_order_created_within_the_lag_is_not_found_yet(merchant: Merchant) -> None:
    await store_settings(merchant, readLagSeconds=30)
    order_id = await walley_order(merchant)
    r = await merchant.client.get(
        f"/manage/orders/{order_id}", headers=await merchant.walley_headers()
    )
    assert (r.status_code, error_code(r)) == (404, "ORDER_NOT_FOUND")


async def test_settings_of_an_unknown_store_are_404(merchant: Merchant) -> None:
    r = await merchant.client.put(
        "/sandbox/stores/nope/settings",
        json={},
        headers={"authorization": "Bearer test-admin-token"},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "STORE_NOT_FOUND")


async def test_resetting_a_store_deletes_the_versions_lagging_reads_keep(merchant: Merchant):
    order_id = await walley_order(merchant)
    await store_settings(merchant, readLagSeconds=0.1)
    await asyncio.sleep(0.15)
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture",
        json={"amount": 285},
        headers=await merchant.walley_headers(),
    )
    accepted(r, order_id)
    r = await merchant.client.post(
        f"/sandbox/stores/{merchant.stores['walley']}/reset",
        headers={"authorization": "Bearer test-admin-token"},
    )
    assert (r.status_code, r.json()["deleted"]["orders"]) == (200, 1), r.text
