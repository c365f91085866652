"""Ledyer edit above the authorisation: "Increasing the total order amount might trigger a
new credit check" (developers.ledyer.com, order-management/edit-order). The store's scripted
credit check (the sandbox settings Walley's reauthorize uses) approves, declines or delays it.

The request is the one Ledyer's WooCommerce plugin sends when an item is added to the shop
order: the whole edited order (``ledyer/ledyer-order-management-for-woocommerce``,
``includes/lom-edit.php::lom_process_order_sync`` → ``classes/class-ledyer-om-order-mapper.php
::woo_to_ledyer_edit_order_lines``: every line's ``type, reference, description, quantity,
vat, totalAmount, totalVatAmount`` and the totals of the recalculated WooCommerce order).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.support.ledger import checked_order, ledger_holds
from tests.support.ledyer_api import Ledyer, error, sek
from tests.support.sandbox import ADMIN, Merchant

from .test_ledyer_refund import WOO_LINES

# A red T-shirt added to the plugin's example order (37800 → 47800), as the plugin sends it.
WOO_EDIT_ADDING_AN_ITEM = (
    b'{"orderLines":[{"type":"physical","reference":"TS-BLUE","description":"Blue T-shirt",'
    b'"quantity":2,"vat":2500,"totalAmount":20000,"totalVatAmount":4000},{"type":"digital",'
    b'"reference":"EBOOK-1","description":"E-book","quantity":1,"vat":600,"totalAmount":10000,'
    b'"totalVatAmount":566},{"type":"physical","reference":"TS-RED","description":"Red T-shirt",'
    b'"quantity":1,"vat":2500,"totalAmount":10000,"totalVatAmount":2000},{"type":"shippingFee",'
    b'"reference":"flat_rate:3","description":"Flat rate","quantity":1,"vat":2500,'
    b'"totalAmount":4900,"totalVatAmount":980},{"type":"surcharge","reference":"Fee",'
    b'"description":"Invoice fee","quantity":1,"vat":2500,"totalAmount":2900,'
    b'"totalVatAmount":580}],"totalOrderAmount":47800,"totalOrderAmountExclVat":39674,'
    b'"totalOrderVatAmount":8126}'
)
KEY = {"Idempotency-Key": "846102e1-3f99-43b4-ae0e-0589720547a5"}


async def _settings(merchant: Merchant, **settings: Any) -> None:
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['ledyer']}/settings", json=settings, headers=ADMIN
    )
    assert r.status_code == 200, r.text


async def test_an_approved_credit_check_raises_the_order(
    merchant: Merchant, database_url: str
) -> None:
    created = await merchant.order("ledyer", WOO_LINES)
    api = await Ledyer.of(merchant)
    r = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM, **KEY)
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["uncaptured"]
    assert order["orderAmount"] == sek(47800)
    assert order["uncapturedAmount"] == sek(47800)
    assert [x["reference"] for x in order["uncaptured"]["orderLines"]] == [
        "TS-BLUE", "EBOOK-1", "TS-RED", "flat_rate:3", "Fee"
    ]  # fmt: skip
    assert order["events"][0]["type"] == "edit"
    assert order["events"][0]["amount"] == sek(47800)
    stored = await checked_order(database_url, created["orderId"])
    assert stored.authorized == 47800
    ledger_holds(database_url, merchant.stores["ledyer"])
    # the plugin then captures the whole order: the raised amount is there to capture
    capture = WOO_EDIT_ADDING_AN_ITEM.split(b',"totalOrderAmount"')[0] + (
        b',"totalCaptureAmount":47800}'
    )
    r = await api.post(f"/v1/orders/{created['orderId']}/capture", capture)
    assert r.status_code == 200, r.text
    assert r.json()["capturedAmount"] == sek(47800)


async def test_a_declined_credit_check_leaves_the_order_as_it_was(merchant: Merchant) -> None:
    await _settings(merchant, creditCheck="reject")
    created = await merchant.order("ledyer", WOO_LINES)
    api = await Ledyer.of(merchant)
    before = await api.snapshot(created["orderId"])
    r = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM, **KEY)
    assert error(r) == (422, "EDIT_CREDIT_CHECK_DECLINED")
    assert r.json()["errors"][0]["field"] == "totalOrderAmount"
    assert await api.snapshot(created["orderId"]) == before
    # the refusal is the key's answer: a retry with it gets the same
    again = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM, **KEY)
    assert again.content == r.content


async def test_a_lowering_edit_needs_no_credit_check(merchant: Merchant) -> None:
    await _settings(merchant, creditCheck="reject", creditCheckSeconds=5)
    created = await merchant.order("ledyer", WOO_LINES)
    api = await Ledyer.of(merchant)
    started = time.monotonic()
    body = {
        "orderLines": WOO_LINES[1:],
        "totalOrderAmount": 17800,
        "totalOrderAmountExclVat": 17800 - 2126,
        "totalOrderVatAmount": 2126,
    }
    r = await merchant.client.post(f"/v1/orders/{created['orderId']}", json=body, headers=api.auth)
    assert r.status_code == 200, r.text
    assert time.monotonic() - started < 5
    assert r.json()["orderAmount"] == sek(17800)


async def test_a_delayed_credit_check_answers_once_decided(merchant: Merchant) -> None:
    await _settings(merchant, creditCheck="approve", creditCheckSeconds=1)
    created = await merchant.order("ledyer", WOO_LINES)
    api = await Ledyer.of(merchant)
    started = time.monotonic()
    r = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM, **KEY)
    waited = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert waited >= 1
    assert r.json()["orderAmount"] == sek(47800)
    # a replay of the key answers at once, the same
    started = time.monotonic()
    again = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM, **KEY)
    assert time.monotonic() - started < 1
    assert again.content == r.content


async def test_a_card_order_is_never_raised(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", WOO_LINES, paymentMethod="card")
    api = await Ledyer.of(merchant)
    r = await api.post(f"/v1/orders/{created['orderId']}", WOO_EDIT_ADDING_AN_ITEM)
    assert error(r) == (422, "EDIT_ABOVE_AUTHORIZATION")
    assert (await api.order(created["orderId"]))["orderAmount"] == sek(37800)


async def test_a_retry_during_the_credit_check_never_raises_twice(
    merchant: Merchant, database_url: str
) -> None:
    await _settings(merchant, creditCheckSeconds=0.3)
    created = await merchant.order("ledyer", WOO_LINES)
    api = await Ledyer.of(merchant)
    path = f"/v1/orders/{created['orderId']}"
    answers = await asyncio.gather(
        api.post(path, WOO_EDIT_ADDING_AN_ITEM, **KEY),
        api.post(path, WOO_EDIT_ADDING_AN_ITEM, **KEY),
    )
    # each answers the raised order, or 409 while the other holds the key; never two raises
    done = {r.content for r in answers if r.status_code == 200}
    assert len(done) == 1, [r.text for r in answers]
    assert all(
        error(r) == (409, "IDEMPOTENCY_REQUEST_IN_PROGRESS")
        for r in answers
        if r.status_code != 200
    )
    replayed = await api.post(path, WOO_EDIT_ADDING_AN_ITEM, **KEY)
    assert {replayed.content} == done
    assert (await checked_order(database_url, created["orderId"])).authorized == 47800
    ledger_holds(database_url, merchant.stores["ledyer"])
