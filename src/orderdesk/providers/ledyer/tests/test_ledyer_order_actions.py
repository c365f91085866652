"""Ledyer cancel sub-order, reference, acknowledge, payment method and payment status; the
two bugs fuzzing found (a duplicated key, a capture worth 0). Each refusal changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.ledyer_api import Ledyer, error
from tests.support.sandbox import ADMIN, IPHONE, SAMSUNG, Merchant, new_merchant


@pytest.fixture
async def api(merchant: Merchant) -> Ledyer:
    return await Ledyer.of(merchant)


async def fresh(merchant: Merchant, **extra: Any) -> str:
    order_id: str = (await merchant.order("ledyer", [SAMSUNG, IPHONE], **extra))["orderId"]
    return order_id


def capture_body(lines: list[dict[str, Any]]) -> bytes:
    total = sum(line["totalAmount"] for line in lines)
    return json.dumps({"orderLines": lines, "totalCaptureAmount": total}).encode()


# -- cancel sub-order ------------------------------------------------------------------------------
async def test_cancel_the_uncaptured_sub_order(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant)
    samsung_id = (await api.order(order_id))["uncaptured"]["orderLines"][0]["id"]
    r = await api.post(
        f"/v1/orders/{order_id}/partialcapture", capture_body([{**SAMSUNG, "id": samsung_id}])
    )
    captured_ledger = r.json()["captured"][0]["ledgerId"]
    uncaptured_ledger = r.json()["uncaptured"]["ledgerId"]
    before = await api.snapshot(order_id)
    r = await api.send("DELETE", f"/v1/orders/{order_id}/{captured_ledger}")
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    r = await api.send("DELETE", f"/v1/orders/{order_id}/in_unknown")
    assert error(r) == (404, "LEDGER_NOT_FOUND")
    assert await api.snapshot(order_id) == before
    r = await api.send(
        "DELETE", f"/v1/orders/{order_id}/{uncaptured_ledger}", headers={"Content-Length": "0"}
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["partiallyCaptured", "cancelled"]
    assert order["uncaptured"] is None
    assert (order["events"][0]["type"], order["events"][0]["amount"]["minorUnits"]) == (
        "cancel",
        IPHONE["totalAmount"],
    )
    r = await api.send("DELETE", f"/v1/orders/{order_id}/{uncaptured_ledger}", b"[]")
    assert error(r) == (404, "LEDGER_NOT_FOUND")  # cancelled: that sub-order is gone


async def test_an_advance_invoice_is_never_cancelled(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant, paymentMethod="advanceInvoice")
    order = await api.order(order_id)
    assert {"type": "cancel"} not in order["uncaptured"]["availableActions"]
    before = await api.snapshot(order_id)
    r = await api.send("DELETE", f"/v1/orders/{order_id}/{order['uncaptured']['ledgerId']}")
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    r = await api.send("DELETE", f"/v1/orders/{order_id}")
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    assert await api.snapshot(order_id) == before


# -- reference ---------------------------------------------------------------------------------
async def test_set_the_reference_like_ledyer_checkout(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant, acknowledged=False)
    body = b'{"reference":"2001"}'
    assert len(body) == 20
    r = await api.client.post(
        f"/v1/orders/{order_id}/reference",
        content=body,
        headers={
            "Accept": "*/*",
            "User-Agent": "WordPress/6.8; http://localhost",
            "Authorization": api.auth["authorization"],
            "Content-Type": "application/json",
            "Connection": "close",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["merchantReference"] == "2001"
    event = r.json()["events"][0]
    assert (event["type"], event["amount"]["minorUnits"]) == ("setReference", 0)
    assert r.json()["status"] == ["uncaptured", "unacknowledged"]
    fifty = "x" * 50
    r = await api.post(
        f"/v1/orders/{order_id}/reference", json.dumps({"reference": fifty}).encode()
    )
    assert r.json()["merchantReference"] == fifty


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"reference": "' + b"x" * 51 + b'"}', (422, "REFERENCE_TOO_LONG")),
        (b"{}", (400, "INVALID_REQUEST")),
        (b'{"reference": 2001}', (400, "INVALID_REQUEST")),
        (b'{"reference": "a", "reference": "b"}', (400, "INVALID_REQUEST")),
        (b"", (400, "INVALID_REQUEST")),
    ],
)
async def test_a_refused_reference_changes_nothing(
    api: Ledyer, merchant: Merchant, body: bytes, expected: tuple[int, str]
) -> None:
    order_id = await fresh(merchant)
    before = await api.snapshot(order_id)
    assert error(await api.post(f"/v1/orders/{order_id}/reference", body)) == expected
    assert await api.snapshot(order_id) == before


# -- acknowledge -------------------------------------------------------------------------------
async def test_acknowledge_twice_like_ledyer_checkout(api: Ledyer, merchant: Merchant) -> None:
    """No Idempotency-Key, Content-Length: 0, and the second call succeeds and changes nothing."""
    order_id = await fresh(merchant, acknowledged=False)
    order = await api.order(order_id)
    assert order["status"] == ["uncaptured", "unacknowledged"]
    headers = {"Content-Length": "0", "User-Agent": "WordPress/6.8; http://localhost"}
    first = await api.send("POST", f"/v1/orders/{order_id}/acknowledge", b"", headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == ["uncaptured"]
    assert first.json()["events"][0]["type"] == "acknowledge"
    second = await api.send("POST", f"/v1/orders/{order_id}/acknowledge", b"", headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    events = [e["type"] for e in (await api.order(order_id))["events"]]
    assert events.count("acknowledge") == 1


async def test_acknowledge_like_omnipay_with_an_empty_array(
    api: Ledyer, merchant: Merchant
) -> None:
    order_id = await fresh(merchant, acknowledged=False)
    r = await api.client.post(
        f"/v1/orders/{order_id}/acknowledge",
        content=b"[]",
        headers={
            "User-Agent": "GuzzleHttp/7",
            "Content-Type": "application/json",
            "Authorization": api.auth["authorization"],
        },
    )
    assert r.status_code == 201  # the driver counts only 201 as success
    assert "unacknowledged" not in r.json()["status"]


async def test_acknowledge_refusals_change_nothing(
    api: Ledyer, merchant: Merchant, client: httpx.AsyncClient
) -> None:
    order_id = await fresh(merchant, acknowledged=False)
    before = await api.snapshot(order_id)
    path = f"/v1/orders/{order_id}/acknowledge"
    assert error(await api.post(path, b'{"acknowledged": true}')) == (400, "INVALID_REQUEST")
    assert (await client.post(path)).status_code == 401
    other = await new_merchant(client)
    r = await client.post(path, headers=await other.ledyer_headers())
    assert error(r) == (403, "FORBIDDEN")
    assert error(await api.post("/v1/orders/or_unknown/acknowledge")) == (404, "ORDER_NOT_FOUND")
    assert await api.snapshot(order_id) == before


async def test_an_advance_invoice_is_captured_only_once_acknowledged_and_paid(
    api: Ledyer, merchant: Merchant
) -> None:
    order_id = await fresh(merchant, paymentMethod="advanceInvoice", acknowledged=False)
    order = await api.order(order_id)
    assert order["paymentMethod"] == {"provider": "ledyer", "type": "advanceInvoice"}
    actions = [a["type"] for a in order["uncaptured"]["availableActions"]]
    assert "capture" not in actions and "partialCapture" not in actions
    r = await api.send("GET", f"/v1/orders/{order_id}/paymentstatus")
    assert r.json()["status"] == "paymentPending"
    before = await api.snapshot(order_id)
    body = capture_body([SAMSUNG, IPHONE])
    assert error(await api.post(f"/v1/orders/{order_id}/capture", body)) == (
        409,
        "ACTION_NOT_AVAILABLE",
    )
    assert await api.snapshot(order_id) == before
    assert (await api.post(f"/v1/orders/{order_id}/acknowledge")).status_code == 201
    r = await api.send("GET", f"/v1/orders/{order_id}/paymentstatus")
    assert r.json() == {
        "note": "Awaiting payment",
        "paymentMethod": {"provider": "ledyer", "type": "advanceInvoice"},
        "status": "paymentPending",
    }
    assert error(await api.post(f"/v1/orders/{order_id}/capture", body)) == (
        409,
        "ACTION_NOT_AVAILABLE",
    )
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/payments", headers=ADMIN)
    assert r.status_code == 201, r.text
    r = await api.send("GET", f"/v1/orders/{order_id}/paymentstatus")
    assert r.json()["status"] == "paymentConfirmed"
    r = await api.post(f"/v1/orders/{order_id}/capture", body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == ["fullyCaptured", "fullyPaid"]


async def test_an_invoice_is_captured_before_acknowledge(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant, acknowledged=False)
    r = await api.post(f"/v1/orders/{order_id}/capture", capture_body([SAMSUNG, IPHONE]))
    assert r.status_code == 200
    assert r.json()["status"] == ["fullyCaptured", "unacknowledged"]


# -- payment method ----------------------------------------------------------------------------
ADVANCE = b'{"paymentMethod":{"provider":"ledyer","type":"advanceInvoice"}}'


async def test_a_service_invoice_becomes_an_advance_invoice(
    api: Ledyer, merchant: Merchant
) -> None:
    order_id = await fresh(merchant, paymentMethod="serviceInvoice")
    order = await api.order(order_id)
    assert {"type": "editPaymentMethod"} in order["uncaptured"]["availableActions"]
    r = await api.post(f"/v1/orders/{order_id}/paymentmethod", ADVANCE)
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["paymentMethod"] == {"provider": "ledyer", "type": "advanceInvoice"}
    assert order["events"][0]["type"] == "editPaymentMethod"
    assert {"type": "editPaymentMethod"} not in order["uncaptured"]["availableActions"]
    assert {"type": "cancel"} not in order["uncaptured"]["availableActions"]
    r = await api.send("GET", f"/v1/paymentstatus?orderId={order_id}")
    assert r.json()["paymentMethod"] == {"provider": "ledyer", "type": "advanceInvoice"}


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("invoice", ADVANCE, (409, "ACTION_NOT_AVAILABLE")),
        ("advanceInvoice", ADVANCE, (409, "ACTION_NOT_AVAILABLE")),
        (
            "serviceInvoice",
            b'{"paymentMethod":{"provider":"ledyer","type":"card"}}',
            (422, "PAYMENT_METHOD_NOT_ALLOWED"),
        ),
        (
            "serviceInvoice",
            b'{"paymentMethod":{"provider":"klarna","type":"advanceInvoice"}}',
            (422, "PAYMENT_METHOD_NOT_ALLOWED"),
        ),
        ("serviceInvoice", b'{"paymentMethod":"advanceInvoice"}', (400, "INVALID_REQUEST")),
        ("serviceInvoice", b"", (400, "INVALID_REQUEST")),
    ],
)
async def test_a_refused_payment_method_changes_nothing(
    api: Ledyer, merchant: Merchant, method: str, body: bytes, expected: tuple[int, str]
) -> None:
    order_id = await fresh(merchant, paymentMethod=method)
    before = await api.snapshot(order_id)
    assert error(await api.post(f"/v1/orders/{order_id}/paymentmethod", body)) == expected
    assert await api.snapshot(order_id) == before


async def test_no_payment_method_change_once_captured(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant, paymentMethod="serviceInvoice")
    samsung_id = (await api.order(order_id))["uncaptured"]["orderLines"][0]["id"]
    r = await api.post(
        f"/v1/orders/{order_id}/partialcapture", capture_body([{**SAMSUNG, "id": samsung_id}])
    )
    assert {"type": "editPaymentMethod"} not in r.json()["uncaptured"]["availableActions"]
    before = await api.snapshot(order_id)
    r = await api.post(f"/v1/orders/{order_id}/paymentmethod", ADVANCE)
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    assert await api.snapshot(order_id) == before


async def test_the_sandbox_refuses_an_unknown_payment_method(merchant: Merchant) -> None:
    body = {
        "storeId": merchant.stores["ledyer"],
        "orderLines": [SAMSUNG],
        "totalOrderAmount": SAMSUNG["totalAmount"],
        "paymentMethod": "cash",
    }
    r = await merchant.client.post("/sandbox/orders", json=body, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "PAYMENT_METHOD_NOT_ALLOWED"


# -- payment status ----------------------------------------------------------------------------
async def test_payment_status_at_both_paths(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant)
    expected = {
        "note": "Authorized",
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
        "status": "paymentConfirmed",
    }
    for path in (f"/v1/orders/{order_id}/paymentstatus", f"/v1/paymentstatus?orderId={order_id}"):
        r = await api.client.get(
            path, headers={**api.auth, "Idempotency-Key": "6be76740-4ada-4b58-8cb7-a2a9407512ab"}
        )
        assert (r.status_code, r.json()) == (200, expected)
    assert (await api.send("DELETE", f"/v1/orders/{order_id}")).status_code == 200
    r = await api.send("GET", f"/v1/paymentstatus?orderId={order_id}")
    assert r.json()["status"] == "orderCancelled"


async def test_payment_status_errors(
    api: Ledyer, merchant: Merchant, client: httpx.AsyncClient
) -> None:
    order_id = await fresh(merchant)
    assert error(await api.send("GET", "/v1/paymentstatus")) == (404, "ORDER_NOT_FOUND")
    r = await api.send("GET", "/v1/paymentstatus?sessionId=se_1")
    assert error(r) == (404, "ORDER_NOT_FOUND")  # no order was made in that session
    r = await api.send("GET", "/v1/orders/or_unknown/paymentstatus")
    assert error(r) == (404, "ORDER_NOT_FOUND")
    assert (await client.get(f"/v1/orders/{order_id}/paymentstatus")).status_code == 401
    other = await new_merchant(client)
    r = await client.get(
        f"/v1/paymentstatus?orderId={order_id}", headers=await other.ledyer_headers()
    )
    assert error(r) == (403, "FORBIDDEN")


# -- what fuzzing found ------------------------------------------------------------------------
async def test_a_duplicated_key_is_400(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant)
    before = await api.snapshot(order_id)
    line = json.dumps(SAMSUNG)
    body = (
        f'{{"orderLines": [{line}], "totalCaptureAmount": 1, '
        f'"totalCaptureAmount": {SAMSUNG["totalAmount"]}}}'
    ).encode()
    r = await api.post(f"/v1/orders/{order_id}/partialcapture", body)
    assert error(r) == (400, "INVALID_REQUEST")
    assert r.json()["errors"][0]["field"] == "totalCaptureAmount"
    nested = f'{{"orderLines": [{line[:-1]}, "vat": 2500}}], "totalCaptureAmount": 489000}}'
    r = await api.post(f"/v1/orders/{order_id}/partialcapture", nested.encode())
    assert error(r) == (400, "INVALID_REQUEST")
    assert await api.snapshot(order_id) == before


async def test_a_partial_capture_worth_nothing_is_422(api: Ledyer, merchant: Merchant) -> None:
    order_id = await fresh(merchant)
    before = await api.snapshot(order_id)
    nothing = {**SAMSUNG, "quantity": 0, "totalAmount": 0, "totalVatAmount": 0}
    r = await api.post(f"/v1/orders/{order_id}/partialcapture", capture_body([nothing]))
    assert error(r) == (422, "CAPTURE_AMOUNT_MUST_BE_POSITIVE")
    assert await api.snapshot(order_id) == before
