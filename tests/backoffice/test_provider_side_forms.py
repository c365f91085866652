"""The order page's sandbox forms for the provider's side: accept or reject an order on
hold, and record a customer's payment (whole or part, sent twice: applied once)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.backoffice.test_pages import signed_in
from tests.support.sandbox import SHOES, TSHIRTS, Merchant


async def _walley(merchant: Merchant, order_id: str) -> dict[str, Any]:
    headers = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def test_an_operator_accepts_an_order_on_hold_and_records_payments(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS], onHold=True))["orderId"]
    page = await client.get(f"/admin/orders/{order_id}")
    assert "Accept the order" in page.text and "Reject the order" in page.text
    form = {"csrf": csrf, "key": str(uuid.uuid4())}
    r = await client.post(f"/admin/orders/{order_id}/accept", data=form)
    assert r.status_code == 303, r.text
    assert (await _walley(merchant, order_id))["status"] == "NotActivated"

    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 285.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    page = await client.get(f"/admin/orders/{order_id}")
    assert "Record the payment" in page.text and "SEK 0.00 of SEK 285.00 paid" in page.text
    pay = {"csrf": csrf, "key": str(uuid.uuid4()), "amount": "100,50"}
    for _ in range(2):  # a form sent twice is applied once
        r = await client.post(f"/admin/orders/{order_id}/pay", data=pay)
        assert r.status_code == 303, r.text
    assert [i["paymentStatus"] for i in (await _walley(merchant, order_id))["invoices"]] == [
        "PartiallyPaid"
    ]
    bad = {"csrf": csrf, "key": str(uuid.uuid4()), "amount": "lots"}
    r = await client.post(f"/admin/orders/{order_id}/pay", data=bad)
    assert r.status_code == 422 and "Give the amount paid as a number" in r.text
    rest = {"csrf": csrf, "key": str(uuid.uuid4())}
    r = await client.post(f"/admin/orders/{order_id}/pay", data=rest)
    assert r.status_code == 303, r.text
    assert [i["paymentStatus"] for i in (await _walley(merchant, order_id))["invoices"]] == [
        "FullyPaid"
    ]
    assert "Record the payment" not in (await client.get(f"/admin/orders/{order_id}")).text


async def test_an_operator_rejects_an_order_on_hold(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order_id = (await merchant.order("walley", [SHOES], onHold=True))["orderId"]
    form = {"csrf": csrf, "key": str(uuid.uuid4())}
    r = await client.post(f"/admin/orders/{order_id}/reject", data=form)
    assert r.status_code == 303, r.text
    assert (await _walley(merchant, order_id))["status"] == "Closed"
    again = {"csrf": csrf, "key": str(uuid.uuid4())}
    r = await client.post(f"/admin/orders/{order_id}/accept", data=again)
    assert r.status_code == 422, r.text
