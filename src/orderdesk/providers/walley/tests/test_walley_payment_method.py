"""Walley's ``paymentMethod`` is written as its order model lists it (``Invoice``,
``Swish``, …), on sandbox orders as on the demo's."""

from __future__ import annotations

from orderdesk.providers.registry import PROVIDERS
from tests.support.sandbox import ADMIN, SHOES, Merchant
from tests.support.walley_api import get


async def test_a_sandbox_order_pays_by_invoice_as_walley_writes_it(merchant: Merchant) -> None:
    created = await merchant.order("walley", [SHOES])
    assert (await get(merchant, created["orderId"]))["paymentMethod"] == "Invoice"
    assert PROVIDERS["walley"].demo.order.payment_method == "Invoice"
    swish = await merchant.order("walley", [SHOES], paymentMethod="Swish")
    assert (await get(merchant, swish["orderId"]))["paymentMethod"] == "Swish"


async def test_a_payment_method_walley_does_not_list_is_refused(merchant: Merchant) -> None:
    body = {
        "storeId": merchant.stores["walley"],
        "orderLines": [SHOES],
        "totalOrderAmount": SHOES["totalAmount"],
        "paymentMethod": "invoice",
    }
    r = await merchant.client.post("/sandbox/orders", json=body, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "PAYMENT_METHOD_NOT_ALLOWED"
    assert "Invoice, Account" in r.json()["error"]["message"]


async def test_a_ledyer_order_still_pays_by_invoice_in_ledyer_s_casing(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SHOES])
    r = await merchant.client.get(
        f"/v1/orders/{created['orderId']}", headers=await merchant.ledyer_headers()
    )
    assert r.json()["paymentMethod"] == {"provider": "ledyer", "type": "invoice"}
