"""Issue 23, item 2: Walley orders that start on hold and are accepted or rejected, and
customers who pay — Walley's ``invoices[].paymentStatus``, Ledyer's ``partiallyPaid`` /
``fullyPaid`` and ``paid`` notifications, advance invoices captured only once paid."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from orderdesk.store.check import check_orders
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, TSHIRTS, Merchant, deliveries, notify


async def _walley_order(merchant: Merchant, order_id: str) -> dict[str, Any]:
    headers = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{order_id}", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def _ledyer_order(merchant: Merchant, order_id: str) -> dict[str, Any]:
    headers = await merchant.ledyer_headers()
    r = await merchant.client.get(f"/v1/orders/{order_id}", headers=headers)
    assert r.status_code == 200, r.text
    order: dict[str, Any] = r.json()
    return order


async def _sent(merchant: Merchant, store: str, order_id: str) -> list[str]:
    return [d["eventType"] for d in await deliveries(merchant, store, orderId=order_id)]


async def _pay(
    merchant: Merchant, order_id: str, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {**ADMIN, **({"idempotency-key": key} if key else {})}
    return await merchant.client.post(
        f"/sandbox/orders/{order_id}/payments", json=body, headers=headers
    )


async def _no_differences(app: FastAPI, store_id: str) -> None:
    async with app.state.pool.acquire() as conn:
        found = [d async for _, batch in check_orders(conn, store_id) for d in batch]
    assert found == []


async def test_a_walley_order_on_hold_is_captured_only_once_accepted(
    app: FastAPI, merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url)
    order_id = (await merchant.order("walley", [SHOES], onHold=True))["orderId"]
    assert (await _walley_order(merchant, order_id))["status"] == "OnHold"
    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.00}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_INVALID_INVOICE_STATUS"
    assert await _sent(merchant, "walley", order_id) == ["walley:order:created"]

    r = await merchant.client.post(f"/sandbox/orders/{order_id}/accept", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["onHold"] is False
    assert (await _walley_order(merchant, order_id))["status"] == "NotActivated"
    assert await _sent(merchant, "walley", order_id) == [
        "walley:order:created",
        "walley:order:authorized",
    ]
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/accept", headers=ADMIN)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "ORDER_NOT_ON_HOLD"


async def test_a_rejected_walley_order_is_closed_and_authorises_nothing(
    app: FastAPI, merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "walley", receiver.url)
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS], onHold=True))["orderId"]
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/reject", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["orderAmount"] == 0
    data = await _walley_order(merchant, order_id)
    assert (data["status"], data["totalAmount"]) == ("Closed", 0)
    assert await _sent(merchant, "walley", order_id) == [
        "walley:order:created",
        "walley:order:rejected",
    ]
    headers = await merchant.walley_headers()
    r = await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
    assert r.status_code == 422, r.text
    await _no_differences(app, merchant.stores["walley"])


async def test_only_a_provider_that_holds_orders_starts_one_on_hold(merchant: Merchant) -> None:
    body = {
        "storeId": merchant.stores["ledyer"],
        "orderLines": [SAMSUNG],
        "totalOrderAmount": 489000,
        "onHold": True,
    }
    r = await merchant.client.post("/sandbox/orders", json=body, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "HOLD_NOT_SUPPORTED",
        "message": "ledyer orders do not start on hold",
        "field": "onHold",
    }


async def test_walley_invoices_are_partly_then_fully_paid(app: FastAPI, merchant: Merchant) -> None:
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 95.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture", json={"amount": 190.00}, headers=headers
    )
    assert r.status_code == 202, r.text
    summary = (await _pay(merchant, order_id, {"amount": 4000}, key="pay-1")).json()
    assert (summary["amount"], summary["paidAmount"], summary["dueAmount"]) == (4000, 4000, 9500)
    assert summary["paymentStatus"] == "PartiallyPaid"
    replay = await _pay(merchant, order_id, {"amount": 4000}, key="pay-1")
    assert replay.status_code == 201 and replay.json() == summary
    invoices = (await _walley_order(merchant, order_id))["invoices"]
    assert [i["paymentStatus"] for i in invoices] == ["PartiallyPaid", "NotPaid"]

    too_much = await _pay(merchant, order_id, {"ledgerId": summary["ledgerId"], "amount": 5501})
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["error"]["code"] == "PAYMENT_AMOUNT_TOO_LARGE"
    r = await _pay(merchant, order_id, {"ledgerId": summary["ledgerId"]})
    assert r.status_code == 201 and r.json()["paymentStatus"] == "FullyPaid", r.text
    r = await _pay(merchant, order_id, {})
    assert (r.json()["amount"], r.json()["paymentStatus"]) == (19000, "FullyPaid")
    invoices = (await _walley_order(merchant, order_id))["invoices"]
    assert [i["paymentStatus"] for i in invoices] == ["FullyPaid", "FullyPaid"]
    r = await _pay(merchant, order_id, {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOTHING_TO_PAY", r.text
    await _no_differences(app, merchant.stores["walley"])


async def test_ledyer_orders_read_partially_then_fully_paid_with_paid_notifications(
    merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "ledyer", receiver.url)
    order_id = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    headers = await merchant.ledyer_headers()
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    r = await merchant.client.post(f"/v1/orders/{order_id}/capture", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert (await _pay(merchant, order_id, {"amount": 100000})).status_code == 201
    assert (await _ledyer_order(merchant, order_id))["status"] == [
        "fullyCaptured",
        "partiallyPaid",
    ]
    assert (await _pay(merchant, order_id, {})).status_code == 201
    assert (await _ledyer_order(merchant, order_id))["status"] == ["fullyCaptured", "fullyPaid"]
    assert (await _sent(merchant, "ledyer", order_id))[-2:] == [
        "com.ledyer.order.paid",
        "com.ledyer.order.paid",
    ]
    r = await merchant.client.get("/v1/orders", params={"status[]": "fullyPaid"}, headers=headers)
    assert [o["id"] for o in r.json()["orders"]] == [order_id]


async def test_a_ledyer_advance_invoice_is_ready_for_capture_once_paid(
    app: FastAPI, merchant: Merchant, receiver: Receiver
) -> None:
    await notify(merchant, "ledyer", receiver.url)
    made = await merchant.order("ledyer", [SAMSUNG], paymentMethod="advanceInvoice")
    order_id = made["orderId"]
    assert await _sent(merchant, "ledyer", order_id) == ["com.ledyer.order.create"]
    headers = await merchant.ledyer_headers()
    r = await merchant.client.get(f"/v1/orders/{order_id}/paymentstatus", headers=headers)
    assert r.json()["status"] == "paymentPending", r.text
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    r = await merchant.client.post(f"/v1/orders/{order_id}/capture", json=body, headers=headers)
    assert r.status_code == 409, r.text

    paid = await _pay(merchant, order_id, {"amount": 489000})
    assert paid.status_code == 201, paid.text
    assert paid.json()["ledgerId"] == made["invoices"][0]["ledgerId"]
    assert await _sent(merchant, "ledyer", order_id) == [
        "com.ledyer.order.create",
        "com.ledyer.order.paid",
        "com.ledyer.order.ready_for_capture",
    ]
    r = await merchant.client.get(f"/v1/orders/{order_id}/paymentstatus", headers=headers)
    assert r.json()["status"] == "paymentConfirmed", r.text
    r = await merchant.client.post(f"/v1/orders/{order_id}/capture", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == ["fullyCaptured", "fullyPaid"]
    await _no_differences(app, merchant.stores["ledyer"])


async def test_ledyer_payment_status_by_session_and_unknown_once_closed(
    merchant: Merchant,
) -> None:
    made = await merchant.order("ledyer", [SAMSUNG])
    headers = await merchant.ledyer_headers()
    assert made["sessionId"].startswith("se_")
    r = await merchant.client.get(
        "/v1/paymentstatus", params={"sessionId": made["sessionId"]}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "note": "Authorized",
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
        "status": "paymentConfirmed",
    }
    r = await merchant.client.get(
        "/v1/paymentstatus", params={"sessionId": "se_unknown"}, headers=headers
    )
    assert r.status_code == 404, r.text
    r = await merchant.client.get("/v1/paymentstatus", headers=headers)
    assert r.status_code == 404, r.text
    other = (await merchant.order("ledyer", [SAMSUNG]))["orderId"]
    both = {"orderId": other, "sessionId": made["sessionId"]}
    r = await merchant.client.get("/v1/paymentstatus", params=both, headers=headers)
    assert r.status_code == 404, r.text  # the session's order is another one
    closed = await merchant.client.post(f"/sandbox/orders/{made['orderId']}/close", headers=ADMIN)
    assert closed.status_code == 200, closed.text
    r = await merchant.client.get(
        "/v1/paymentstatus", params={"orderId": made["orderId"]}, headers=headers
    )
    assert (r.json()["status"], r.json()["note"]) == ("unknown", "Closed")
