"""Walley POST /manage/orders/{id}/reauthorize and GET …/reauthorize/{reauthorizeId}.

The same or a lower amount answers 202 and applies at once; a raise answers 201 with the
status resource in ``Location``, decided by the store's scripted credit check.
"""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order
from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant
from tests.support.walley_api import accepted, capture, get, state, store_settings, walley_order

ITEMS = [
    {"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1, "vat": 25},
    {"id": "10002", "description": "T-Shirt", "unitPrice": 95, "quantity": 2, "vat": 25},
]
SOCKS = {"id": "10003", "description": "Socks", "unitPrice": 49.5, "quantity": 2, "vat": 25}


async def reauthorize(merchant: Merchant, order_id: str, body: Any) -> httpx.Response:
    headers = await merchant.walley_headers()
    return await merchant.client.post(
        f"/manage/orders/{order_id}/reauthorize", json=body, headers=headers
    )


async def poll(merchant: Merchant, location: str) -> httpx.Response:
    return await merchant.client.get(location, headers=await merchant.walley_headers())


async def ledger(app: FastAPI, order_id: str) -> list[tuple[str, int]]:
    rows = await app.state.pool.fetch(
        "SELECT kind, amount FROM ledger WHERE order_id=$1 ORDER BY seq", order_id
    )
    return [(r["kind"], r["amount"]) for r in rows]


def created(r: httpx.Response, order_id: str) -> str:
    assert r.status_code == 201, r.text
    assert r.content == b""
    location = r.headers["location"]
    prefix = f"/manage/orders/{order_id}/reauthorize/"
    assert location.startswith(prefix) and len(location) == len(prefix) + 36
    return location


# -- same or lower: 202 -------------------------------------------------------------------------
async def test_a_lower_amount_replaces_the_items(
    app: FastAPI, merchant: Merchant, database_url: str
) -> None:
    order_id = await walley_order(merchant)
    body = {"amount": 190, "actionReference": "re-1", "items": [ITEMS[1]]}
    r = await reauthorize(merchant, order_id, body)
    accepted(r, order_id)
    assert r.headers["x-correlation-id"].startswith("oe_")
    data = await get(merchant, order_id)
    assert (data["status"], data["totalAmount"]) == ("NotActivated", 190)
    assert [(i["articleNumber"], i["quantity"], i["type"]) for i in data["items"]] == [
        ("10002", 2, "purchase")
    ]
    assert await ledger(app, order_id) == [("release", 9500)]
    order = await checked_order(database_url, order_id)
    assert order.authorized == 19000


async def test_the_same_amount_with_other_items(app: FastAPI, merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    items = [{"id": "20001", "description": "Boots", "unitPrice": 285, "quantity": 1, "vat": 25}]
    accepted(await reauthorize(merchant, order_id, {"amount": 285, "items": items}), order_id)
    data = await get(merchant, order_id)
    assert [(i["articleNumber"], i["price"]) for i in data["items"]] == [("20001", 285)]
    assert await ledger(app, order_id) == []
    accepted(await capture(merchant, order_id, {"amount": 285, "items": items}), order_id)


async def test_by_amount_only(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    accepted(await reauthorize(merchant, order_id, {"amount": "200.00"}), order_id)
    data = await get(merchant, order_id)
    assert data["totalAmount"] == 200
    assert [(i["description"], i["price"]) for i in data["items"]] == [("Reauthorized amount", 200)]


async def test_on_a_part_activated_order_only_what_is_not_captured_changes(
    app: FastAPI, merchant: Merchant, database_url: str
) -> None:
    order_id = await walley_order(merchant)
    shoes = {"id": "10001", "unitPrice": 95, "quantity": 1}
    accepted(await capture(merchant, order_id, {"amount": 95, "items": [shoes]}), order_id)
    body = {"amount": 95, "items": [{**ITEMS[1], "quantity": 1}]}
    accepted(await reauthorize(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert (data["status"], data["totalAmount"]) == ("PartActivated", 190)
    await checked_order(database_url, order_id)
    accepted(await capture(merchant, order_id, {"amount": 95}), order_id)
    assert (await get(merchant, order_id))["status"] == "Activated"


# -- a raise: 201 + poll -------------------------------------------------------------------------
async def test_a_raise_approved_at_once(app: FastAPI, merchant: Merchant, database_url: str):
    order_id = await walley_order(merchant)
    body = {"amount": 384, "actionReference": "up-1", "items": [*ITEMS, SOCKS]}
    location = created(await reauthorize(merchant, order_id, body), order_id)
    r = await poll(merchant, location)
    assert (r.status_code, r.json()) == (200, {"data": {"status": "Completed"}})
    data = await get(merchant, order_id)
    assert (data["status"], data["totalAmount"]) == ("NotActivated", 384)
    assert await ledger(app, order_id) == [("reauthorize", 9900)]
    order = await checked_order(database_url, order_id)
    assert order.authorized == 38400
    accepted(await capture(merchant, order_id, {"amount": 384}), order_id)


async def test_a_raise_rejected_changes_nothing(app: FastAPI, merchant: Merchant) -> None:
    await store_settings(merchant, creditCheck="reject")
    order_id = await walley_order(merchant)
    before = (await get(merchant, order_id), await ledger(app, order_id))
    body = {"amount": 384, "items": [*ITEMS, SOCKS]}
    location = created(await reauthorize(merchant, order_id, body), order_id)
    r = await poll(merchant, location)
    assert (r.status_code, r.json()) == (200, {"data": {"status": "Failed"}})
    assert (await get(merchant, order_id), await ledger(app, order_id)) == before
    # a lower amount needs no credit check
    accepted(await reauthorize(merchant, order_id, {"amount": 95, "items": ITEMS[:1]}), order_id)


async def test_a_raise_approved_after_a_delay(app: FastAPI, merchant: Merchant) -> None:
    await store_settings(merchant, creditCheck="approve", creditCheckSeconds=0.4)
    order_id = await walley_order(merchant)
    before = await get(merchant, order_id)
    body = {"amount": 384, "items": [*ITEMS, SOCKS]}
    location = created(await reauthorize(merchant, order_id, body), order_id)
    r = await poll(merchant, location)
    assert r.json() == {"data": {"status": "Pending"}}
    assert await get(merchant, order_id) == before
    # one raise at a time
    again = await reauthorize(merchant, order_id, body)
    assert (again.status_code, error_code(again)) == (422, "REAUTHORIZE_ALREADY_PENDING")
    await asyncio.sleep(0.5)
    assert (await poll(merchant, location)).json() == {"data": {"status": "Completed"}}
    assert (await get(merchant, order_id))["totalAmount"] == 384
    assert await ledger(app, order_id) == [("reauthorize", 9900)]


async def test_a_delayed_raise_is_seen_by_a_read_without_a_poll(merchant: Merchant) -> None:
    await store_settings(merchant, creditCheckSeconds=0.2)
    order_id = await walley_order(merchant)
    created(await reauthorize(merchant, order_id, {"amount": 300}), order_id)
    await asyncio.sleep(0.3)
    assert (await get(merchant, order_id))["totalAmount"] == 300


async def test_a_delayed_raise_fails_when_the_order_was_captured_meanwhile(
    merchant: Merchant,
) -> None:
    await store_settings(merchant, creditCheckSeconds=0.2)
    order_id = await walley_order(merchant)
    location = created(await reauthorize(merchant, order_id, {"amount": 300}), order_id)
    accepted(await capture(merchant, order_id, {"amount": 285}), order_id)
    await asyncio.sleep(0.3)
    assert (await poll(merchant, location)).json() == {"data": {"status": "Failed"}}
    data = await get(merchant, order_id)
    assert (data["status"], data["totalAmount"]) == ("Activated", 285)


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"items": ITEMS}, 400, "INVALID_REQUEST"),
        ({"amount": [1]}, 400, "INVALID_REQUEST"),
        ({"amount": 1.001}, 422, "REAUTHORIZE_AMOUNT_HAS_TOO_MANY_DECIMALS"),
        (
            {"amount": 95, "items": [{**ITEMS[0], "unitPrice": 94.999}]},
            422,
            "REAUTHORIZE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS",
        ),
        ({"amount": 10, "description": "x" * 51}, 422, "REAUTHORIZE_DESCRIPTION_TOO_LONG"),
        ({"amount": -1}, 422, "REAUTHORIZE_AMOUNT_MUST_BE_POSITIVE"),
        ({"amount": 0}, 422, "REAUTHORIZE_AMOUNT_MUST_BE_POSITIVE"),
        (
            {"amount": 100, "items": ITEMS},
            422,
            "REAUTHORIZE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT",
        ),
        (
            {"amount": 95, "items": [{**ITEMS[0], "vat": 12}]},
            422,
            "MATCHING_ARTICLES_WITH_DIFFERENT_VAT",
        ),
        (
            {"amount": 90, "items": [{**ITEMS[0], "unitPrice": 90}]},
            422,
            "ARTICLE_EXISTS_BUT_OTHER_INFORMATION",
        ),
        (
            {"amount": 190, "items": [{**SOCKS, "unitPrice": 50}, {**SOCKS, "vat": 12,
             "unitPrice": 45}]},
            422,
            "MATCHING_ARTICLES_WITH_DIFFERENT_VAT",
        ),
    ],
)  # fmt: skip
async def test_refusals_change_nothing(
    app: FastAPI, merchant: Merchant, body: Any, status: int, code: str
) -> None:
    order_id = await walley_order(merchant)
    before = await state(app, merchant, order_id)
    r = await reauthorize(merchant, order_id, body)
    assert (r.status_code, error_code(r)) == (status, code), r.text
    assert await state(app, merchant, order_id) == before


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("captured", "ORDER_ALREADY_CAPTURED"),
        ("refunded", "ORDER_ALREADY_CAPTURED"),
        ("cancelled", "REAUTHORIZE_INVALID_ORDER_STATUS"),
        ("part captured, rest cancelled", "REAUTHORIZE_INVALID_ORDER_STATUS"),
        ("closed", "REAUTHORIZE_INVALID_ORDER_STATUS"),
        ("prepaid", "REAUTHORIZE_ORDER_INCREASE_ABOVE_CURRENT_TOTAL_AMOUNT_IS_NOT_ALLOWED"),
    ],
)
async def test_refused_by_the_order_s_state(
    app: FastAPI, merchant: Merchant, how: str, code: str
) -> None:
    lines = [SHOES, TSHIRTS]
    if how == "prepaid":
        order_id = str((await merchant.order("walley", lines, paymentMethod="Swish"))["orderId"])
    else:
        order_id = await walley_order(merchant, lines)
    headers = await merchant.walley_headers()
    if how in ("captured", "refunded"):
        accepted(await capture(merchant, order_id, {"amount": 285}), order_id)
    if how == "refunded":
        r = await merchant.client.post(
            f"/manage/orders/{order_id}/refund", json={"amount": 285}, headers=headers
        )
        accepted(r, order_id)
    if how == "part captured, rest cancelled":
        accepted(await capture(merchant, order_id, {"amount": 95, "items": [ITEMS[0]]}), order_id)
    if how in ("cancelled", "part captured, rest cancelled"):
        r = await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
        accepted(r, order_id)
    if how == "closed":
        r = await merchant.client.post(f"/sandbox/orders/{order_id}/close", headers=ADMIN)
        assert r.status_code == 200
    before = await state(app, merchant, order_id)
    r = await reauthorize(merchant, order_id, {"amount": 300})
    assert (r.status_code, error_code(r)) == (422, code), r.text
    assert await state(app, merchant, order_id) == before


async def test_the_status_resource_of_an_unknown_raise_is_404(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    location = f"/manage/orders/{order_id}/reauthorize/fc83a489-2c2f-4c65-a364-ed4b7c4850da"
    r = await poll(merchant, location)
    assert (r.status_code, error_code(r)) == (404, "REAUTHORIZATION_NOT_FOUND")
    r = await merchant.client.get(location)
    assert r.status_code == 401
